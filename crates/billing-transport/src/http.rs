//! The innermost service: hyper-util's pooled client over hyper-tls, with a response-body cap,
//! an optional `HTTPS_PROXY` tunnel and a last guard against sending credentials in clear text.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{AUTHORIZATION, CONTENT_LENGTH};
use http::uri::Authority;
use http::{Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_tls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::{Client, ResponseFuture};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use pin_project_lite::pin_project;
use tower::Service;

pub use hyper_util::client::proxy::matcher::Matcher as ProxyMatcher;

use crate::error::{BoxError, BuildError, TimeoutKind, TransportError};
use crate::region::credentials_allowed;

/// Default cap on a response body: 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Default TCP connect timeout: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Which proxy, if any, HTTPS requests go through.
///
/// Only `https` destinations are proxied, through an HTTP `CONNECT` tunnel to an `http://` proxy
/// (optionally with `user:password@` basic auth). Plain-HTTP destinations (which this crate only
/// allows for loopback hosts when credentials are involved) always connect directly.
#[derive(Clone, Debug)]
pub struct ProxyConfig(Option<Arc<ProxyMatcher>>);

impl ProxyConfig {
    /// Read `HTTPS_PROXY`/`https_proxy`, `ALL_PROXY`/`all_proxy` and `NO_PROXY`/`no_proxy` now,
    /// with curl's rules (the default).
    pub fn from_env() -> Self {
        ProxyConfig(Some(Arc::new(ProxyMatcher::from_env())))
    }

    /// Never use a proxy, whatever the environment says.
    pub fn none() -> Self {
        ProxyConfig(None)
    }

    /// Use an explicitly built matcher (`ProxyMatcher::builder().https(..).no(..).build()`).
    pub fn from_matcher(matcher: ProxyMatcher) -> Self {
        ProxyConfig(Some(Arc::new(matcher)))
    }
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig::from_env()
    }
}

/// A connector that tunnels through the configured proxy when its matcher says so.
#[derive(Clone)]
struct ProxyConnector {
    direct: HttpConnector,
    proxy: ProxyConfig,
}

impl Service<Uri> for ProxyConnector {
    type Response = TokioIo<tokio::net::TcpStream>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let intercept = match (&self.proxy.0, dst.scheme_str()) {
            (Some(matcher), Some("https")) => matcher.intercept(&dst),
            _ => None,
        };
        let mut direct = self.direct.clone();
        match intercept {
            Some(intercept) => {
                let mut tunnel = Tunnel::new(intercept.uri().clone(), direct);
                if let Some(auth) = intercept.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                Box::pin(async move { tunnel.call(dst).await.map_err(Into::into) })
            }
            None => Box::pin(async move { direct.call(dst).await.map_err(Into::into) }),
        }
    }
}

/// Settings for [`HttpClient`].
#[derive(Clone, Debug)]
pub struct HttpClientBuilder {
    connect_timeout: Duration,
    max_body_bytes: usize,
    proxy: ProxyConfig,
    pool_idle_timeout: Duration,
}

impl Default for HttpClientBuilder {
    fn default() -> Self {
        HttpClientBuilder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            proxy: ProxyConfig::from_env(),
            pool_idle_timeout: Duration::from_secs(90),
        }
    }
}

impl HttpClientBuilder {
    /// TCP connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Largest response body accepted (default 64 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Proxy settings (default: from the environment).
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = proxy;
        self
    }

    /// How long an idle pooled connection is kept (default 90 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Build the client. Needs a Tokio runtime only when requests are sent.
    pub fn build(self) -> Result<HttpClient, BuildError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(self.connect_timeout));
        let tls = native_tls::TlsConnector::builder()
            .request_alpns(&["h2", "http/1.1"])
            .build()
            .map_err(|e| BuildError::Tls(e.into()))?;
        let connector = HttpsConnector::from((
            ProxyConnector {
                direct: http,
                proxy: self.proxy,
            },
            tokio_native_tls::TlsConnector::from(tls),
        ));
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .build(connector);
        Ok(HttpClient {
            inner: Arc::new(Inner {
                client,
                max_body_bytes: self.max_body_bytes,
                connect_timeout: self.connect_timeout,
                plain_http_allowed: OnceLock::new(),
            }),
        })
    }
}

/// hyper-util's pooled HTTP/1.1 + HTTP/2 (ALPN) client over native TLS, as a tower service on
/// buffered bodies.
///
/// * Requests must carry an absolute URI (the [`BaseUrlLayer`](crate::BaseUrlLayer) makes them so).
/// * Redirects are never followed: a 3xx comes back as it is.
/// * A body larger than the cap fails with [`TransportError::BodyTooLarge`]: at once when
///   `Content-Length` says so, else as soon as the streamed bytes pass the cap.
/// * A request with an `Authorization` header to a plain-HTTP, non-loopback host is refused with
///   [`TransportError::InsecureUrl`] before a connection is made.
///
/// Cloning is cheap and clones share the connection pool.
#[derive(Clone)]
pub struct HttpClient {
    // Behind one `Arc`: the stack clones this service for every request (the transport's
    // clone, tower's `Retry`), and hyper-util's client alone is half a dozen reference counts.
    inner: Arc<Inner>,
}

struct Inner {
    client: Client<HttpsConnector<ProxyConnector>, Full<Bytes>>,
    max_body_bytes: usize,
    connect_timeout: Duration,
    /// The first plain-HTTP authority credentials were allowed to (a loopback host).
    plain_http_allowed: OnceLock<Authority>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .field("connect_timeout", &self.inner.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client with default settings.
    pub fn new() -> Result<Self, BuildError> {
        HttpClientBuilder::default().build()
    }

    /// Settings for a client.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder::default()
    }

    /// The response-body cap in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// Send one request and buffer its response.
    pub async fn send(&self, req: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        self.respond(req).await
    }

    /// Checks `req` and hands it to hyper.
    fn respond(&self, req: Request<Bytes>) -> HttpFuture {
        let state = match self.check(&req) {
            Ok(()) => HttpState::Head {
                authority: req.uri().authority().cloned(),
                future: self.inner.client.request(req.map(Full::new)),
                limit: self.inner.max_body_bytes,
                connect_timeout: self.inner.connect_timeout,
            },
            Err(error) => HttpState::Failed { error: Some(error) },
        };
        HttpFuture { state }
    }

    /// Refuses a relative URI, and credentials to a plain-HTTP non-loopback host.
    fn check(&self, req: &Request<Bytes>) -> Result<(), TransportError> {
        let uri = req.uri();
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(TransportError::InvalidRequest {
                reason: format!("URI `{}` is not absolute (no base URL layer?)", uri.path()),
            });
        }
        if req.headers().contains_key(AUTHORIZATION) && uri.scheme_str() != Some("https") {
            // The verdict depends on the host only, so a plain-HTTP authority once allowed (in
            // practice the loopback base URL of a test server) is not looked at again.
            let allowed = &self.inner.plain_http_allowed;
            if allowed.get().map(Authority::as_str) != uri.authority().map(Authority::as_str) {
                credentials_allowed(uri).map_err(|host| TransportError::InsecureUrl { host })?;
                if let Some(authority) = uri.authority() {
                    let _ = allowed.set(authority.clone());
                }
            }
        }
        Ok(())
    }
}

fn map_client_error(
    error: hyper_util::client::legacy::Error,
    authority: Option<&Authority>,
    connect_timeout: Duration,
) -> TransportError {
    if error.is_connect() {
        if chain_has_timed_out(&error) {
            return TransportError::Timeout {
                kind: TimeoutKind::Connect,
                after: connect_timeout,
            };
        }
        let host = authority
            .map(|a| a.as_str().rsplit('@').next().unwrap_or_default().to_owned())
            .unwrap_or_default();
        return TransportError::Connect {
            host,
            source: error.into(),
        };
    }
    TransportError::io(error)
}

fn chain_has_timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return true;
            }
        }
        current = e.source();
    }
    false
}

pin_project! {
    /// Buffers a response's body, refusing it once it passes `limit` bytes.
    struct ReadBody<B> {
        #[pin]
        body: B,
        parts: Option<http::response::Parts>,
        declared: Option<u64>,
        limit: usize,
        // A body in one frame is kept as it is; a longer one is appended to one buffer, sized up
        // front from `Content-Length` when there is one, so the chunks are never held next to a
        // copy of them.
        first: Option<Bytes>,
        buffer: Option<BytesMut>,
        len: usize,
    }
}

impl<B> ReadBody<B> {
    /// Fails at once when `Content-Length` is above `limit`.
    fn new(response: Response<B>, limit: usize) -> Result<Self, TransportError> {
        let (parts, body) = response.into_parts();
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(TransportError::BodyTooLarge { limit });
        }
        Ok(ReadBody {
            body,
            parts: Some(parts),
            declared,
            limit,
            first: None,
            buffer: None,
            len: 0,
        })
    }
}

impl<B> Future for ReadBody<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<Bytes>, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let limit = *this.limit;
        let too_large = || TransportError::BodyTooLarge { limit };
        while let Some(frame) = ready!(http_body::Body::poll_frame(this.body.as_mut(), cx)) {
            let frame = frame.map_err(|e| TransportError::Io { source: e.into() })?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if data.is_empty() {
                continue;
            }
            *this.len = this.len.checked_add(data.len()).ok_or_else(too_large)?;
            let len = *this.len;
            if len > limit {
                return Poll::Ready(Err(too_large()));
            }
            if let Some(buffer) = this.buffer {
                buffer.extend_from_slice(&data);
            } else if let Some(head) = this.first.take() {
                let expected = this
                    .declared
                    .map_or(0, |n| usize::try_from(n).unwrap_or(limit));
                let mut fresh = BytesMut::with_capacity(expected.max(len));
                fresh.extend_from_slice(&head);
                fresh.extend_from_slice(&data);
                *this.buffer = Some(fresh);
            } else {
                *this.first = Some(data);
            }
        }
        let bytes = match (this.buffer.take(), this.first.take()) {
            (Some(buffer), _) => buffer.freeze(),
            (None, Some(head)) => head,
            (None, None) => Bytes::new(),
        };
        let parts = this.parts.take().expect("ReadBody polled after completion");
        Poll::Ready(Ok(Response::from_parts(parts, bytes)))
    }
}

pin_project! {
    /// Future of [`HttpClient`]: the response, its body buffered.
    pub struct HttpFuture {
        #[pin]
        state: HttpState,
    }
}

pin_project! {
    #[project = HttpStateProj]
    enum HttpState {
        // Refused before anything was sent.
        Failed {
            error: Option<TransportError>,
        },
        // Waiting for the response head; the authority is kept for a connect error.
        Head {
            #[pin]
            future: ResponseFuture,
            authority: Option<Authority>,
            limit: usize,
            connect_timeout: Duration,
        },
        // Buffering the body.
        Body {
            #[pin]
            body: ReadBody<Incoming>,
        },
    }
}

impl fmt::Debug for HttpFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpFuture").finish_non_exhaustive()
    }
}

impl Future for HttpFuture {
    type Output = Result<Response<Bytes>, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                HttpStateProj::Failed { error } => {
                    let error = error.take().expect("HttpFuture polled after completion");
                    return Poll::Ready(Err(error));
                }
                HttpStateProj::Head {
                    future,
                    authority,
                    limit,
                    connect_timeout,
                } => {
                    let response = ready!(future.poll(cx))
                        .map_err(|e| map_client_error(e, authority.as_ref(), *connect_timeout))?;
                    HttpState::Body {
                        body: ReadBody::new(response, *limit)?,
                    }
                }
                HttpStateProj::Body { body } => return body.poll(cx),
            };
            state.set(next);
        }
    }
}

impl Service<Request<Bytes>> for HttpClient {
    type Response = Response<Bytes>;
    type Error = TransportError;
    type Future = HttpFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Bytes>) -> Self::Future {
        self.respond(req)
    }
}
