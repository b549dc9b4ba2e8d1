//! A raw HTTP/1.1 server on 127.0.0.1 for the tests that need answers no well-behaved server
//! gives: redirects to another server, endless or lying bodies, hostile token replies. It
//! writes bytes exactly as told and records every request it reads.
//!
//! A module of `security.rs` and `proptest_token.rs` (a folder, so Cargo builds no test binary
//! of its own); its own test checks the server itself.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as read from the socket.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target as sent (path and query, encoding untouched).
    pub target: String,
    /// The headers in order, names as sent, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
}

impl RawRequest {
    /// The first header of that name (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// What to answer.
pub enum Answer {
    /// These bytes, verbatim, then close.
    Raw(Vec<u8>),
    /// `head` (status line and headers, ending in a blank line), then `chunk` again and again
    /// (as HTTP chunks when `chunked`, else raw) until the client goes away; the bytes written
    /// are added to `sent`.
    Endless {
        /// Status line and headers, ending in `\r\n\r\n`.
        head: String,
        /// The data repeated forever.
        chunk: Vec<u8>,
        /// Frame each repetition as an HTTP chunk.
        chunked: bool,
        /// Bytes written so far.
        sent: Arc<AtomicUsize>,
    },
}

/// A complete response with `Content-Length` and `Connection: close`.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut head = format!("HTTP/1.1 {status} Status\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    Answer::Raw(bytes)
}

/// A JSON response.
pub fn json(status: u16, body: &str) -> Answer {
    response(
        status,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

type Handler = dyn Fn(&RawRequest) -> Answer + Send + Sync;

/// The running server; dropping it stops accepting.
pub struct RawServer {
    addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<RawRequest>>>,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    /// Listens on a free port of 127.0.0.1 and answers every request with `handler`.
    pub async fn start(handler: impl Fn(&RawRequest) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests: Arc<Mutex<Vec<RawRequest>>> = Arc::default();
        let accepted = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let task = tokio::spawn({
            let requests = requests.clone();
            let accepted = accepted.clone();
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let (requests, handler) = (requests.clone(), handler.clone());
                    tokio::spawn(async move {
                        let _ = serve(stream, &requests, handler.as_ref()).await;
                    });
                }
            }
        });
        RawServer {
            addr,
            requests,
            accepted,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<RawRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// Connections accepted so far (a connection that sent nothing counts too).
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut stream: TcpStream,
    requests: &Mutex<Vec<RawRequest>>,
    handler: &Handler,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > 64 * 1024 {
            return Ok(());
        }
        let n = stream.read(&mut byte).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&byte[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut byte).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&byte[..n]);
    }
    let request = RawRequest {
        method,
        target,
        headers,
        body,
    };
    let answer = handler(&request);
    requests.lock().unwrap().push(request);
    match answer {
        Answer::Raw(bytes) => {
            stream.write_all(&bytes).await?;
            stream.shutdown().await?;
        }
        Answer::Endless {
            head,
            chunk,
            chunked,
            sent,
        } => {
            stream.write_all(head.as_bytes()).await?;
            let framed = if chunked {
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(&chunk);
                framed.extend_from_slice(b"\r\n");
                framed
            } else {
                chunk
            };
            loop {
                stream.write_all(&framed).await?;
                sent.fetch_add(framed.len(), Ordering::SeqCst);
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn the_raw_server_answers_and_records() {
    let server =
        RawServer::start(|req| json(200, &format!("{{\"path\":\"{}\"}}", req.path()))).await;
    let mut stream = TcpStream::connect(server.url().trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(b"POST /x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
        .await
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.ends_with("{\"path\":\"/x\"}"), "{reply}");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].target, "/x?y=1");
    assert_eq!(seen[0].header("host"), Some("a"));
    assert_eq!(seen[0].body, b"abc");
}
