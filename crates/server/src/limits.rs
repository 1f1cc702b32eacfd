//! HTTP limits: what a slow, idle or oversized client may cost the server.
//!
//! [`serve_http`] accepts connections itself (instead of `axum::serve`) so it can enforce:
//!
//! * a cap on concurrent connections — one past it is answered `503` (JSON) and closed;
//! * a header-read timeout — the request head must arrive within it (hyper closes the
//!   connection otherwise);
//! * an idle timeout — a connection that moves no byte in either direction for that long is
//!   closed, whether it sits between keep-alive requests or stalls inside a body it
//!   announced;
//! * a body-read timeout — the longest pause between two pieces of a request body;
//! * a request timeout — the whole request, upload included.
//!
//! [`json_errors`] makes every refusal the API's JSON error body, including the extractors'
//! own plain-text 400/413/415/422 rejections and the router's 404/405, and answers a body
//! announced larger than its route's limit with `413` naming the limit before reading it.

use crate::error::{ErrorBody, ErrorDetail};
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Longest request value (or message built from one) echoed in an error body.
pub const MAX_ECHO_CHARS: usize = 512;

/// The body limit of every route but the upload (axum's default).
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// `text` cut to at most `max` characters, saying how much was cut.
pub fn truncate_for_echo(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}… ({} more characters)", count - max)
}

/// Timeouts and the connection cap, from `[http]` in the serve configuration.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct HttpLimits {
    /// Seconds a client has to send a request's head. `PORTCULLIS_HTTP_HEADER_TIMEOUT_SECS`.
    pub header_read_timeout_secs: u64,
    /// Longest pause (seconds) between two pieces of a request body.
    /// `PORTCULLIS_HTTP_BODY_TIMEOUT_SECS`.
    pub body_read_timeout_secs: u64,
    /// Seconds a connection may move no byte at all before it is closed.
    /// `PORTCULLIS_HTTP_IDLE_TIMEOUT_SECS`.
    pub idle_timeout_secs: u64,
    /// Seconds a whole request (upload included) may take. `PORTCULLIS_HTTP_REQUEST_TIMEOUT_SECS`.
    pub request_timeout_secs: u64,
    /// Concurrent connections; more are answered 503. `PORTCULLIS_HTTP_MAX_CONNECTIONS`.
    pub max_connections: usize,
}

impl Default for HttpLimits {
    fn default() -> HttpLimits {
        HttpLimits {
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            idle_timeout_secs: 60,
            request_timeout_secs: 300,
            max_connections: 1024,
        }
    }
}

impl HttpLimits {
    /// Overrides from the `PORTCULLIS_HTTP_*` variables; a value that is not a positive
    /// number is an error naming the variable.
    pub fn from_env(mut self) -> Result<HttpLimits, String> {
        let mut max = self.max_connections as u64;
        for (var, field) in [
            (
                "PORTCULLIS_HTTP_HEADER_TIMEOUT_SECS",
                &mut self.header_read_timeout_secs,
            ),
            (
                "PORTCULLIS_HTTP_BODY_TIMEOUT_SECS",
                &mut self.body_read_timeout_secs,
            ),
            (
                "PORTCULLIS_HTTP_IDLE_TIMEOUT_SECS",
                &mut self.idle_timeout_secs,
            ),
            (
                "PORTCULLIS_HTTP_REQUEST_TIMEOUT_SECS",
                &mut self.request_timeout_secs,
            ),
            ("PORTCULLIS_HTTP_MAX_CONNECTIONS", &mut max),
        ] {
            if let Ok(v) = std::env::var(var) {
                *field = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{var}={v}: expected a positive whole number"))?;
            }
        }
        self.max_connections = usize::try_from(max).unwrap_or(usize::MAX);
        Ok(self)
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n.max(1))
    }
}

/// The error code of a status the API itself did not produce.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad-request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::REQUEST_TIMEOUT => "request-timeout",
        StatusCode::CONFLICT => "conflict",
        StatusCode::LENGTH_REQUIRED => "length-required",
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// A JSON error response.
pub fn error_response(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        axum::Json(ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message: truncate_for_echo(&message, MAX_ECHO_CHARS * 2),
                missing: Vec::new(),
                policies: Vec::new(),
            },
        }),
    )
        .into_response()
}

/// The message of a 413 for a body over `limit` bytes.
pub fn too_large_message(limit: usize) -> String {
    format!("the request body is larger than the limit of {limit} bytes")
}

/// The body limit of the route `path` is served by.
#[derive(Clone)]
pub struct BodyLimits {
    /// `POST /api/v1/submissions`: the artifact limit plus room for the form.
    pub upload: usize,
}

impl BodyLimits {
    fn for_path(&self, path: &str) -> usize {
        if path == "/api/v1/submissions" {
            self.upload
        } else {
            DEFAULT_BODY_LIMIT
        }
    }
}

/// Middleware: refuses an announced body over its route's limit with 413 before reading it,
/// and rewrites every error response that is not JSON into the API's error body.
pub async fn json_errors(
    axum::extract::State(limits): axum::extract::State<Arc<BodyLimits>>,
    req: Request,
    next: Next,
) -> Response {
    let limit = limits.for_path(req.uri().path());
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        let mut resp = error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            too_large_message(limit),
        );
        // The body is not read: the connection cannot be reused.
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return resp;
    }
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        too_large_message(limit)
    } else if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_string()
    } else {
        text
    };
    let mut out = error_response(status, code_for(status), message);
    // Keep what the client needs from the original (Allow on 405, WWW-Authenticate on 401).
    for name in [header::ALLOW, header::WWW_AUTHENTICATE, header::CONNECTION] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// Milliseconds since `epoch` of the last byte moved on a connection.
struct Activity {
    epoch: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(now.saturating_sub(self.last_ms.load(Ordering::Relaxed)))
    }
}

/// A stream that records when it last moved a byte.
struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Adds the body-read and whole-request timeouts to `router`, with [`json_errors`] outside
/// them so a timeout's 408 is a JSON error body too.
pub fn with_timeouts(router: Router, limits: &HttpLimits, body: Arc<BodyLimits>) -> Router {
    use tower_http::timeout::{TimeoutBody, TimeoutLayer};
    let pause = HttpLimits::secs(limits.body_read_timeout_secs);
    router
        // The longest pause between two pieces of a body: reading it then fails, and the
        // extractor answers with an error (made JSON below).
        .layer(axum::middleware::map_request(
            move |req: Request| async move {
                req.map(|b| axum::body::Body::new(TimeoutBody::new(pause, b)))
            },
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            HttpLimits::secs(limits.request_timeout_secs),
        ))
        .layer(axum::middleware::from_fn_with_state(body, json_errors))
}

/// Serves `router` on `listener` under `limits` until `shutdown` resolves, then lets open
/// connections finish their current request (at most 10 s).
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: HttpLimits,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut conns = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        while conns.try_join_next().is_some() {}
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, max = limits.max_connections, "connection cap reached: refusing");
            conns.spawn(refuse_over_cap(stream, limits.max_connections));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity {
            epoch: Instant::now(),
            last_ms: AtomicU64::new(0),
        });
        let io = TokioIo::new(Tracked {
            inner: stream,
            activity: activity.clone(),
        });
        let service = TowerToHyperService::new(router.clone());
        let header_timeout = HttpLimits::secs(limits.header_read_timeout_secs);
        let idle_timeout = HttpLimits::secs(limits.idle_timeout_secs);
        let mut stop = stop_rx.clone();
        conns.spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true);
            let conn = builder.serve_connection(io, service).with_upgrades();
            tokio::pin!(conn);
            let check = (idle_timeout / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
            let mut draining = false;
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(%peer, error = %e, "connection ended with an error");
                        }
                        return;
                    }
                    _ = tokio::time::sleep(check) => {
                        if activity.idle() >= idle_timeout {
                            tracing::debug!(%peer, idle_secs = idle_timeout.as_secs(), "closing an idle connection");
                            return;
                        }
                    }
                    _ = stop.changed(), if !draining => {
                        draining = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        });
    }
    let _ = stop_tx.send(true);
    let drain = async { while conns.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(Duration::from_secs(10), drain).await;
    Ok(())
}

/// Answers a connection past the cap with a JSON 503 and closes it.
async fn refuse_over_cap(mut stream: tokio::net::TcpStream, max: usize) {
    use tokio::io::AsyncWriteExt;
    let body = serde_json::json!({"error": {"code": "unavailable", "message": format!(
        "the server is at its limit of {max} concurrent connections; retry later")}})
    .to_string();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let write = async {
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(body.as_bytes()).await;
        let _ = stream.shutdown().await;
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}

/// Wraps a body so [`json_errors`] can be unit-tested without a router.
#[cfg(test)]
fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = Response::new(axum::body::Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::post;
    use tower::ServiceExt;

    #[test]
    fn echoes_are_bounded() {
        let long = "9".repeat(50_000);
        let cut = truncate_for_echo(&long, MAX_ECHO_CHARS);
        assert!(cut.len() < 600, "{}", cut.len());
        assert!(cut.ends_with("(49488 more characters)"), "{cut}");
        assert_eq!(truncate_for_echo("1.2.3", MAX_ECHO_CHARS), "1.2.3");
    }

    async fn body_json(r: Response) -> serde_json::Value {
        let b = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        serde_json::from_slice(&b).unwrap()
    }

    fn app() -> Router {
        let limits = Arc::new(BodyLimits { upload: 1000 });
        Router::new()
            .route(
                "/api/v1/things",
                post(|axum::Json(v): axum::Json<serde_json::Value>| async move { axum::Json(v) }),
            )
            .route(
                "/plain",
                post(|| async { plain(StatusCode::CONFLICT, "taken") }),
            )
            .layer(axum::middleware::from_fn_with_state(limits, json_errors))
    }

    #[tokio::test]
    async fn extractor_rejections_become_the_json_error_body() {
        let req = |ct: Option<&str>, body: &'static str| {
            let mut b = Request::builder().method("POST").uri("/api/v1/things");
            if let Some(ct) = ct {
                b = b.header(header::CONTENT_TYPE, ct);
            }
            b.body(Body::from(body)).unwrap()
        };
        for (r, status) in [
            (req(None, "{}"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
            (
                req(Some("application/json"), "{not json"),
                StatusCode::BAD_REQUEST,
            ),
            (req(Some("application/json"), "[1"), StatusCode::BAD_REQUEST),
        ] {
            let resp = app().oneshot(r).await.unwrap();
            assert_eq!(resp.status(), status);
            let v = body_json(resp).await;
            assert!(v["error"]["code"].is_string(), "{v}");
            assert!(!v["error"]["message"].as_str().unwrap().is_empty(), "{v}");
        }
        let resp = app()
            .oneshot(
                Request::builder()
                    .method("POST")
                    .uri("/plain")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CONFLICT);
        assert_eq!(body_json(resp).await["error"]["message"], "taken");
        // Unknown route and wrong method: the router's own empty answers.
        let resp = app()
            .oneshot(Request::get("/nope").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(body_json(resp).await["error"]["code"], "not-found");
        let resp = app()
            .oneshot(Request::get("/api/v1/things").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(resp.headers().contains_key(header::ALLOW));
        assert_eq!(body_json(resp).await["error"]["code"], "method-not-allowed");
    }

    #[tokio::test]
    async fn an_announced_body_over_the_limit_is_413_naming_it() {
        let resp = app()
            .oneshot(
                Request::builder()
                    .method("POST")
                    .uri("/api/v1/submissions")
                    .header(header::CONTENT_LENGTH, "200000000")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let v = body_json(resp).await;
        assert_eq!(v["error"]["code"], "payload-too-large");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("limit of 1000 bytes"),
            "{v}"
        );
    }
}
