//! The response headers the platform uses to talk to clients, read in one place.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The response header Genesys Cloud identifies a request with (`ININ-Correlation-Id`); quote
/// it to Genesys support.
pub const CORRELATION_ID_HEADER: &str = "inin-correlation-id";

/// `genesys-billing-rust/<crate version>`, the default `User-Agent`.
pub const fn default_user_agent() -> &'static str {
    concat!("genesys-billing-rust/", env!("CARGO_PKG_VERSION"))
}

/// The correlation id of a response, when it carries a readable one.
pub fn correlation_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(CORRELATION_ID_HEADER)?.to_str().ok()
}

/// The wait a `Retry-After` header asks for: integer seconds or an HTTP-date (a date in the past
/// means no wait). `None` when absent or unreadable.
///
/// ```
/// use std::time::Duration;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("retry-after", "12".parse().unwrap());
/// assert_eq!(billing_transport::headers::retry_after(&headers), Some(Duration::from_secs(12)));
/// ```
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}
