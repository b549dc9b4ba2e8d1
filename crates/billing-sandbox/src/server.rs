//! The HTTP side: the accept loop and the per-request pipeline (record → fault → route →
//! finish) every request goes through, whatever its route.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::fault::{Fault, Variation};
use crate::reply::Reply;
use crate::router::{self, Host, rate_limit_info};
use crate::state::{RateInfo, RecordedRequest, Shared};
use crate::wire::{self, ApiError, random_uuid};

/// Request bodies above this size get `413 request.entity.too.large`.
pub(crate) const MAX_REQUEST_BYTES: usize = 1 << 20;

const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

/// The service error that makes hyper drop the connection without answering.
#[derive(Debug)]
pub(crate) struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by the sandbox (fault injection)")
    }
}

impl std::error::Error for ResetConnection {}

/// A response body: whole, or cut short by [`Fault::TruncatedBody`].
#[derive(Debug)]
pub(crate) enum SandboxBody {
    Full(Option<Bytes>),
    /// Sends the data, waits for it to be flushed, then fails so the server aborts the
    /// connection mid-body.
    Truncated {
        data: Option<Bytes>,
        flush: Pin<Box<tokio::time::Sleep>>,
        failed: bool,
    },
}

/// How long a truncated body waits after its data before failing. hyper writes the head and
/// the first chunk together and drops unflushed bytes when a body fails, so without the pause
/// the client would see no response at all instead of a short body.
const TRUNCATE_FLUSH: Duration = Duration::from_millis(50);

impl SandboxBody {
    fn truncated(data: Bytes) -> Self {
        SandboxBody::Truncated {
            data: Some(data),
            flush: Box::pin(tokio::time::sleep(TRUNCATE_FLUSH)),
            failed: false,
        }
    }
}

impl Body for SandboxBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(match self.get_mut() {
            SandboxBody::Full(data) => data.take().map(|d| Ok(Frame::data(d))),
            SandboxBody::Truncated {
                data,
                flush,
                failed,
            } => {
                if let Some(d) = data.take() {
                    Some(Ok(Frame::data(d)))
                } else if !*failed {
                    if flush.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *failed = true;
                    Some(Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "body truncated by the sandbox (fault injection)",
                    )))
                } else {
                    None
                }
            }
        })
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, SandboxBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SandboxBody::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            SandboxBody::Full(None) => SizeHint::with_exact(0),
            SandboxBody::Truncated { .. } => SizeHint::default(),
        }
    }
}

/// Accepts connections until `shutdown` fires (or its sender is dropped), then closes them
/// gracefully, giving in-flight requests a second.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    host: Host,
    mut shutdown: oneshot::Receiver<()>,
) {
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let service = hyper::service::service_fn(move |req| handle(shared.clone(), host, req));
                let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                connections.spawn(async move {
                    let _ = conn.await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(1)) => {}
    }
    connections.abort_all();
}

/// The pipeline every request goes through.
async fn handle(
    shared: Arc<Shared>,
    host: Host,
    req: Request<Incoming>,
) -> Result<Response<SandboxBody>, ResetConnection> {
    let received_at = Instant::now();
    let correlation_id = random_uuid();
    let (parts, incoming) = req.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    let path = parts.uri.path().to_owned();

    let body = match Limited::new(incoming, MAX_REQUEST_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            let error = ApiError::new(wire::REQUEST_ENTITY_TOO_LARGE)
                .param("maximumBytes", MAX_REQUEST_BYTES.to_string());
            let reply = Reply::error(&error, &correlation_id);
            return Ok(finish(reply, &correlation_id, shared.uncounted_rate()));
        }
        // The client went away mid-body: nobody to answer.
        Err(_) => return Err(ResetConnection),
    };

    if host == Host::Api && (path == "/__sandbox" || path.starts_with("/__sandbox/")) {
        let reply = crate::control::handle(&shared, &parts.method, &path, &body);
        return Ok(finish(reply, &correlation_id, shared.uncounted_rate()));
    }

    let fault = shared.faults.take(&path);
    let recorded = RecordedRequest {
        method: parts.method.clone(),
        path_and_query: path_and_query.clone(),
        version: parts.version,
        headers: parts.headers.clone(),
        body: body.clone(),
        correlation_id: if fault == Some(Fault::ConnectionReset) {
            String::new()
        } else {
            correlation_id.clone()
        },
        received_at,
    };
    shared.record(recorded);

    let mut variation = Variation::default();
    let mut body_fault = None;
    match fault {
        None => {}
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(Fault::RevokeTokens) => shared.revoke_all_tokens(),
        Some(Fault::ConnectionReset) => return Err(ResetConnection),
        Some(Fault::UnknownEnumValues) => variation.unknown_enums = true,
        Some(Fault::ExtraFields) => variation.extra_fields = true,
        Some(f @ (Fault::TruncatedBody | Fault::MalformedJson | Fault::OversizedBody { .. })) => {
            body_fault = Some(f);
        }
        Some(
            f @ (Fault::TooManyRequests { .. }
            | Fault::InternalServerError
            | Fault::BadGateway
            | Fault::ServiceUnavailable { .. }
            | Fault::GatewayTimeout),
        ) => {
            let reply = status_fault(&shared, &f, &correlation_id);
            return Ok(finish(reply, &correlation_id, shared.uncounted_rate()));
        }
    }

    let query = parts.uri.query();
    let request = router::Incoming {
        method: &parts.method,
        path: &path,
        query,
        headers: &parts.headers,
        body: &body,
    };
    let (mut reply, rate) = router::route(&shared, host, request, variation, &correlation_id).await;
    let rate = rate.unwrap_or_else(|| shared.uncounted_rate());
    if variation.extra_fields {
        reply.body = splice_field(
            &reply.body,
            "\"sandboxExtension\":{\"note\":\"a field this SDK version does not know\"}",
        );
    }
    match body_fault {
        Some(Fault::TruncatedBody) => {
            let full_len = reply.body.len();
            let half = reply.body.slice(..full_len / 2);
            let mut response = finish(reply, &correlation_id, rate);
            response
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(full_len));
            *response.body_mut() = SandboxBody::truncated(half);
            return Ok(response);
        }
        Some(Fault::MalformedJson) => {
            let len = reply.body.len();
            reply.body = if len >= 2 {
                reply.body.slice(..len / 2)
            } else {
                Bytes::from_static(b"{")
            };
        }
        Some(Fault::OversizedBody { bytes }) => reply.body = pad(&reply.body, bytes),
        _ => {}
    }
    Ok(finish(reply, &correlation_id, rate))
}

/// Adds the headers every response carries.
fn finish(reply: Reply, correlation_id: &str, rate: RateInfo) -> Response<SandboxBody> {
    let mut response = Response::new(SandboxBody::Full(Some(reply.body)));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    if let Ok(id) = HeaderValue::from_str(correlation_id) {
        headers.insert("ININ-Correlation-Id", id);
    }
    headers.insert("inin-ratelimit-count", HeaderValue::from(rate.count));
    headers.insert("inin-ratelimit-allowed", HeaderValue::from(rate.allowed));
    headers.insert("inin-ratelimit-reset", HeaderValue::from(rate.reset_secs));
    if let Some(seconds) = reply.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    for (name, value) in reply.extra_headers {
        headers.insert(name, value);
    }
    response
}

fn status_fault(shared: &Shared, fault: &Fault, correlation_id: &str) -> Reply {
    let error = match fault {
        Fault::TooManyRequests {
            retry_after_secs: Some(secs),
        } => ApiError::new(wire::TOO_MANY_REQUESTS_RETRY_AFTER)
            .param("retryAfter", secs.to_string())
            .limit(rate_limit_info(shared))
            .retry_after(*secs),
        Fault::TooManyRequests {
            retry_after_secs: None,
        } => {
            let (allowed, per) = shared.config.limit_numbers();
            ApiError::new(wire::TOO_MANY_REQUESTS)
                .param("limit", allowed.to_string())
                .param("seconds", per.as_secs().to_string())
                .limit(rate_limit_info(shared))
        }
        Fault::ServiceUnavailable { retry_after_secs } => {
            let mut error = ApiError::new(wire::SERVICE_UNAVAILABLE);
            error.retry_after = *retry_after_secs;
            error
        }
        Fault::GatewayTimeout => ApiError::new(wire::REQUEST_TIMEOUT),
        Fault::BadGateway => {
            return Reply {
                status: StatusCode::BAD_GATEWAY,
                content_type: "text/html",
                body: Bytes::from_static(BAD_GATEWAY_HTML.as_bytes()),
                retry_after: None,
                extra_headers: Vec::new(),
            };
        }
        _ => ApiError::new(wire::INTERNAL_SERVER_ERROR),
    };
    Reply::error(&error, correlation_id)
}

/// Inserts `field` (`"name":value`) as the first member of a JSON object body.
fn splice_field(body: &Bytes, field: &str) -> Bytes {
    let Some(rest) = body.strip_prefix(b"{") else {
        return body.clone();
    };
    let empty = rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
    let mut out = BytesMut::with_capacity(body.len() + field.len() + 2);
    out.extend_from_slice(b"{");
    out.extend_from_slice(field.as_bytes());
    if !empty {
        out.extend_from_slice(b",");
    }
    out.extend_from_slice(rest);
    out.freeze()
}

/// Makes a body at least `bytes` long: a padding field for JSON objects, trailing spaces else.
fn pad(body: &Bytes, bytes: usize) -> Bytes {
    const FIELD_OVERHEAD: usize = "\"sandboxPadding\":\"\",".len();
    if body.len() >= bytes {
        return body.clone();
    }
    if body.starts_with(b"{") {
        let fill = bytes.saturating_sub(body.len() + FIELD_OVERHEAD);
        let field = format!("\"sandboxPadding\":\"{}\"", "x".repeat(fill));
        splice_field(body, &field)
    } else {
        let mut out = BytesMut::with_capacity(bytes);
        out.extend_from_slice(body);
        out.resize(bytes, b' ');
        out.freeze()
    }
}
