//! The client's one error type. Each variant says where a call failed: before sending
//! (invalid input, configuration), on the way (transport), at the service (an HTTP error status
//! with the server's `ErrorBody`), or reading the answer (decode); plus a report that was not
//! ready in time.

use std::fmt;
use std::time::Duration;

use billing_models::{BillingUsageReport, ErrorBody};
use billing_transport::headers::retry_after;
use billing_transport::{AuthError, BoxError, BuildError, TransportError};
use bytes::Bytes;
use http::StatusCode;

/// Why a call failed.
///
/// `Display` is one line a person can act on; the server's message, Genesys error code and
/// correlation id are in it when the server sent them. No secret or token ever is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument cannot be sent as given; nothing was sent.
    #[error("invalid value for `{parameter}`: {reason} (nothing was sent)")]
    InvalidInput {
        /// The parameter (its Rust name, or the spec's wire name for path and query values).
        parameter: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The client could not be configured: a setting is missing or invalid.
    #[error("configuration: {setting}: {reason}")]
    Config {
        /// Which setting.
        setting: Setting,
        /// What is wrong.
        reason: String,
    },
    /// The request did not make it to the server and back: connect, timeout, body too large,
    /// token endpoint failure, refused insecure URL, I/O.
    #[error("{}", transport_line(.0))]
    Transport(#[source] TransportError),
    /// The service answered with an error status (also a 429 whose `Retry-After` is beyond the
    /// cap, and a 401 that a fresh token did not cure).
    #[error("{0}")]
    Service(Box<ServiceError>),
    /// The service answered, but the body is not what the spec says.
    #[error("{0}")]
    Decode(Box<DecodeError>),
    /// A usage report was still `InProgress` when the waiter's deadline passed.
    #[error(
        "the billable usage report was still InProgress after {attempts} requests over {elapsed:?}; try again later or raise the deadline"
    )]
    NotReady {
        /// Requests made.
        attempts: u32,
        /// Time spent waiting.
        elapsed: Duration,
        /// The last (InProgress) answer.
        last: Box<BillingUsageReport>,
    },
    /// A listing's pages did not chain up: a `nextUri` that leaves the API host or the
    /// listing, a cursor or page that repeats. The items of the pages before it were delivered;
    /// nothing more was asked for.
    #[error("{operation}: paging stopped at page {page}: {reason}")]
    Paging {
        /// The operation id of the listing.
        operation: &'static str,
        /// The page (1 for the first one fetched) whose answer was at fault.
        page: usize,
        /// What was wrong.
        reason: String,
    },
    /// A document could not be downloaded; nothing was left at the target path.
    #[error("{0}")]
    Download(Box<crate::download::DownloadError>),
    /// A user-supplied tower layer or service failed with an error of its own.
    #[error("the HTTP service failed: {}", chain(.0.as_ref()))]
    Other(#[source] BoxError),
}

impl Error {
    /// The HTTP status the service answered with, for service and decode errors.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Service(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The server's `ErrorBody`, when it answered with one.
    pub fn error_body(&self) -> Option<&ErrorBody> {
        match self {
            Error::Service(e) => e.body.as_ref(),
            _ => None,
        }
    }

    /// The `ININ-Correlation-Id` of the failed response: quote it to Genesys support.
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.correlation_id.as_deref(),
            Error::Decode(e) => e.correlation_id.as_deref(),
            _ => None,
        }
    }

    /// How long the server asked to wait (`Retry-After`), for 429 and 503 answers.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Service(e) => e.retry_after,
            _ => None,
        }
    }

    /// Whether the server refused for rate limiting (429).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// Whether the credentials or the token were refused: the token endpoint answered 4xx
    /// (e.g. `invalid_client`), or the API answered 401. An unreachable or failing (5xx) token
    /// endpoint is not an auth error: it is a transport problem, not a wrong secret.
    pub fn is_auth(&self) -> bool {
        match self {
            Error::Transport(TransportError::Auth(AuthError::TokenEndpoint { status, .. })) => {
                status.is_client_error()
            }
            _ => self.status() == Some(StatusCode::UNAUTHORIZED),
        }
    }

    /// Turns whatever the service stack failed with into an `Error`.
    pub(crate) fn from_stack(operation: &'static str, error: BoxError) -> Error {
        let error = match error.downcast::<TransportError>() {
            Ok(transport) => *transport,
            Err(other) => return Error::Other(other),
        };
        match error {
            TransportError::RateLimited {
                retry_after,
                response,
                ..
            } => {
                let mut service = ServiceError::from_response(operation, *response);
                service.retry_after = Some(retry_after);
                Error::Service(Box::new(service))
            }
            TransportError::Auth(AuthError::Rejected { response, .. }) => {
                Error::Service(Box::new(ServiceError::from_response(operation, *response)))
            }
            other => Error::Transport(other),
        }
    }
}

/// A setting of [`ClientBuilder`](crate::ClientBuilder) (or the environment variable that
/// stands for it), as named by [`Error::Config`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The OAuth client id (`GENESYSCLOUD_OAUTHCLIENT_ID`).
    ClientId,
    /// The OAuth client secret (`GENESYSCLOUD_OAUTHCLIENT_SECRET`).
    ClientSecret,
    /// Credentials or a token source as a whole.
    Credentials,
    /// The region (`GENESYSCLOUD_REGION`).
    Region,
    /// The API base URL (`GENESYSCLOUD_API_URL`).
    ApiUrl,
    /// The login base URL (`GENESYSCLOUD_LOGIN_URL`).
    LoginUrl,
    /// TLS: a root certificate, the client identity, the TLS library.
    Tls,
    /// The user agent or a default header.
    Header,
}

impl Setting {
    /// The environment variable that stands for this setting, if there is one.
    pub fn env_var(self) -> Option<&'static str> {
        match self {
            Setting::ClientId => Some("GENESYSCLOUD_OAUTHCLIENT_ID"),
            Setting::ClientSecret => Some("GENESYSCLOUD_OAUTHCLIENT_SECRET"),
            Setting::Region => Some("GENESYSCLOUD_REGION"),
            Setting::ApiUrl => Some("GENESYSCLOUD_API_URL"),
            Setting::LoginUrl => Some("GENESYSCLOUD_LOGIN_URL"),
            Setting::Credentials | Setting::Tls | Setting::Header => None,
        }
    }

    /// The setting a transport build error is about.
    pub(crate) fn of(error: &BuildError) -> Setting {
        match error {
            BuildError::UnknownRegion(_) => Setting::Region,
            BuildError::InvalidHeader { .. } => Setting::Header,
            BuildError::Tls(_) => Setting::Tls,
            _ => Setting::ApiUrl,
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self, self.env_var()) {
            (_, Some(var)) => var,
            (Setting::Credentials, _) => "credentials",
            (Setting::Tls, _) => "TLS",
            _ => "headers",
        })
    }
}

fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

fn transport_line(error: &TransportError) -> String {
    let hint = match error {
        TransportError::Connect { .. } => "; check the region or base URL and the network",
        TransportError::Timeout { .. } => {
            "; the server is slow or unreachable, or the timeouts are too short"
        }
        TransportError::BodyTooLarge { .. } => "; raise the body cap if this answer is expected",
        TransportError::Auth(AuthError::TokenEndpoint { .. }) => {
            "; check the client id and secret, and that the OAuth client is of the client-credentials type"
        }
        TransportError::InsecureUrl { .. } => {
            "; use https, or a loopback address for local servers"
        }
        _ => "",
    };
    format!("{}{hint}", chain(error))
}

/// An error status from the service, with everything it said about it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServiceError {
    /// The operation id of the call.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// The parsed `ErrorBody`, when the body is one.
    pub body: Option<ErrorBody>,
    /// The raw body as received.
    pub raw_body: Bytes,
    /// The `ININ-Correlation-Id` response header.
    pub correlation_id: Option<String>,
    /// `Retry-After`, when the server sent it (seconds or an HTTP date).
    pub retry_after: Option<Duration>,
}

impl ServiceError {
    pub(crate) fn from_response(
        operation: &'static str,
        response: http::Response<Bytes>,
    ) -> ServiceError {
        let (parts, body) = response.into_parts();
        let correlation_id = correlation_id(&parts.headers);
        let retry_after = retry_after(&parts.headers);
        let parsed = serde_json::from_slice::<ErrorBody>(&body).ok();
        ServiceError {
            operation,
            status: parts.status,
            body: parsed,
            raw_body: body,
            correlation_id,
            retry_after,
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: HTTP {}", self.operation, self.status)?;
        match &self.body {
            Some(body) => {
                if let Some(message) = &body.message {
                    write!(f, ": {message}")?;
                }
                if let Some(code) = &body.code {
                    write!(f, " (code {code})")?;
                }
            }
            // A proxy's HTML page: one line, as the rest of the message.
            None if !self.raw_body.is_empty() => {
                let text = excerpt(&self.raw_body, 120);
                write!(
                    f,
                    ": {}",
                    text.split_whitespace().collect::<Vec<_>>().join(" ")
                )?
            }
            None => {}
        }
        if let Some(wait) = self.retry_after {
            write!(f, "; retry after {}s", wait.as_secs())?;
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " [correlation id {id}]")?;
        }
        Ok(())
    }
}

/// A response body that does not match the spec.
#[derive(Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation id of the call.
    pub operation: &'static str,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The JSON path of the value that failed, e.g. `usages[3].resources[0].date` (`.` for the
    /// document itself).
    pub path: String,
    /// The start of the body, for a person to look at.
    pub excerpt: String,
    /// The `ININ-Correlation-Id` response header.
    pub correlation_id: Option<String>,
    /// The parser's own error.
    pub source: serde_json::Error,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} answered HTTP {} with a body that could not be decoded at `{}`: {}; body starts {:?}",
            self.operation, self.status, self.path, self.source, self.excerpt
        )?;
        if let Some(id) = &self.correlation_id {
            write!(f, " [correlation id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The `ININ-Correlation-Id` header, owned.
pub(crate) fn correlation_id(headers: &http::HeaderMap) -> Option<String> {
    billing_transport::headers::correlation_id(headers).map(str::to_owned)
}

/// The first `max` characters of a body, lossily decoded.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max * 4)]);
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max || body.len() > max * 4 {
        out.push('…');
    }
    out
}
