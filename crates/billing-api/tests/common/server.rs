//! Small servers on 127.0.0.1 for answers the sandbox never gives: a hyper server that answers
//! from a closure and records what it was sent, and a raw one that writes bytes as told.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path and query, as sent.
    pub uri: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The `User-Agent` header, if any.
    pub user_agent: Option<String>,
}

impl Seen {
    /// A query parameter's raw (still encoded) value.
    pub fn query(&self, name: &str) -> Option<&str> {
        let query = self.uri.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then_some(v)
        })
    }
}

/// What to answer.
pub struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

/// A JSON answer.
pub fn json(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        content_type: "application/json",
        body: body.into().into_bytes(),
    }
}

/// Any answer.
pub fn reply(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
    Reply {
        status,
        content_type,
        body: body.into(),
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// A hyper server answering each request with `handler(request, index)` (index from 0).
pub struct TestServer {
    addr: std::net::SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let task = tokio::spawn({
            let seen = seen.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let (seen, handler) = (seen.clone(), handler.clone());
                    let service = service_fn(move |request: http::Request<Incoming>| {
                        let request = Seen {
                            uri: request.uri().to_string(),
                            authorization: request
                                .headers()
                                .get(http::header::AUTHORIZATION)
                                .map(|v| v.to_str().unwrap_or("<binary>").to_owned()),
                            user_agent: request
                                .headers()
                                .get(http::header::USER_AGENT)
                                .map(|v| v.to_str().unwrap_or("<binary>").to_owned()),
                        };
                        let index = {
                            let mut seen = seen.lock().unwrap();
                            seen.push(request.clone());
                            seen.len() - 1
                        };
                        let answer = handler(&request, index);
                        let response = http::Response::builder()
                            .status(answer.status)
                            .header(http::header::CONTENT_TYPE, answer.content_type)
                            .body(Full::new(Bytes::from(answer.body)))
                            .unwrap();
                        async move { Ok::<_, Infallible>(response) }
                    });
                    tokio::spawn(async move {
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
        });
        TestServer { addr, seen, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where it listens.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A server that reads a request head and writes `bytes` verbatim, then closes; answers
/// every connection that way. Returns its `http://127.0.0.1:<port>` and the task.
pub async fn raw(bytes: Vec<u8>) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let bytes = bytes.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, task)
}
