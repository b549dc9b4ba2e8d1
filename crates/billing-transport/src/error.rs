//! The one error type of the transport, and the errors of building it.
//!
//! Every variant says *where* a call failed (connect, timeout, body, auth, rate limit, …) so that
//! callers can react without string matching. No message ever contains a client secret, an access
//! token or an `Authorization` header: they are simply never formatted.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;

/// A boxed error, the usual currency for underlying causes.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Which of the three timeouts elapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Establishing the TCP connection (in the connector) took too long.
    Connect,
    /// One attempt (token, request and response body) took too long; may be retried.
    Attempt,
    /// The whole operation, every retry and wait included, took too long.
    Operation,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Attempt => "attempt",
            TimeoutKind::Operation => "operation",
        })
    }
}

/// Why a request could not be carried to the server and back.
///
/// Non-2xx responses are *not* errors at this level: they come back as `Ok(response)` for the API
/// layer to read the `ErrorBody`, except the cases below that the transport itself decides on
/// ([`TransportError::RateLimited`] and [`AuthError::Rejected`]), which still carry the response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The connection (TCP, proxy tunnel or TLS handshake) could not be established.
    #[error("could not connect to {host}")]
    Connect {
        /// Host (and port, if any) that was being connected to.
        host: String,
        /// The underlying cause.
        #[source]
        source: BoxError,
    },
    /// The TLS handshake failed: the server's certificate is not trusted or not for this host,
    /// the server wanted a client certificate, or there is no common protocol version. Not
    /// retried: another attempt would meet the same certificate. (Under TLS 1.3 a server checks
    /// a client certificate after the client's side of the handshake is done, so a missing one
    /// shows as the server closing the connection: an [`Io`](TransportError::Io) error.)
    #[error(
        "TLS with {host} failed (an untrusted certificate, a missing client certificate, or no common TLS version)"
    )]
    Tls {
        /// Host (and port, if any) of the TLS server.
        host: String,
        /// The TLS library's own error.
        #[source]
        source: BoxError,
    },
    /// A timeout elapsed.
    #[error("{kind} timeout elapsed after {after:?}")]
    Timeout {
        /// Which timeout.
        kind: TimeoutKind,
        /// The configured duration.
        after: Duration,
    },
    /// The response body was larger than the configured cap; it was not read whole.
    #[error("response body is larger than the cap of {limit} bytes")]
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// Getting or using an access token failed.
    #[error("authentication failed: {0}")]
    Auth(#[source] AuthError),
    /// The server answered 429 with a `Retry-After` longer than the configured cap, so the
    /// transport did not wait. The 429 response is kept for its `ErrorBody` and correlation id.
    #[error("rate limited: the server asked to wait {retry_after:?}, more than the {cap:?} cap")]
    RateLimited {
        /// The wait the server asked for.
        retry_after: Duration,
        /// The longest wait the transport was configured to accept.
        cap: Duration,
        /// The 429 response (status, headers, body).
        response: Box<http::Response<Bytes>>,
    },
    /// A request carrying credentials was about to go over plain HTTP to a host that is not a
    /// loopback address; it was refused before anything was sent.
    #[error("refused to send credentials over plain HTTP to non-loopback host {host}")]
    InsecureUrl {
        /// The host that was refused.
        host: String,
    },
    /// The request could not be sent as built (e.g. a relative URI with no base URL).
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },
    /// Any other I/O or protocol failure while sending the request or reading the response.
    #[error("I/O error while talking to the server")]
    Io {
        /// The underlying cause.
        #[source]
        source: BoxError,
    },
}

impl TransportError {
    /// The HTTP response kept by this error, if any (rate limited, or 401 after a refresh).
    pub fn response(&self) -> Option<&http::Response<Bytes>> {
        match self {
            TransportError::RateLimited { response, .. } => Some(response),
            TransportError::Auth(AuthError::Rejected { response, .. }) => Some(response),
            _ => None,
        }
    }

    /// Whether this is a timeout of the given kind.
    pub fn is_timeout(&self, kind: TimeoutKind) -> bool {
        matches!(self, TransportError::Timeout { kind: k, .. } if *k == kind)
    }

    pub(crate) fn io(source: impl Into<BoxError>) -> Self {
        TransportError::Io {
            source: source.into(),
        }
    }
}

/// Why an access token could not be obtained or was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint answered with an error (OAuth error JSON where it sent one).
    #[error("token endpoint answered {status}{}", oauth_suffix(.error, .error_description))]
    TokenEndpoint {
        /// HTTP status of the token endpoint's answer.
        status: StatusCode,
        /// OAuth `error` code, e.g. `invalid_client`.
        error: Option<String>,
        /// OAuth `error_description` (or Genesys' `description`).
        error_description: Option<String>,
        /// The wait the endpoint asked for (`Retry-After` on a 429 or 5xx). The retry layer
        /// takes it outside the attempt timeout, and the token source asks no sooner.
        retry_after: Option<std::time::Duration>,
    },
    /// The token endpoint answered 2xx but the reply was not a usable token reply.
    #[error("token endpoint answered {status} with an unusable token reply: {reason}")]
    InvalidTokenReply {
        /// HTTP status of the token endpoint's answer.
        status: StatusCode,
        /// What was wrong (never the body itself, which could hold a token).
        reason: String,
    },
    /// The token endpoint could not be reached (connect failure, timeout, …).
    #[error("could not reach the token endpoint: {0}")]
    TokenRequest(#[source] Box<TransportError>),
    /// The API answered 401 Unauthorized: again after one token refresh (`refreshed == true`),
    /// or for a token source that cannot refresh. Not retried further, to avoid a loop.
    #[error("the API answered 401 Unauthorized{}", if *.refreshed { " again after a token refresh" } else { " and the token cannot be refreshed" })]
    Rejected {
        /// Whether a fresh token was fetched and also rejected.
        refreshed: bool,
        /// The final 401 response (status, headers, body).
        response: Box<http::Response<Bytes>>,
    },
    /// A user-supplied token source failed.
    #[error("the token source failed")]
    Other(#[source] BoxError),
}

fn oauth_suffix(error: &Option<String>, description: &Option<String>) -> String {
    match (error, description) {
        (Some(e), Some(d)) => format!(": {e} ({d})"),
        (Some(e), None) => format!(": {e}"),
        (None, Some(d)) => format!(": ({d})"),
        (None, None) => String::new(),
    }
}

/// Why a transport (or one of its parts) could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A base URL is not an absolute `http`/`https` URL.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Credentials were configured for a plain-HTTP URL whose host is not a loopback address.
    #[error("refusing to use credentials over plain HTTP with non-loopback host {host}")]
    InsecureUrl {
        /// The offending host.
        host: String,
    },
    /// A region name could not be parsed.
    #[error(transparent)]
    UnknownRegion(#[from] crate::region::UnknownRegionError),
    /// A configured header value is not a valid HTTP header value.
    #[error("invalid value for header {name}")]
    InvalidHeader {
        /// The header name.
        name: &'static str,
    },
    /// The TLS backend could not be initialised.
    #[error("could not initialise TLS")]
    Tls(#[source] BoxError),
}
