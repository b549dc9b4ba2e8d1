//! Real HTTP servers on 127.0.0.1:0 for the tests, and helpers to build transports against them.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use billing_transport::{
    ClientCredentials, Environment, Proxy, RequestMeta, RetryConfig, Transport, TransportBuilder,
};
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, Uri};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub const CLIENT_ID: &str = "test-client-id";
pub const SECRET: &str = "sUp3r-s3cret-VALUE-9f8e7d";
pub const TOKEN_PATH: &str = "/oauth/token";
pub const API_PATH: &str = "/api/v2/billing/reports/billableusage";

pub type Body = BoxBody<Bytes, Infallible>;

/// A request as the server saw it.
#[derive(Clone, Debug)]
#[allow(dead_code)]
pub struct Recorded {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn bearer(&self) -> Option<String> {
        self.headers
            .get(http::header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")
            .map(str::to_owned)
    }
}

pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

type Handler = dyn Fn(&Recorded) -> Response<Body> + Send + Sync;

impl Server {
    /// Serve HTTP/1.1 with `handler`, recording every request.
    pub async fn start(
        handler: impl Fn(&Recorded) -> Response<Body> + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let handler = handler.clone();
                        let recorded = recorded.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let rec = Recorded {
                                method: parts.method,
                                uri: parts.uri,
                                headers: parts.headers,
                                body,
                            };
                            recorded.lock().unwrap().push(rec.clone());
                            Ok::<_, Infallible>(handler(&rec))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Server { addr, requests }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.uri.path() == path)
            .count()
    }

    pub fn environment(&self) -> Environment {
        Environment::custom(&self.url(), &self.url()).unwrap()
    }
}

/// A listener that accepts connections and never answers.
pub async fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
            if held.len() > 64 {
                return;
            }
        }
    });
    addr
}

pub fn full(body: impl Into<Bytes>) -> Body {
    http_body_util::Full::new(body.into()).boxed()
}

pub fn respond(status: u16, body: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("inin-correlation-id", "corr-1234")
        .body(full(body.to_owned()))
        .unwrap()
}

pub fn with_header(
    mut response: Response<Body>,
    name: &'static str,
    value: &str,
) -> Response<Body> {
    response.headers_mut().insert(name, value.parse().unwrap());
    response
}

pub fn token_reply(token: &str, expires_in: u64) -> Response<Body> {
    respond(
        200,
        &format!(r#"{{"access_token":"{token}","token_type":"bearer","expires_in":{expires_in}}}"#),
    )
}

pub const OK_BODY: &str = r#"{"status":"Complete","usages":[]}"#;

/// A transport against `server` (API and login on the same server), fast backoff.
pub fn builder(server: &Server) -> TransportBuilder {
    Transport::builder()
        .environment(server.environment())
        .proxy(Proxy::none())
        .credentials(ClientCredentials::new(CLIENT_ID, SECRET))
        .retry(fast_retry())
        .attempt_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(20))
}

pub fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

pub fn get(path: &str) -> Request<Bytes> {
    Request::get(path)
        .extension(RequestMeta::new(
            "getBillingReportsBillableusage",
            API_PATH,
            true,
        ))
        .body(Bytes::new())
        .unwrap()
}

pub fn post(path: &str) -> Request<Bytes> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(Bytes::from_static(b"{}"))
        .unwrap()
}

/// A response body streaming 1 MiB chunks up to `total` bytes, counting what hyper pulled.
pub struct Endless {
    pub produced: Arc<AtomicU64>,
    pub total: u64,
    chunk: Bytes,
}

impl Endless {
    pub fn new(total: u64, produced: Arc<AtomicU64>) -> Self {
        Endless {
            produced,
            total,
            chunk: Bytes::from(vec![b'x'; 1 << 20]),
        }
    }
}

impl hyper::body::Body for Endless {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let sent = self.produced.load(Ordering::Relaxed);
        if sent >= self.total {
            return Poll::Ready(None);
        }
        self.produced
            .fetch_add(self.chunk.len() as u64, Ordering::Relaxed);
        Poll::Ready(Some(Ok(Frame::data(self.chunk.clone()))))
    }
}
