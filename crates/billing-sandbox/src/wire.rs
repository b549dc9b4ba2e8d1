//! Wire-level helpers shared by every endpoint: ids, the date format, ErrorBody JSON and the
//! codes and messages of the spec's `x-inin-error-codes`.
//!
//! Everything here is written from the wire names of the pinned spec (`xtask/spec/`) and
//! `docs/platform.md`, never from `billing-models`, so that a mistake in the models cannot hide
//! behind the same mistake in the server.

use http::StatusCode;
use serde_json::{Map, Value, json};

/// One error code with its message template, exactly as in the spec's `x-inin-error-codes`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorCode {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) template: &'static str,
}

macro_rules! error_codes {
    ($($name:ident = ($status:ident, $code:literal, $template:literal);)*) => {
        $(pub(crate) const $name: ErrorCode = ErrorCode {
            status: StatusCode::$status,
            code: $code,
            template: $template,
        };)*
    };
}

error_codes! {
    INVALID_DATE = (BAD_REQUEST, "invalid.date",
        "Dates must be specified as ISO-8601 strings. For example: yyyy-MM-ddTHH:mm:ss.SSSZ");
    CONSTRAINT_VALIDATION = (BAD_REQUEST, "constraint.validation", "%s");
    INVALID_QUERY_PARAM_VALUE = (BAD_REQUEST, "invalid.query.param.value",
        "Value [%s] is not valid for parameter [%s]. Allowable values are: %s");
    AUTHENTICATION_REQUIRED = (UNAUTHORIZED, "authentication.required",
        "No authentication bearer token specified in authorization header.");
    BAD_CREDENTIALS = (UNAUTHORIZED, "bad.credentials", "Invalid login credentials.");
    NOT_FOUND = (NOT_FOUND, "not.found", "The requested resource was not found.");
    REQUEST_ENTITY_TOO_LARGE = (PAYLOAD_TOO_LARGE, "request.entity.too.large",
        "The request is over the size limit. Maximum bytes: %s");
    TOO_MANY_REQUESTS_RETRY_AFTER = (TOO_MANY_REQUESTS, "too.many.requests.retry.after",
        "Rate limit exceeded the maximum. Retry the request in [%s] seconds");
    TOO_MANY_REQUESTS = (TOO_MANY_REQUESTS, "too.many.requests",
        "Rate limit exceeded the maximum [%s] requests within [%s] seconds");
    INTERNAL_SERVER_ERROR = (INTERNAL_SERVER_ERROR, "internal.server.error",
        "The server encountered an unexpected condition which prevented it from fulfilling the request.");
    SERVICE_UNAVAILABLE = (SERVICE_UNAVAILABLE, "service.unavailable",
        "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).");
    REQUEST_TIMEOUT = (GATEWAY_TIMEOUT, "request.timeout", "The request timed out.");
}

/// The `Limit` object of a 429 ErrorBody: which limit was hit and its value.
#[derive(Debug, Clone)]
pub(crate) struct LimitInfo {
    pub(crate) key: &'static str,
    pub(crate) namespace: &'static str,
    pub(crate) value: i64,
}

/// An API error about to be written as a full `ErrorBody`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) code: ErrorCode,
    /// Values for the `%s` placeholders of the template, in order, with the names used as
    /// `messageParams` keys.
    pub(crate) params: Vec<(&'static str, String)>,
    pub(crate) limit: Option<LimitInfo>,
    /// `Retry-After` header value in whole seconds.
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(code: ErrorCode) -> Self {
        Self {
            code,
            params: Vec::new(),
            limit: None,
            retry_after: None,
        }
    }

    pub(crate) fn param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params.push((name, value.into()));
        self
    }

    pub(crate) fn limit(mut self, limit: LimitInfo) -> Self {
        self.limit = Some(limit);
        self
    }

    pub(crate) fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The template with each `%s` replaced by the next parameter value.
    pub(crate) fn message(&self) -> String {
        fill_template(
            self.code.template,
            self.params.iter().map(|(_, v)| v.as_str()),
        )
    }

    /// The template with each `%s` replaced by `{name}` of the next parameter.
    fn message_with_params(&self) -> String {
        let names: Vec<String> = self
            .params
            .iter()
            .map(|(n, _)| format!("{{{n}}}"))
            .collect();
        fill_template(self.code.template, names.iter().map(String::as_str))
    }

    /// The full ErrorBody JSON.
    pub(crate) fn body(&self, context_id: &str) -> Value {
        let params: Map<String, Value> = self
            .params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
            .collect();
        let mut body = json!({
            "message": self.message(),
            "code": self.code.code,
            "status": self.code.status.as_u16(),
            "messageParams": params,
            "contextId": context_id,
            "details": [],
            "errors": [],
        });
        if !self.params.is_empty() {
            body["messageWithParams"] = Value::String(self.message_with_params());
        }
        if let Some(limit) = &self.limit {
            body["limit"] = json!({
                "key": limit.key,
                "namespace": limit.namespace,
                "value": limit.value,
            });
        }
        body
    }
}

fn fill_template<'a>(template: &str, mut values: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(at) = rest.find("%s") {
        out.push_str(&rest[..at]);
        out.push_str(values.next().unwrap_or(""));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// The first value of a query parameter, decoded.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// SplitMix64: a tiny, stable mixing function, so the generated data never changes with the
/// version of a random-number crate.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic generator for the sandbox's data.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(splitmix64(seed))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.0)
    }

    /// A value in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A value in `0.0..1.0`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A UUID-shaped (version 4 layout) id derived deterministically from two numbers.
pub(crate) fn uuid_from(a: u64, b: u64) -> String {
    let hi = splitmix64(a);
    let lo = splitmix64(b ^ hi.rotate_left(17));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xfff,
        0x8000 | ((lo >> 48) & 0x3fff),
        lo & 0xffff_ffff_ffff
    )
}

/// A fresh random string of URL-safe characters (tokens, authorization codes).
pub(crate) fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::iter::repeat_with(|| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .take(len)
        .collect()
}

/// A fresh random UUID-shaped id (correlation ids).
pub(crate) fn random_uuid() -> String {
    uuid_from(fastrand::u64(..), fastrand::u64(..))
}

/// Appends a Unix time in milliseconds as `yyyy-MM-ddTHH:mm:ss.SSSZ` (UTC).
pub(crate) fn push_millis(out: &mut String, millis: i64) {
    let at = chrono::DateTime::from_timestamp_millis(millis).unwrap_or_default();
    out.push_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
}

/// A Unix time in milliseconds as `yyyy-MM-ddTHH:mm:ss.SSSZ` (UTC).
pub(crate) fn format_millis(millis: i64) -> String {
    let mut out = String::with_capacity(24);
    push_millis(&mut out, millis);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_with_milliseconds() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_millis(1_709_164_800_123), "2024-02-29T00:00:00.123Z");
        assert_eq!(format_millis(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn uuid_shape() {
        let id = uuid_from(1, 2);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_eq!(uuid_from(1, 2), id);
        assert_ne!(uuid_from(1, 3), id);
    }

    #[test]
    fn templates_fill() {
        let e = ApiError::new(TOO_MANY_REQUESTS)
            .param("limit", "300")
            .param("seconds", "60");
        assert_eq!(
            e.message(),
            "Rate limit exceeded the maximum [300] requests within [60] seconds"
        );
        let body = e.body("ctx");
        assert_eq!(
            body["messageWithParams"],
            "Rate limit exceeded the maximum [{limit}] requests within [{seconds}] seconds"
        );
        assert_eq!(body["messageParams"]["limit"], "300");
    }
}
