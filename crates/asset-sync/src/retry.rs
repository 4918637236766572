//! Whole-operation retries on top of the SDK's own.
//!
//! Each AWS call already retries transient failures (slipway-aws's `RetryPolicy`). An
//! operation that still fails transiently (a burst of throttling longer than those attempts)
//! gets [`EXTRA_ROUNDS`] more tries here, after a jittered pause, before it is reported.

use std::future::Future;
use std::time::Duration;

/// Extra attempts of a whole operation, for transient failures only.
pub const EXTRA_ROUNDS: u32 = 2;

/// Runs `op` until it succeeds, fails with an error `transient` rejects, or has had
/// [`EXTRA_ROUNDS`] extra attempts.
pub async fn retrying<T, E, F, Fut>(transient: impl Fn(&E) -> bool, mut op: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Err(e) if transient(&e) && attempt < EXTRA_ROUNDS => {
                attempt += 1;
                tokio::time::sleep(backoff(attempt)).await;
            }
            other => return other,
        }
    }
}

/// 0.5 s, 1 s, 2 s ... times a random factor in [0.5, 1.5), so the retries of many operations
/// that failed together do not arrive together.
pub fn backoff(attempt: u32) -> Duration {
    let base = 0.25 * f64::from(1u32 << attempt.min(6));
    Duration::from_secs_f64(base * (0.5 + fastrand::f64()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[tokio::test(start_paused = true)]
    async fn transient_failures_get_extra_rounds_then_the_error() {
        let calls = Cell::new(0);
        let result: Result<(), &str> = retrying(
            |e: &&str| *e == "busy",
            || {
                calls.set(calls.get() + 1);
                async { Err("busy") }
            },
        )
        .await;
        assert_eq!(result, Err("busy"));
        assert_eq!(calls.get(), 1 + EXTRA_ROUNDS);
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_failures_are_not_retried_and_success_stops() {
        let calls = Cell::new(0);
        let result: Result<(), &str> = retrying(
            |e: &&str| *e == "busy",
            || {
                calls.set(calls.get() + 1);
                async { Err("denied") }
            },
        )
        .await;
        assert_eq!((result, calls.get()), (Err("denied"), 1));
        let calls = Cell::new(0);
        let result: Result<u8, &str> = retrying(
            |e: &&str| *e == "busy",
            || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move { if n < 2 { Err("busy") } else { Ok(7) } }
            },
        )
        .await;
        assert_eq!((result, calls.get()), (Ok(7), 2));
    }

    #[test]
    fn backoff_grows_with_jitter() {
        for attempt in 1..5 {
            let base = 0.25 * f64::from(1u32 << attempt);
            let d = backoff(attempt).as_secs_f64();
            assert!(d >= base * 0.5 && d < base * 1.5, "{attempt}: {d}");
        }
    }
}
