//! SIGINT and SIGTERM as a stream of values, so the run loop reacts to them the same way
//! whether they come from the OS or from a test.

use slipway_core::ExitCode;
use tokio::sync::mpsc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (CodeBuild stopping a build, `kill`).
    Terminate,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        }
    }

    /// 130 for SIGINT, 143 for SIGTERM.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Self::Interrupt => ExitCode::INTERRUPTED,
            Self::Terminate => ExitCode::TERMINATED,
        }
    }
}

/// The receiving end: signals in the order they arrived.
#[derive(Debug)]
pub struct Signals {
    rx: mpsc::UnboundedReceiver<Signal>,
}

/// The sending end, for tests (and for [`Signals::listen`]).
#[derive(Clone, Debug)]
pub struct SignalSender(mpsc::UnboundedSender<Signal>);

impl SignalSender {
    pub fn send(&self, signal: Signal) {
        let _ = self.0.send(signal);
    }
}

impl Signals {
    pub fn channel() -> (SignalSender, Signals) {
        let (tx, rx) = mpsc::unbounded_channel();
        (SignalSender(tx), Signals { rx })
    }

    /// Signals that never arrive.
    pub fn none() -> Signals {
        Self::channel().1
    }

    /// Listens for SIGINT and SIGTERM from now on (they no longer end the process by
    /// themselves). Must run inside a tokio runtime.
    pub fn listen() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let (tx, signals) = Self::channel();
        tokio::spawn(async move {
            loop {
                let got = tokio::select! {
                    Some(()) = interrupt.recv() => Signal::Interrupt,
                    Some(()) = terminate.recv() => Signal::Terminate,
                    else => break,
                };
                if tx.0.send(got).is_err() {
                    break;
                }
            }
        });
        Ok(signals)
    }

    /// The next signal; pending forever once no sender is left.
    pub async fn recv(&mut self) -> Signal {
        match self.rx.recv().await {
            Some(signal) => signal,
            None => std::future::pending().await,
        }
    }

    /// A signal that already arrived, if any.
    pub fn try_recv(&mut self) -> Option<Signal> {
        self.rx.try_recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn signals_arrive_in_order() {
        let (tx, mut signals) = Signals::channel();
        assert_eq!(signals.try_recv(), None);
        tx.send(Signal::Terminate);
        tx.send(Signal::Interrupt);
        assert_eq!(signals.recv().await, Signal::Terminate);
        assert_eq!(signals.try_recv(), Some(Signal::Interrupt));
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Signal::Interrupt.exit_code().code(), 130);
        assert_eq!(Signal::Terminate.exit_code().code(), 143);
    }
}
