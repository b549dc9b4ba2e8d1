//! The HTTP side: the accept loop, the per-request pipeline (record → fault → route → finish)
//! and the three Genesys routes (`/oauth/token`, billable usage, trustee overview).

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::fault::Fault;
use crate::overview::MAX_BILLING_PERIOD_INDEX;
use crate::report::Variation;
use crate::state::{RateDecision, RateInfo, RecordedRequest, Shared};
use crate::wire::{self, ApiError, LimitInfo, random_uuid};

/// Request bodies above this size get `413 request.entity.too.large`.
pub(crate) const MAX_REQUEST_BYTES: usize = 1 << 20;

const BILLABLE_USAGE_PATH: &str = "/api/v2/billing/reports/billableusage";
const OVERVIEW_PREFIX: &str = "/api/v2/billing/trusteebillingoverview/";
const TOKEN_PATH: &str = "/oauth/token";

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

/// A response before headers are finished and faults applied to its body.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) content_type: &'static str,
    pub(crate) body: Bytes,
    pub(crate) retry_after: Option<u64>,
    pub(crate) extra_headers: Vec<(http::HeaderName, HeaderValue)>,
}

impl Reply {
    pub(crate) fn json(status: StatusCode, body: &Value) -> Self {
        Self::json_bytes(status, Bytes::from(body.to_string()))
    }

    pub(crate) fn json_bytes(status: StatusCode, body: Bytes) -> Self {
        Self {
            status,
            content_type: "application/json",
            body,
            retry_after: None,
            extra_headers: Vec::new(),
        }
    }

    fn error(error: &ApiError, context_id: &str) -> Self {
        let mut reply = Self::json(error.code.status, &error.body(context_id));
        reply.retry_after = error.retry_after;
        reply
    }
}

/// Accepts connections until `shutdown` fires (or its sender is dropped), then closes them
/// gracefully, giving in-flight requests a second.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
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
                let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
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

    if path == "/__sandbox" || path.starts_with("/__sandbox/") {
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
    let (mut reply, rate) = route(
        &shared,
        &parts.method,
        &path,
        query,
        &parts.headers,
        &body,
        variation,
        &correlation_id,
    )
    .await;
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

/// The `Limit` of the per-token rate limit, as the platform names it.
fn rate_limit_info(shared: &Shared) -> LimitInfo {
    LimitInfo {
        key: "client.credentials.token.rate.per.minute",
        namespace: "platform.api",
        value: i64::from(shared.config.limit_numbers().0),
    }
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

fn not_found(correlation_id: &str) -> Reply {
    Reply::error(&ApiError::new(wire::NOT_FOUND), correlation_id)
}

enum Operation<'a> {
    BillableUsage,
    TrusteeOverview(&'a str),
}

#[allow(clippy::too_many_arguments)]
async fn route(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
    variation: Variation,
    correlation_id: &str,
) -> (Reply, Option<RateInfo>) {
    if path == TOKEN_PATH {
        if method == Method::POST {
            return (token(shared, headers, body, variation), None);
        }
        return (not_found(correlation_id), None);
    }
    let operation = if path == BILLABLE_USAGE_PATH {
        Operation::BillableUsage
    } else if let Some(org) = path
        .strip_prefix(OVERVIEW_PREFIX)
        .filter(|o| !o.is_empty() && !o.contains('/'))
    {
        Operation::TrusteeOverview(org)
    } else {
        return (not_found(correlation_id), None);
    };
    if method != Method::GET {
        return (not_found(correlation_id), None);
    }

    let Some(token) = bearer(headers) else {
        return (
            Reply::error(
                &ApiError::new(wire::AUTHENTICATION_REQUIRED),
                correlation_id,
            ),
            None,
        );
    };
    if !shared.token_valid(token) {
        return (
            Reply::error(&ApiError::new(wire::BAD_CREDENTIALS), correlation_id),
            None,
        );
    }
    let rate = match shared.count_request(token) {
        RateDecision::Allowed(info) => info,
        RateDecision::Exceeded {
            info,
            retry_after_secs,
        } => {
            let error = ApiError::new(wire::TOO_MANY_REQUESTS_RETRY_AFTER)
                .param("retryAfter", retry_after_secs.to_string())
                .limit(rate_limit_info(shared))
                .retry_after(retry_after_secs);
            return (Reply::error(&error, correlation_id), Some(info));
        }
    };
    let reply = match operation {
        Operation::BillableUsage => billable_usage(shared, query, variation, correlation_id).await,
        Operation::TrusteeOverview(org) => {
            trustee_overview(shared, org, query, variation, correlation_id)
        }
    };
    (reply, Some(rate))
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The first value of a query parameter, decoded.
fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "error": error, "description": description, "error_description": description }),
    )
}

/// `POST /oauth/token`: the client-credentials grant with HTTP Basic client authentication.
fn token(shared: &Shared, headers: &HeaderMap, body: &Bytes, variation: Variation) -> Reply {
    let credentials = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, encoded)| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
        })
        .and_then(|decoded| String::from_utf8(decoded).ok());
    let Some(credentials) = credentials else {
        let mut reply = oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication is required (HTTP Basic)",
        );
        reply.extra_headers.push((
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"oauth\""),
        ));
        return reply;
    };
    let (id, secret) = credentials
        .split_once(':')
        .unwrap_or((credentials.as_str(), ""));
    let config = &shared.config;
    if id != config.client_id || secret != config.client_secret {
        let description = if id == config.client_id {
            "authentication failed"
        } else {
            "client not found"
        };
        let mut reply = oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", description);
        reply.extra_headers.push((
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"oauth\""),
        ));
        return reply;
    }
    let grant = form_urlencoded::parse(body)
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v);
    match grant.as_deref() {
        Some("client_credentials") => {}
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant type {other} is not supported"),
            );
        }
    }
    let access_token = shared.issue_token();
    let mut reply = json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": config.token_expires_in.as_secs(),
    });
    if variation.extra_fields {
        reply["scope"] = json!("billing:readonly");
    }
    Reply::json(StatusCode::OK, &reply)
}

/// Parses a `date-time` query value: ISO-8601 with an offset (`Z` or `±hh:mm`), any fraction.
fn parse_date(value: Option<String>) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(value?.trim())
        .ok()
        .map(|d| d.timestamp_millis())
}

async fn billable_usage(
    shared: &Shared,
    query: Option<&str>,
    variation: Variation,
    correlation_id: &str,
) -> Reply {
    let start = parse_date(query_param(query, "startDate"));
    let end = parse_date(query_param(query, "endDate"));
    let (Some(start), Some(end)) = (start, end) else {
        return Reply::error(&ApiError::new(wire::INVALID_DATE), correlation_id);
    };
    if end <= start {
        let error = ApiError::new(wire::CONSTRAINT_VALIDATION)
            .param("constraint", "endDate must be after startDate");
        return Reply::error(&error, correlation_id);
    }
    let period = (start, end);
    if shared.poll_in_progress(period) {
        let omit = shared.config.omit_usages_while_in_progress;
        let body = crate::report::in_progress(start, end, omit, variation);
        return Reply::json_bytes(StatusCode::OK, Bytes::from(body));
    }
    if variation == Variation::default() {
        return Reply::json_bytes(StatusCode::OK, shared.complete_report(period).await);
    }
    let shape = shared.config.report_shape;
    let build = move || Bytes::from(crate::report::complete(start, end, shape, variation));
    let body = tokio::task::spawn_blocking(build)
        .await
        .unwrap_or_else(|_| build());
    Reply::json_bytes(StatusCode::OK, body)
}

fn trustee_overview(
    shared: &Shared,
    org_id: &str,
    query: Option<&str>,
    variation: Variation,
    correlation_id: &str,
) -> Reply {
    let index = match query_param(query, "billingPeriodIndex") {
        None => 0,
        Some(raw) => match raw.parse::<u32>() {
            Ok(i) if i <= MAX_BILLING_PERIOD_INDEX && !raw.starts_with('+') => i,
            _ => {
                let error = ApiError::new(wire::INVALID_QUERY_PARAM_VALUE)
                    .param("value", raw)
                    .param("parameter", "billingPeriodIndex")
                    .param(
                        "allowableValues",
                        format!("integers from 0 to {MAX_BILLING_PERIOD_INDEX}"),
                    );
                return Reply::error(&error, correlation_id);
            }
        },
    };
    let Some(org) = shared.org(org_id) else {
        return not_found(correlation_id);
    };
    let body = crate::overview::overview(
        org,
        index,
        shared.config.today(),
        variation.unknown_enums,
        variation.extra_fields,
    );
    Reply::json(StatusCode::OK, &body)
}
