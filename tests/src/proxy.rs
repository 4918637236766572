//! A fault-injecting HTTP proxy that sits between a binary under test and a real local server.
//!
//! Point the binary's `--endpoint-url` at [`FaultProxy::endpoint`]; requests are forwarded to
//! the upstream server unchanged (the `Host` header is kept, so SigV4 signatures stay valid)
//! unless a [`Rule`] matches, in which case its [`Fault`] is injected at the rule's rate.
//!
//! Every request is recorded ([`FaultProxy::seen`]) with what it was ([`RequestKind`]), the
//! fault injected, and, when it was forwarded, the server's status and when its answer came
//! back, on one clock with the arrivals: so a test can assert what a binary did *not* send,
//! and in what order writes reached the server.
//!
//! A forwarded request always runs to its end at the server, even when the client goes away
//! meanwhile (as S3 completes a PUT whose body it has received). To stop a binary at a chosen
//! request, [`FaultProxy::hold_from`] holds that request and every later one (neither
//! forwarded nor answered); [`FaultProxy::wait_held`] returns once it is held, the test kills
//! the binary, and [`FaultProxy::release_held`] decides for each held request whether it
//! reaches the server, then waits until the server has answered every request forwarded.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// How long [`FaultProxy::wait_idle`] waits for the server to answer what was forwarded
/// before it gives up: a guard against a hung test, far above any real answer time.
const IDLE_LIMIT: Duration = Duration::from_secs(120);

/// Headers whose values [`Seen::header_values`] does not keep.
const CREDENTIAL_HEADERS: [&str; 2] = ["authorization", "x-amz-security-token"];

/// What to do to a matching request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer `500 InternalError` without forwarding.
    Status500,
    /// Answer `503 SlowDown` without forwarding.
    SlowDown,
    /// Close the connection before reading the request body; nothing is forwarded.
    DropBeforeBody,
    /// Read the body, forward the request (so the server may act on it), then close the
    /// connection without answering.
    DropAfterBody,
    /// Forward, then send the response headers and only part of the body before closing.
    Truncate,
    /// Wait this long, then forward normally.
    Latency(Duration),
    /// Answer with this HTTP status and S3 error code without forwarding, the way S3 itself
    /// answers what no local server produces: `(403, "ExpiredToken")`, `(403, "AccessDenied")`,
    /// `(301, "PermanentRedirect")` for a wrong region, ...
    S3Error(u16, &'static str),
    /// Answer with this HTTP status and error code in the AWS JSON protocol (ECS, ECR,
    /// CloudWatch Logs) without forwarding: `x-amzn-errortype` and `{"__type": ...}`, e.g.
    /// `(400, "ExpiredTokenException")`, `(400, "AccessDeniedException")`.
    AwsJsonError(u16, &'static str),
}

impl Fault {
    /// The name [`Seen::fault`] records: `500`, `slowdown`, `drop-before-body`,
    /// `drop-after-body`, `truncate`, `latency`, or the S3 or AWS JSON error code.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Status500 => "500",
            Fault::SlowDown => "slowdown",
            Fault::DropBeforeBody => "drop-before-body",
            Fault::DropAfterBody => "drop-after-body",
            Fault::Truncate => "truncate",
            Fault::Latency(_) => "latency",
            Fault::S3Error(_, code) | Fault::AwsJsonError(_, code) => code,
        }
    }
}

/// What an S3 request does, told from its method, path and query (path-style addressing:
/// `/bucket/key`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequestKind {
    /// `PUT /bucket/key` (PutObject).
    PutObject,
    /// `PUT /bucket/key?partNumber=..&uploadId=..`.
    UploadPart,
    /// `POST /bucket/key?uploads`.
    CreateMultipart,
    /// `POST /bucket/key?uploadId=..`.
    CompleteMultipart,
    /// `DELETE /bucket/key?uploadId=..`.
    AbortMultipart,
    /// `HEAD /bucket/key`.
    Head,
    /// `GET /bucket/key`.
    Get,
    /// `GET /bucket?list-type=2...` (or a v1 listing).
    List,
    /// `DELETE /bucket/key`.
    DeleteObject,
    /// `POST /bucket?delete` (DeleteObjects).
    DeleteBatch,
    /// Anything else (bucket operations).
    Other,
}

impl RequestKind {
    /// The kind of a request with this method, percent-decoded path and raw query.
    pub fn of(method: &str, path: &str, query: &str) -> Self {
        let has_key = path
            .trim_start_matches('/')
            .split_once('/')
            .is_some_and(|(_, key)| !key.is_empty());
        let has = |name: &str| {
            query
                .split('&')
                .any(|pair| pair.split('=').next() == Some(name))
        };
        match method {
            "PUT" if has_key && has("partNumber") && has("uploadId") => Self::UploadPart,
            "PUT" if has_key => Self::PutObject,
            "POST" if has_key && has("uploads") => Self::CreateMultipart,
            "POST" if has_key && has("uploadId") => Self::CompleteMultipart,
            "POST" if !has_key && has("delete") => Self::DeleteBatch,
            "DELETE" if has_key && has("uploadId") => Self::AbortMultipart,
            "DELETE" if has_key => Self::DeleteObject,
            "HEAD" if has_key => Self::Head,
            "GET" if has_key => Self::Get,
            "GET" if has("list-type") || has("prefix") || has("delimiter") || query.is_empty() => {
                Self::List
            }
            _ => Self::Other,
        }
    }

    /// Whether a request of this kind writes or deletes an object (or a part of one).
    pub fn is_object_write(self) -> bool {
        matches!(
            self,
            Self::PutObject
                | Self::UploadPart
                | Self::CreateMultipart
                | Self::CompleteMultipart
                | Self::AbortMultipart
                | Self::DeleteObject
                | Self::DeleteBatch
        )
    }
}

/// When to inject a fault: every condition given must hold.
///
/// The rules a request matches (and whose limit is not reached) share one roll of the seeded
/// generator: the first rule fires on rolls in `[0, rate)`, the next on the band after it,
/// and so on. So each rule fires at its own rate, and together at the sum of their rates
/// (keep it at most 1); a rule with rate 1 shadows the rules after it.
#[derive(Clone, Debug)]
pub struct Rule {
    pub fault: Fault,
    /// HTTP method, e.g. `PUT`.
    pub method: Option<String>,
    /// What the request does, e.g. [`RequestKind::PutObject`].
    pub kind: Option<RequestKind>,
    /// A substring of the (percent-decoded) path, e.g. a key.
    pub path_contains: Option<String>,
    /// A substring of the raw query string, e.g. `list-type=2`.
    pub query_contains: Option<String>,
    /// A request header (lowercase name) whose value contains this substring, e.g.
    /// `("x-amz-target", "DescribeServices")`: every AWS JSON-protocol call is `POST /`, and
    /// only this header says which operation it is.
    pub header_contains: Option<(String, String)>,
    /// Probability per matching request, 0.0 to 1.0.
    pub rate: f64,
    /// Inject at most this many times.
    pub limit: Option<u64>,
}

impl Rule {
    /// A rule that injects `fault` into every request.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            method: None,
            kind: None,
            path_contains: None,
            query_contains: None,
            header_contains: None,
            rate: 1.0,
            limit: None,
        }
    }
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }
    pub fn kind(mut self, kind: RequestKind) -> Self {
        self.kind = Some(kind);
        self
    }
    pub fn path_contains(mut self, s: &str) -> Self {
        self.path_contains = Some(s.to_owned());
        self
    }
    pub fn query_contains(mut self, s: &str) -> Self {
        self.query_contains = Some(s.to_owned());
        self
    }
    /// Matches requests whose header `name` has a value containing `value`.
    pub fn header_contains(mut self, name: &str, value: &str) -> Self {
        self.header_contains = Some((name.to_ascii_lowercase(), value.to_owned()));
        self
    }
    /// Matches the AWS JSON-protocol operation whose `x-amz-target` contains `target`, e.g.
    /// `AmazonEC2ContainerServiceV20141113.DescribeServices` or just `.RunTask`.
    pub fn target(self, target: &str) -> Self {
        self.header_contains("x-amz-target", target)
    }
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = rate;
        self
    }
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    fn matches(
        &self,
        method: &str,
        kind: RequestKind,
        path: &str,
        query: &str,
        headers: &[(String, String)],
    ) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self.kind.is_none_or(|k| k == kind)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
            && self
                .query_contains
                .as_deref()
                .is_none_or(|q| query.contains(q))
            && self.header_contains.as_ref().is_none_or(|(name, value)| {
                headers
                    .iter()
                    .any(|(n, v)| n == name && v.contains(value.as_str()))
            })
    }
}

/// One request the proxy saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// Percent-decoded path.
    pub path: String,
    pub query: String,
    pub kind: RequestKind,
    /// The fault injected, if any (see [`Fault::name`]).
    pub fault: Option<&'static str>,
    /// Request header names, lowercase.
    pub headers: Vec<String>,
    /// Request headers (lowercase name, value) whose value is text, credentials left out
    /// (the signature and session token never reach a test's failure message).
    pub header_values: Vec<(String, String)>,
    /// When the request arrived, on the proxy's clock (a counter shared with `answered`).
    pub arrived: u64,
    /// When the server's answer came back, on the same clock; `None` when the request was
    /// not forwarded (an injected answer, a drop before the body, a held request dropped) or
    /// the server could not be reached.
    pub answered: Option<u64>,
    /// The server's HTTP status, when it answered. The client may have seen something else:
    /// a `DropAfterBody` or `Truncate` fault hides the server's answer from it.
    pub status: Option<u16>,
    /// Whether it was held (see [`FaultProxy::hold_from`]).
    pub held: bool,
    /// The keys a DeleteObjects request names, or the key of a DeleteObject.
    pub deletes: Vec<String>,
}

impl Seen {
    /// A request that could change the server's state.
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "PUT" | "POST" | "DELETE")
    }

    /// The value of request header `name` (lowercase), if sent as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The object key: the path after the bucket (`None` for bucket requests).
    pub fn key(&self) -> Option<&str> {
        self.path
            .trim_start_matches('/')
            .split_once('/')
            .map(|(_, key)| key)
            .filter(|key| !key.is_empty())
    }

    /// Whether the server acted on it: forwarded and answered with a 2xx status, whatever
    /// the client was then told.
    pub fn landed(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// When it stopped mattering to the server: when the server answered it, or, if it was
    /// never forwarded, when it arrived.
    pub fn settled(&self) -> u64 {
        self.answered.unwrap_or(self.arrived)
    }
}

/// Requests held by [`FaultProxy::hold_from`].
#[derive(Default)]
struct Hold {
    /// Hold every request whose index in `seen` is at least this.
    from: Option<usize>,
    /// The `arrived` of the request at index `from`, once it is held.
    reached: Option<u64>,
    /// Held requests waiting for a decision: (`arrived`, send a [`Pending`] count to
    /// forward it, `None` to drop it).
    waiting: Vec<(u64, tokio::sync::oneshot::Sender<Option<Pending>>)>,
}

struct State {
    upstream: String,
    rules: Mutex<Vec<(Rule, u64)>>,
    rng: Mutex<fastrand::Rng>,
    seen: Mutex<Vec<Seen>>,
    clock: AtomicU64,
    injected: AtomicU64,
    opaque_etags: AtomicBool,
    hold: Mutex<Hold>,
    held_cv: Condvar,
    /// Requests being read, forwarded or answered (held ones waiting for a decision are not
    /// counted).
    pending: Mutex<usize>,
    idle_cv: Condvar,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl State {
    /// Records an arriving request; returns its index in `seen` and its arrival time.
    fn arrive(&self, mut seen: Seen) -> (usize, u64) {
        let mut log = self.seen.lock().unwrap();
        let arrived = self.clock.fetch_add(1, Ordering::SeqCst);
        seen.arrived = arrived;
        log.push(seen);
        (log.len() - 1, arrived)
    }

    /// Applies `f` to the recorded request that arrived at `arrived` (if it is still in the
    /// log: [`FaultProxy::clear_seen`] may have emptied it).
    fn update(&self, arrived: u64, f: impl FnOnce(&mut Seen)) {
        let mut log = self.seen.lock().unwrap();
        if let Ok(i) = log.binary_search_by_key(&arrived, |s| s.arrived) {
            f(&mut log[i]);
        }
    }

    fn find(&self, arrived: u64) -> Option<Seen> {
        let log = self.seen.lock().unwrap();
        log.binary_search_by_key(&arrived, |s| s.arrived)
            .ok()
            .map(|i| log[i].clone())
    }

    /// Records the server's answer to the request that arrived at `arrived`.
    fn answered(&self, arrived: u64, status: Option<u16>) {
        let mut log = self.seen.lock().unwrap();
        let now = self.clock.fetch_add(1, Ordering::SeqCst);
        if let Ok(i) = log.binary_search_by_key(&arrived, |s| s.arrived) {
            log[i].answered = Some(now);
            log[i].status = status;
        }
    }
}

/// Counts one request in [`State::pending`] while it lives.
struct Pending(Arc<State>);

impl Pending {
    fn start(state: &Arc<State>) -> Self {
        *state.pending.lock().unwrap() += 1;
        Self(Arc::clone(state))
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut pending = self.0.pending.lock().unwrap_or_else(|e| e.into_inner());
        *pending -= 1;
        if *pending == 0 {
            self.0.idle_cv.notify_all();
        }
    }
}

/// A running proxy; it stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

type ProxyBody = BoxBody<Bytes, std::io::Error>;

impl FaultProxy {
    /// Starts a proxy to `upstream` (e.g. `http://127.0.0.1:9000`) with `rules`, drawing
    /// fault decisions from a generator seeded with `seed`.
    pub fn start(upstream: &str, rules: Vec<Rule>, seed: u64) -> FaultProxy {
        let std_listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy on 127.0.0.1");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("proxy address");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("proxy runtime");
        let client = {
            let _guard = runtime.enter();
            Client::builder(TokioExecutor::new()).build_http()
        };
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_owned(),
            rules: Mutex::new(rules.into_iter().map(|r| (r, 0)).collect()),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            seen: Mutex::new(Vec::new()),
            clock: AtomicU64::new(0),
            injected: AtomicU64::new(0),
            opaque_etags: AtomicBool::new(false),
            hold: Mutex::new(Hold::default()),
            held_cv: Condvar::new(),
            pending: Mutex::new(0),
            idle_cv: Condvar::new(),
            client,
        });
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let thread_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(std_listener).expect("tokio listener");
                    loop {
                        tokio::select! {
                            _ = &mut rx => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let state = Arc::clone(&thread_state);
                                tokio::spawn(async move {
                                    let service = hyper::service::service_fn(move |req| {
                                        let state = Arc::clone(&state);
                                        async move { handle(state, req).await }
                                    });
                                    let _ = hyper::server::conn::http1::Builder::new()
                                        .keep_alive(true)
                                        .serve_connection(TokioIo::new(stream), service)
                                        .await;
                                });
                            }
                        }
                    }
                });
                runtime.shutdown_background();
            })
            .expect("proxy thread");
        FaultProxy {
            addr,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the rules (their injection counts start again from zero).
    pub fn set_rules(&self, rules: Vec<Rule>) {
        *self.state.rules.lock().unwrap() = rules.into_iter().map(|r| (r, 0)).collect();
    }

    /// Every request seen so far, in order of arrival.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Forgets the requests seen so far.
    pub fn clear_seen(&self) {
        self.state.seen.lock().unwrap().clear();
    }

    /// Makes every ETag the client sees opaque (not an MD5 of the body), as S3 does for
    /// SSE-KMS and SSE-C objects: in `ETag` headers and in listing XML.
    pub fn set_opaque_etags(&self, on: bool) {
        self.state.opaque_etags.store(on, Ordering::Relaxed);
    }

    /// How many faults were injected.
    pub fn injected(&self) -> u64 {
        self.state.injected.load(Ordering::Relaxed)
    }

    /// Holds the request at index `n` of [`seen`](Self::seen) (0 is the first one seen since
    /// the last [`clear_seen`](Self::clear_seen)) and every request after it, once its body
    /// has arrived: neither forwarded nor answered until [`release_held`](Self::release_held).
    /// Requests arriving after that release stay held until the proxy stops, so nothing
    /// reaches the server behind the test's back.
    pub fn hold_from(&self, n: usize) {
        let mut hold = self.state.hold.lock().unwrap();
        hold.from = Some(n);
        hold.reached = None;
    }

    /// Blocks until the request [`hold_from`](Self::hold_from) named is held, and returns it;
    /// `None` if that has not happened within `limit` (a guard against a hung test: the
    /// binary under test ended, or never sent that many requests).
    pub fn wait_held(&self, limit: Duration) -> Option<Seen> {
        let hold = self.state.hold.lock().unwrap();
        let (hold, _) = self
            .state
            .held_cv
            .wait_timeout_while(hold, limit, |h| h.reached.is_none())
            .unwrap();
        let arrived = hold.reached?;
        drop(hold);
        self.state.find(arrived)
    }

    /// Decides every request held so far: `forward` returns `true` to send it on to the
    /// server (as if it had reached S3 before its client died), `false` to drop it. Then
    /// waits until the server has answered every request forwarded (see
    /// [`wait_idle`](Self::wait_idle)). Returns how many were forwarded and how many dropped.
    pub fn release_held(&self, mut forward: impl FnMut(&Seen) -> bool) -> (usize, usize) {
        let waiting = std::mem::take(&mut self.state.hold.lock().unwrap().waiting);
        let (mut forwarded, mut dropped) = (0, 0);
        for (arrived, tx) in waiting {
            let go = self.state.find(arrived).is_some_and(|s| forward(&s));
            if go {
                // Counted before the decision is sent, so wait_idle cannot miss it; if the
                // request is gone, the count comes back and is dropped.
                if tx.send(Some(Pending::start(&self.state))).is_ok() {
                    forwarded += 1;
                }
            } else {
                let _ = tx.send(None);
                dropped += 1;
            }
        }
        self.wait_idle();
        (forwarded, dropped)
    }

    /// Blocks until no request is being read, forwarded or answered (held requests waiting
    /// for a decision aside): everything the server was sent has been answered. Panics after
    /// two minutes, a guard against a hung test.
    pub fn wait_idle(&self) {
        let pending = self.state.pending.lock().unwrap();
        let (pending, timeout) = self
            .state
            .idle_cv
            .wait_timeout_while(pending, IDLE_LIMIT, |p| *p > 0)
            .unwrap();
        assert!(
            !timeout.timed_out(),
            "the proxy still has {} requests in flight after {IDLE_LIMIT:?}",
            *pending
        );
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `"9001..."` -> `"kms-9001..."`: same identity, but no longer an MD5.
fn opaque_etag(etag: &str) -> String {
    format!("\"kms-{}\"", etag.trim_matches('"'))
}

fn opaque_etags_in_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find("<ETag>") {
        let after = &rest[start + 6..];
        let Some(end) = after.find("</ETag>") else {
            break;
        };
        out.push_str(&rest[..start + 6]);
        let value = after[..end].replace("&#34;", "\"").replace("&quot;", "\"");
        out.push_str(&opaque_etag(&value));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn decode_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&path[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `<Key>` values of a DeleteObjects body, XML entities decoded.
fn keys_in_delete_body(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let mut keys = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("<Key>") {
        let after = &rest[start + 5..];
        let Some(end) = after.find("</Key>") else {
            break;
        };
        keys.push(
            after[..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[end..];
    }
    keys
}

fn choose(
    state: &State,
    method: &str,
    kind: RequestKind,
    path: &str,
    query: &str,
    headers: &[(String, String)],
) -> Option<Fault> {
    let mut rules = state.rules.lock().unwrap();
    let candidates: Vec<usize> = rules
        .iter()
        .enumerate()
        .filter(|(_, (rule, count))| {
            rule.matches(method, kind, path, query, headers)
                && rule.limit.is_none_or(|l| *count < l)
        })
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let roll = state.rng.lock().unwrap().f64();
    let mut band = 0.0;
    for i in candidates {
        let (rule, count) = &mut rules[i];
        band += rule.rate;
        if roll < band {
            *count += 1;
            return Some(rule.fault);
        }
    }
    None
}

fn full(body: Bytes) -> ProxyBody {
    Full::new(body).map_err(|never| match never {}).boxed()
}

fn s3_error(status: StatusCode, code: &str) -> Response<ProxyBody> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error>"
    );
    Response::builder()
        .status(status)
        .header("content-type", "application/xml")
        .body(full(Bytes::from(body)))
        .expect("error response")
}

fn aws_json_error(status: StatusCode, code: &str) -> Response<ProxyBody> {
    let body = format!("{{\"__type\":\"{code}\",\"message\":\"injected by the test proxy\"}}");
    Response::builder()
        .status(status)
        .header("x-amzn-errortype", code)
        .header("content-type", "application/x-amz-json-1.1")
        .body(full(Bytes::from(body)))
        .expect("error response")
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<ProxyBody>, std::io::Error> {
    let method = req.method().as_str().to_owned();
    let path = decode_path(req.uri().path());
    let query = req.uri().query().unwrap_or("").to_owned();
    let kind = RequestKind::of(&method, &path, &query);
    let headers = req
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .collect();
    let header_values = req
        .headers()
        .iter()
        .filter(|(k, _)| !CREDENTIAL_HEADERS.contains(&k.as_str()))
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect::<Vec<_>>();
    let fault = choose(&state, &method, kind, &path, &query, &header_values);
    if fault.is_some_and(|f| !matches!(f, Fault::Latency(_))) {
        state.injected.fetch_add(1, Ordering::Relaxed);
    }
    let pending = Pending::start(&state);
    let (index, arrived) = state.arrive(Seen {
        method,
        path,
        query,
        kind,
        fault: fault.map(Fault::name),
        headers,
        header_values,
        arrived: 0,
        answered: None,
        status: None,
        held: false,
        deletes: Vec::new(),
    });

    if fault == Some(Fault::DropBeforeBody) {
        return Err(std::io::Error::other("injected: drop before body"));
    }
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| std::io::Error::other(format!("read request body: {e}")))?
        .to_bytes();
    if matches!(kind, RequestKind::DeleteBatch | RequestKind::DeleteObject) {
        let deletes = keys_in_delete_body(&body);
        state.update(arrived, |s| {
            s.deletes = match s.kind {
                RequestKind::DeleteObject => s.key().map(str::to_owned).into_iter().collect(),
                _ => deletes,
            };
        });
    }

    // Held from here on: the whole request has arrived, and only the test decides whether
    // it reaches the server.
    let held = {
        let mut hold = state.hold.lock().unwrap();
        if hold.from.is_some_and(|n| index >= n) {
            let (tx, rx) = tokio::sync::oneshot::channel();
            hold.waiting.push((arrived, tx));
            if hold.from == Some(index) {
                hold.reached = Some(arrived);
                state.held_cv.notify_all();
            }
            state.update(arrived, |s| s.held = true);
            Some(rx)
        } else {
            None
        }
    };

    // The rest runs in its own task, so a forwarded request runs to its end at the server
    // even if the client goes away meanwhile.
    let task_state = Arc::clone(&state);
    let work = async move {
        let _pending = match held {
            None => pending,
            Some(rx) => {
                drop(pending);
                match rx.await {
                    Ok(Some(released)) => released,
                    _ => return Err(std::io::Error::other("held, then dropped")),
                }
            }
        };
        respond(task_state, arrived, fault, parts, body).await
    };
    tokio::spawn(work)
        .await
        .map_err(|e| std::io::Error::other(format!("proxy task: {e}")))?
}

/// Answers one request whose body has arrived: injects `fault` or forwards it.
async fn respond(
    state: Arc<State>,
    arrived: u64,
    fault: Option<Fault>,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<Response<ProxyBody>, std::io::Error> {
    match fault {
        Some(Fault::Status500) => {
            return Ok(s3_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError"));
        }
        Some(Fault::SlowDown) => return Ok(s3_error(StatusCode::SERVICE_UNAVAILABLE, "SlowDown")),
        Some(Fault::S3Error(status, code)) => {
            let status = StatusCode::from_u16(status).expect("a valid HTTP status");
            return Ok(s3_error(status, code));
        }
        Some(Fault::AwsJsonError(status, code)) => {
            let status = StatusCode::from_u16(status).expect("a valid HTTP status");
            return Ok(aws_json_error(status, code));
        }
        Some(Fault::Latency(d)) => tokio::time::sleep(d).await,
        _ => {}
    }

    let uri = format!(
        "{}{}",
        state.upstream,
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let mut upstream_req = Request::builder().method(parts.method).uri(uri);
    for (name, value) in &parts.headers {
        upstream_req = upstream_req.header(name, value);
    }
    let upstream_req = upstream_req
        .body(Full::new(body))
        .map_err(std::io::Error::other)?;
    let resp = match state.client.request(upstream_req).await {
        Ok(r) => r,
        Err(e) => {
            state.answered(arrived, None);
            return Ok(Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(full(Bytes::from(format!("proxy: upstream failed: {e}"))))
                .expect("502"));
        }
    };
    let (mut parts, body) = resp.into_parts();
    let body = body.collect().await;
    state.answered(arrived, Some(parts.status.as_u16()));
    let mut body = body
        .map_err(|e| std::io::Error::other(format!("read upstream body: {e}")))?
        .to_bytes();
    if state.opaque_etags.load(Ordering::Relaxed) {
        if let Some(v) = parts
            .headers
            .get(hyper::header::ETAG)
            .and_then(|v| v.to_str().ok())
        {
            let opaque = opaque_etag(v);
            parts.headers.insert(
                hyper::header::ETAG,
                opaque.parse().expect("an opaque etag is a valid header"),
            );
        }
        if let Ok(text) = std::str::from_utf8(&body)
            && text.contains("<ETag>")
        {
            body = Bytes::from(opaque_etags_in_xml(text));
            parts.headers.remove(hyper::header::CONTENT_LENGTH);
        }
    }

    match fault {
        Some(Fault::DropAfterBody) => Err(std::io::Error::other("injected: drop after body")),
        Some(Fault::Truncate) => {
            let keep = body.len() / 2;
            let claimed = body.len().max(keep + 16);
            let mut builder = Response::builder().status(parts.status);
            for (name, value) in &parts.headers {
                if name != hyper::header::CONTENT_LENGTH {
                    builder = builder.header(name, value);
                }
            }
            let chunks: Vec<Result<Frame<Bytes>, std::io::Error>> = vec![
                Ok(Frame::data(body.slice(..keep))),
                Err(std::io::Error::other("injected: truncated response")),
            ];
            let stream = StreamBody::new(futures::stream::iter(chunks));
            Ok(builder
                .header(hyper::header::CONTENT_LENGTH, claimed)
                .body(BodyExt::boxed(stream))
                .expect("truncated response"))
        }
        _ => Ok(Response::from_parts(parts, full(body))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_kinds() {
        let cases = [
            (
                "PUT",
                "/b/assets/a.js",
                "x-id=PutObject",
                RequestKind::PutObject,
            ),
            (
                "PUT",
                "/b/big.mp4",
                "partNumber=1&uploadId=u1&x-id=UploadPart",
                RequestKind::UploadPart,
            ),
            (
                "POST",
                "/b/big.mp4",
                "uploads&x-id=CreateMultipartUpload",
                RequestKind::CreateMultipart,
            ),
            (
                "POST",
                "/b/big.mp4",
                "uploads=",
                RequestKind::CreateMultipart,
            ),
            (
                "POST",
                "/b/big.mp4",
                "uploadId=u1",
                RequestKind::CompleteMultipart,
            ),
            (
                "DELETE",
                "/b/big.mp4",
                "uploadId=u1",
                RequestKind::AbortMultipart,
            ),
            ("HEAD", "/b/assets/a.js", "", RequestKind::Head),
            ("GET", "/b/assets/a.js", "x-id=GetObject", RequestKind::Get),
            (
                "GET",
                "/b",
                "list-type=2&prefix=assets%2F",
                RequestKind::List,
            ),
            ("GET", "/b/", "list-type=2", RequestKind::List),
            (
                "DELETE",
                "/b/assets/a.js",
                "x-id=DeleteObject",
                RequestKind::DeleteObject,
            ),
            ("POST", "/b", "delete", RequestKind::DeleteBatch),
            (
                "POST",
                "/b/",
                "delete=&x-id=DeleteObjects",
                RequestKind::DeleteBatch,
            ),
            ("PUT", "/b", "", RequestKind::Other),
            ("GET", "/b", "location", RequestKind::Other),
        ];
        for (method, path, query, kind) in cases {
            assert_eq!(
                RequestKind::of(method, path, query),
                kind,
                "{method} {path}?{query}"
            );
        }
    }

    #[test]
    fn delete_bodies_name_their_keys() {
        let body = br#"<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>assets/a&amp;b.js</Key></Object><Object><Key>assets/c.css</Key></Object><Quiet>true</Quiet></Delete>"#;
        assert_eq!(
            keys_in_delete_body(body),
            vec!["assets/a&b.js", "assets/c.css"]
        );
    }

    #[test]
    fn rules_match_a_json_operation_by_its_target() {
        let target = |op: &str| {
            vec![
                (
                    "content-type".to_owned(),
                    "application/x-amz-json-1.1".to_owned(),
                ),
                (
                    "x-amz-target".to_owned(),
                    format!("AmazonEC2ContainerServiceV20141113.{op}"),
                ),
            ]
        };
        let rule = Rule::new(Fault::AwsJsonError(400, "AccessDeniedException"))
            .method("post")
            .target(".DescribeServices");
        let post = |headers: &[(String, String)]| {
            rule.matches("POST", RequestKind::Other, "/", "", headers)
        };
        assert!(post(&target("DescribeServices")));
        assert!(!post(&target("RunTask")));
        assert!(!post(&[]), "a request without the header never matches");
        let by_name = Rule::new(Fault::Status500).header_contains("X-Amz-Target", "RunTask");
        assert!(by_name.matches("POST", RequestKind::Other, "/", "", &target("RunTask")));
        assert_eq!(
            Fault::AwsJsonError(400, "ExpiredTokenException").name(),
            "ExpiredTokenException"
        );
    }

    #[test]
    fn matching_rules_share_one_roll() {
        let state = |rules: Vec<Rule>| State {
            upstream: String::new(),
            rules: Mutex::new(rules.into_iter().map(|r| (r, 0)).collect()),
            rng: Mutex::new(fastrand::Rng::with_seed(9)),
            seen: Mutex::new(Vec::new()),
            clock: AtomicU64::new(0),
            injected: AtomicU64::new(0),
            opaque_etags: AtomicBool::new(false),
            hold: Mutex::new(Hold::default()),
            held_cv: Condvar::new(),
            pending: Mutex::new(0),
            idle_cv: Condvar::new(),
            client: {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                let _guard = rt.enter();
                Client::builder(TokioExecutor::new()).build_http()
            },
        };
        let s = state(vec![
            Rule::new(Fault::SlowDown).rate(0.10),
            Rule::new(Fault::DropBeforeBody).rate(0.02),
            Rule::new(Fault::Truncate).kind(RequestKind::Get).rate(0.5),
        ]);
        let mut counts = std::collections::BTreeMap::new();
        let n = 100_000;
        for _ in 0..n {
            let f = choose(&s, "PUT", RequestKind::PutObject, "/b/k", "", &[]);
            *counts.entry(f.map(Fault::name)).or_insert(0u32) += 1;
        }
        let share = |name| f64::from(counts.get(&Some(name)).copied().unwrap_or(0)) / n as f64;
        assert!((share("slowdown") - 0.10).abs() < 0.005, "{counts:?}");
        assert!(
            (share("drop-before-body") - 0.02).abs() < 0.002,
            "{counts:?}"
        );
        assert_eq!(
            share("truncate"),
            0.0,
            "a GET-only rule never fires on a PUT"
        );
        // A limited rule stops at its limit and leaves the roll to the others.
        let s = state(vec![
            Rule::new(Fault::Status500).rate(1.0).limit(3),
            Rule::new(Fault::SlowDown).rate(1.0),
        ]);
        let got: Vec<_> = (0..5)
            .map(|_| choose(&s, "GET", RequestKind::Get, "/b/k", "", &[]).map(Fault::name))
            .collect();
        assert_eq!(
            got,
            [
                Some("500"),
                Some("500"),
                Some("500"),
                Some("slowdown"),
                Some("slowdown")
            ]
        );
    }
}
