//! A fault-injecting HTTP proxy that sits between a binary under test and a real local server.
//!
//! Point the binary's `--endpoint-url` at [`FaultProxy::endpoint`]; requests are forwarded to
//! the upstream server unchanged (the `Host` header is kept, so SigV4 signatures stay valid)
//! unless a [`Rule`] matches, in which case its [`Fault`] is injected at the rule's rate.
//! Every request is recorded, so a test can also assert what a binary did *not* send.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

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
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::Status500 => "500",
            Fault::SlowDown => "slowdown",
            Fault::DropBeforeBody => "drop-before-body",
            Fault::DropAfterBody => "drop-after-body",
            Fault::Truncate => "truncate",
            Fault::Latency(_) => "latency",
            Fault::S3Error(_, code) => code,
        }
    }
}

/// When to inject a fault: every condition given must hold.
#[derive(Clone, Debug)]
pub struct Rule {
    pub fault: Fault,
    /// HTTP method, e.g. `PUT`.
    pub method: Option<String>,
    /// A substring of the (percent-decoded) path, e.g. a key.
    pub path_contains: Option<String>,
    /// A substring of the raw query string, e.g. `list-type=2`.
    pub query_contains: Option<String>,
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
            path_contains: None,
            query_contains: None,
            rate: 1.0,
            limit: None,
        }
    }
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
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
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = rate;
        self
    }
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    fn matches(&self, method: &str, path: &str, query: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
            && self
                .query_contains
                .as_deref()
                .is_none_or(|q| query.contains(q))
    }
}

/// One request the proxy saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// Percent-decoded path.
    pub path: String,
    pub query: String,
    /// The fault injected, if any.
    pub fault: Option<&'static str>,
    /// Request header names, lowercase.
    pub headers: Vec<String>,
}

impl Seen {
    /// A request that could change the server's state.
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "PUT" | "POST" | "DELETE")
    }
}

struct State {
    upstream: String,
    rules: Mutex<Vec<(Rule, u64)>>,
    rng: Mutex<fastrand::Rng>,
    seen: Mutex<Vec<Seen>>,
    injected: AtomicU64,
    opaque_etags: std::sync::atomic::AtomicBool,
    client: Client<HttpConnector, Full<Bytes>>,
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
            injected: AtomicU64::new(0),
            opaque_etags: std::sync::atomic::AtomicBool::new(false),
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

    /// Every request seen so far.
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

fn choose(state: &State, method: &str, path: &str, query: &str) -> Option<Fault> {
    let mut rules = state.rules.lock().unwrap();
    for (rule, count) in rules.iter_mut() {
        if !rule.matches(method, path, query) {
            continue;
        }
        if rule.limit.is_some_and(|l| *count >= l) {
            continue;
        }
        let roll = state.rng.lock().unwrap().f64();
        if roll < rule.rate {
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

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<ProxyBody>, std::io::Error> {
    let method = req.method().as_str().to_owned();
    let path = decode_path(req.uri().path());
    let query = req.uri().query().unwrap_or("").to_owned();
    let fault = choose(&state, &method, &path, &query);
    let headers = req
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .collect();
    if fault.is_some_and(|f| !matches!(f, Fault::Latency(_))) {
        state.injected.fetch_add(1, Ordering::Relaxed);
    }
    state.seen.lock().unwrap().push(Seen {
        method,
        path,
        query,
        fault: fault.map(Fault::name),
        headers,
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
    match fault {
        Some(Fault::Status500) => {
            return Ok(s3_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError"));
        }
        Some(Fault::SlowDown) => return Ok(s3_error(StatusCode::SERVICE_UNAVAILABLE, "SlowDown")),
        Some(Fault::S3Error(status, code)) => {
            let status = StatusCode::from_u16(status).expect("a valid HTTP status");
            return Ok(s3_error(status, code));
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
            return Ok(Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(full(Bytes::from(format!("proxy: upstream failed: {e}"))))
                .expect("502"));
        }
    };
    let (mut parts, body) = resp.into_parts();
    let mut body = body
        .collect()
        .await
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
