//! The innermost service: hyper-util's pooled client over hyper-tls, gzip answers decompressed,
//! a cap on the (decompressed) body, an optional proxy tunnel, and a last guard against sending
//! credentials in clear text.

use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, USER_AGENT};
use http::{HeaderValue, Request, Response, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper_tls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tower::{Layer, Service, ServiceExt};
use tower_http::decompression::{Decompression, DecompressionLayer};

use crate::error::{BoxError, BuildError, TimeoutKind, TransportError};
use crate::layers::ResponseFuture;
use crate::proxy::{Proxy, ProxyConnector};
use crate::region::credentials_allowed;
use crate::tls::TlsSettings;

/// Default cap on a response body: 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Default TCP connect timeout: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

type Hyper = Client<HttpsConnector<ProxyConnector>, Full<Bytes>>;

/// What the HTTP client is built from: the connection part of the transport's settings.
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    pub connect_timeout: Duration,
    pub max_body_bytes: usize,
    pub proxy: Proxy,
    pub tls: TlsSettings,
    pub gzip: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            proxy: Proxy::from_env(),
            tls: TlsSettings::default(),
            gzip: true,
        }
    }
}

impl HttpSettings {
    /// Builds the client. Needs a Tokio runtime only when requests are sent.
    pub fn build(&self) -> Result<HttpClient, BuildError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(self.connect_timeout));
        let tls = tokio_native_tls::TlsConnector::from(self.tls.connector()?);
        let connector = HttpsConnector::from((ProxyConnector::new(http, &self.proxy), tls));
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector);
        // Only gzip is asked for: it is what the platform's gateways send.
        let decompression = DecompressionLayer::new().gzip(self.gzip);
        Ok(HttpClient {
            client: decompression.layer(client),
            max_body_bytes: self.max_body_bytes,
            connect_timeout: self.connect_timeout,
        })
    }
}

/// hyper-util's pooled HTTP/1.1 + HTTP/2 (ALPN) client over native TLS, as a tower service on
/// buffered bodies.
///
/// * Requests must carry an absolute URI (the [`BaseUrlLayer`](crate::layers::BaseUrlLayer) makes them so).
/// * Asks for gzip (`Accept-Encoding: gzip`, unless the request names its own) and decompresses.
/// * Redirects are never followed: a 3xx comes back as it is.
/// * A body larger than the cap, counted after decompression, fails with
///   [`TransportError::BodyTooLarge`]: at once when an uncompressed `Content-Length` says so,
///   else as soon as the bytes pass the cap.
/// * A request with an `Authorization` header to a plain-HTTP, non-loopback host is refused with
///   [`TransportError::InsecureUrl`] before a connection is made.
///
/// Build one with [`TransportBuilder::build_http_client`](crate::TransportBuilder::build_http_client).
/// Cloning is cheap and clones share the connection pool.
#[derive(Clone)]
pub struct HttpClient {
    client: Decompression<Hyper>,
    max_body_bytes: usize,
    connect_timeout: Duration,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client with the default settings.
    pub fn new() -> Result<Self, BuildError> {
        HttpSettings::default().build()
    }

    /// The response-body cap in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Send one request and buffer its response.
    pub async fn send(&self, req: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        self.clone().oneshot(req).await
    }

    /// The same connections (pool, proxy, TLS, connect timeout) for plain `GET`s that carry
    /// nothing but `user_agent`.
    pub(crate) fn plain(&self, user_agent: HeaderValue) -> PlainHttpClient {
        PlainHttpClient {
            client: self.client.get_ref().clone(),
            user_agent,
            connect_timeout: self.connect_timeout,
        }
    }
}

/// An HTTP client for URLs outside the API (a pre-signed document URL): the transport's
/// connection settings — proxy, trusted roots, client identity, minimum TLS version, connect
/// timeout — and its `User-Agent`, and nothing else. It sends `GET` requests that carry no
/// other header, so no `Authorization` header, base URL or default header of the transport can
/// reach another host; answers are not buffered, capped, decompressed or retried, and
/// redirects are not followed: the caller streams the body with its own limits.
///
/// Made by [`TransportBuilder::build_plain_http_client`](crate::TransportBuilder::build_plain_http_client).
/// Cloning is cheap and clones share the connection pool.
#[derive(Clone)]
pub struct PlainHttpClient {
    client: Hyper,
    user_agent: HeaderValue,
    connect_timeout: Duration,
}

impl fmt::Debug for PlainHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlainHttpClient")
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl PlainHttpClient {
    /// `GET uri` (absolute), answering as soon as the response head is in; the body streams.
    /// Connection failures are typed as the transport's ([`TransportError::Connect`],
    /// [`TransportError::Tls`], a connect [`TransportError::Timeout`]), naming the host only.
    pub async fn get(&self, uri: Uri) -> Result<Response<Incoming>, TransportError> {
        let Some(authority) = uri.authority().filter(|_| uri.scheme().is_some()) else {
            return Err(TransportError::InvalidRequest {
                reason: format!("URI `{}` is not absolute", uri.path()),
            });
        };
        let host = authority
            .as_str()
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_owned();
        let request = Request::get(uri)
            .header(USER_AGENT, self.user_agent.clone())
            .body(Full::new(Bytes::new()))
            .map_err(|e| TransportError::InvalidRequest {
                reason: e.to_string(),
            })?;
        self.client
            .request(request)
            .await
            .map_err(|e| map_client_error(e, host, self.connect_timeout))
    }
}

/// Refuses a relative URI, and credentials to a plain-HTTP non-loopback host.
fn check(req: &Request<Bytes>) -> Result<(), TransportError> {
    let uri = req.uri();
    if uri.scheme().is_none() || uri.authority().is_none() {
        return Err(TransportError::InvalidRequest {
            reason: format!("URI `{}` is not absolute (no base URL layer?)", uri.path()),
        });
    }
    if req.headers().contains_key(AUTHORIZATION) && uri.scheme_str() != Some("https") {
        credentials_allowed(uri).map_err(|host| TransportError::InsecureUrl { host })?;
    }
    Ok(())
}

impl Service<Request<Bytes>> for HttpClient {
    type Response = Response<Bytes>;
    type Error = TransportError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Bytes>) -> Self::Future {
        if let Err(error) = check(&req) {
            return Box::pin(std::future::ready(Err(error)));
        }
        let host = req
            .uri()
            .authority()
            .map(|a| a.as_str().rsplit('@').next().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let future = self.client.call(req.map(Full::new));
        let (limit, connect_timeout) = (self.max_body_bytes, self.connect_timeout);
        Box::pin(async move {
            let response = future
                .await
                .map_err(|e| map_client_error(e, host, connect_timeout))?;
            let declared = (!response.headers().contains_key(CONTENT_ENCODING))
                .then(|| response.headers().get(CONTENT_LENGTH))
                .flatten()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if declared.is_some_and(|len| len > limit as u64) {
                return Err(TransportError::BodyTooLarge { limit });
            }
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, limit)
                .collect()
                .await
                .map_err(|e| body_error(e, limit))?
                .to_bytes();
            Ok(Response::from_parts(parts, body))
        })
    }
}

fn body_error(error: BoxError, limit: usize) -> TransportError {
    if error.is::<LengthLimitError>() {
        TransportError::BodyTooLarge { limit }
    } else {
        TransportError::Io { source: error }
    }
}

fn map_client_error(
    error: hyper_util::client::legacy::Error,
    host: String,
    connect_timeout: Duration,
) -> TransportError {
    if tls_failure(&error) {
        return TransportError::Tls {
            host,
            source: error.into(),
        };
    }
    if error.is_connect() {
        if chain_has_timed_out(&error) {
            return TransportError::Timeout {
                kind: TimeoutKind::Connect,
                after: connect_timeout,
            };
        }
        return TransportError::Connect {
            host,
            source: error.into(),
        };
    }
    TransportError::io(error)
}

fn chain<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |e| e.source())
}

fn chain_has_timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    chain(error).any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    })
}

/// Whether the TLS library refused the connection (an untrusted or mismatched certificate, a
/// client certificate the server wanted, no common protocol version).
fn tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    chain(error).any(|e| e.is::<native_tls::Error>())
}
