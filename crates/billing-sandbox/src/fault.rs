//! Fault injection: what the next requests should suffer instead of (or on top of) the normal
//! answer, set from Rust through [`Faults`] or over HTTP through `POST /__sandbox/faults`.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};

/// One kind of misbehaviour the sandbox can inject into a response.
///
/// Faults are armed with a [`FaultRule`] (how many requests, which paths) through
/// [`Faults::inject`] or [`Sandbox::inject`](crate::Sandbox::inject). Status faults answer
/// before authentication, as a gateway in front of the real service would; body faults act on
/// the answer the request would otherwise have had, whatever its status.
///
/// Over HTTP a fault is a JSON object with a snake-case `kind` (the variant name, e.g.
/// `"too_many_requests"`) plus the variant's fields in camel case; see
/// [`FaultRule::from_json`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `429 Too Many Requests` with an `ErrorBody`. With `retry_after_secs` the response has a
    /// `Retry-After` header and code `too.many.requests.retry.after`; without it there is no
    /// header and the code is `too.many.requests`.
    /// JSON: `{"kind":"too_many_requests","retryAfter":2}`.
    TooManyRequests {
        /// Value of the `Retry-After` header, in whole seconds.
        retry_after_secs: Option<u64>,
    },
    /// `500 Internal Server Error` with code `internal.server.error`.
    /// JSON: `{"kind":"internal_server_error"}`.
    InternalServerError,
    /// `502 Bad Gateway` with an HTML body (`text/html`), as a load balancer sends it.
    /// JSON: `{"kind":"bad_gateway"}`.
    BadGateway,
    /// `503 Service Unavailable` with code `service.unavailable`, optionally with `Retry-After`.
    /// JSON: `{"kind":"service_unavailable","retryAfter":1}`.
    ServiceUnavailable {
        /// Value of the `Retry-After` header, in whole seconds.
        retry_after_secs: Option<u64>,
    },
    /// `504 Gateway Timeout` with code `request.timeout`.
    /// JSON: `{"kind":"gateway_timeout"}`.
    GatewayTimeout,
    /// Waits this long, then answers normally.
    /// JSON: `{"kind":"delay","millis":1500}`.
    Delay(Duration),
    /// Closes the connection without sending a response (HTTP/2: resets the stream).
    /// JSON: `{"kind":"connection_reset"}`.
    ConnectionReset,
    /// Sends the normal status and headers with the full `Content-Length`, then only the first
    /// half of the body, then closes the connection.
    /// JSON: `{"kind":"truncated_body"}`.
    TruncatedBody,
    /// Sends the normal status, with a well-framed body that is not valid JSON (the first half
    /// of the normal body).
    /// JSON: `{"kind":"malformed_json"}`.
    MalformedJson,
    /// Answers with values outside the spec's enums: report `status` becomes
    /// [`UNKNOWN_REPORT_STATUS`](crate::UNKNOWN_REPORT_STATUS) (`"Archived"`, also while in
    /// progress), overview `subscriptionType` becomes
    /// [`UNKNOWN_SUBSCRIPTION_TYPE`](crate::UNKNOWN_SUBSCRIPTION_TYPE), contract `status`
    /// [`UNKNOWN_CONTRACT_STATUS`](crate::UNKNOWN_CONTRACT_STATUS) and invoice `paymentStatus`
    /// [`UNKNOWN_PAYMENT_STATUS`](crate::UNKNOWN_PAYMENT_STATUS). Other responses are
    /// unchanged. JSON: `{"kind":"unknown_enum_values"}`.
    UnknownEnumValues,
    /// Adds fields the spec does not know, at the top level of any JSON object body and inside
    /// nested objects of the two billing responses.
    /// JSON: `{"kind":"extra_fields"}`.
    ExtraFields,
    /// Pads the normal JSON object body with an unknown string field until it is at least
    /// `bytes` long (still valid JSON).
    /// JSON: `{"kind":"oversized_body","bytes":10485760}`.
    OversizedBody {
        /// Minimum size of the body in bytes.
        bytes: usize,
    },
    /// Revokes every issued token, then handles the request normally (so an API request gets
    /// `401 bad.credentials`).
    /// JSON: `{"kind":"revoke_tokens"}`.
    RevokeTokens,
}

impl Fault {
    /// The snake-case name used as `kind` in the control API.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::TooManyRequests { .. } => "too_many_requests",
            Fault::InternalServerError => "internal_server_error",
            Fault::BadGateway => "bad_gateway",
            Fault::ServiceUnavailable { .. } => "service_unavailable",
            Fault::GatewayTimeout => "gateway_timeout",
            Fault::Delay(_) => "delay",
            Fault::ConnectionReset => "connection_reset",
            Fault::TruncatedBody => "truncated_body",
            Fault::MalformedJson => "malformed_json",
            Fault::UnknownEnumValues => "unknown_enum_values",
            Fault::ExtraFields => "extra_fields",
            Fault::OversizedBody { .. } => "oversized_body",
            Fault::RevokeTokens => "revoke_tokens",
        }
    }
}

/// A fault armed for the next `times` requests whose path starts with `path_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    fault: Fault,
    times: u32,
    path_prefix: Option<String>,
}

impl FaultRule {
    /// The fault for the next single request, whatever its path.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            times: 1,
            path_prefix: None,
        }
    }

    /// Applies to the next `times` matching requests (default 1; 0 disarms the rule).
    #[must_use]
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Applies only to requests whose path starts with `prefix`, e.g. `/api/` to spare token
    /// requests or `/oauth/token` to hit only them. Other requests pass untouched and do not
    /// use up the rule.
    #[must_use]
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// The fault this rule injects.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }

    /// How many more requests this rule applies to.
    pub fn remaining(&self) -> u32 {
        self.times
    }

    /// The path prefix requests must have, if any.
    pub fn prefix(&self) -> Option<&str> {
        self.path_prefix.as_deref()
    }

    /// Parses the control API's JSON: `{"kind": ..., <fields of the kind>, "times": 3,
    /// "pathPrefix": "/api/"}`. `times` defaults to 1.
    ///
    /// # Errors
    /// A message saying what is wrong, for a 400 answer.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let obj = value.as_object().ok_or("a fault must be a JSON object")?;
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("missing string field `kind`")?;
        let opt_u64 = |name: &str| -> Result<Option<u64>, String> {
            match obj.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| format!("`{name}` must be a non-negative integer")),
            }
        };
        let req_u64 = |name: &str| -> Result<u64, String> {
            opt_u64(name)?.ok_or_else(|| format!("fault `{kind}` needs integer field `{name}`"))
        };
        let fault = match kind {
            "too_many_requests" => Fault::TooManyRequests {
                retry_after_secs: opt_u64("retryAfter")?,
            },
            "internal_server_error" => Fault::InternalServerError,
            "bad_gateway" => Fault::BadGateway,
            "service_unavailable" => Fault::ServiceUnavailable {
                retry_after_secs: opt_u64("retryAfter")?,
            },
            "gateway_timeout" => Fault::GatewayTimeout,
            "delay" => Fault::Delay(Duration::from_millis(req_u64("millis")?)),
            "connection_reset" => Fault::ConnectionReset,
            "truncated_body" => Fault::TruncatedBody,
            "malformed_json" => Fault::MalformedJson,
            "unknown_enum_values" => Fault::UnknownEnumValues,
            "extra_fields" => Fault::ExtraFields,
            "oversized_body" => Fault::OversizedBody {
                bytes: usize::try_from(req_u64("bytes")?).map_err(|_| "`bytes` is too large")?,
            },
            "revoke_tokens" => Fault::RevokeTokens,
            other => return Err(format!("unknown fault kind `{other}`")),
        };
        let times = match opt_u64("times")? {
            None => 1,
            Some(n) => u32::try_from(n).map_err(|_| "`times` is too large")?,
        };
        let path_prefix = match obj.get("pathPrefix") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err("`pathPrefix` must be a string".into()),
        };
        Ok(Self {
            fault,
            times,
            path_prefix,
        })
    }

    /// The control API's JSON for this rule (the inverse of [`FaultRule::from_json`]).
    pub fn to_json(&self) -> Value {
        let mut v = json!({ "kind": self.fault.kind(), "times": self.times });
        match &self.fault {
            Fault::TooManyRequests { retry_after_secs }
            | Fault::ServiceUnavailable { retry_after_secs } => {
                v["retryAfter"] = json!(retry_after_secs);
            }
            Fault::Delay(d) => v["millis"] = json!(d.as_millis() as u64),
            Fault::OversizedBody { bytes } => v["bytes"] = json!(bytes),
            _ => {}
        }
        if let Some(prefix) = &self.path_prefix {
            v["pathPrefix"] = json!(prefix);
        }
        v
    }
}

impl From<Fault> for FaultRule {
    fn from(fault: Fault) -> Self {
        FaultRule::new(fault)
    }
}

/// A handle on the armed faults of a running sandbox; cheap to clone and usable from any
/// thread. Rules apply in the order they were injected: a request takes the first rule whose
/// prefix matches its path.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<FaultRule>>>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, Vec<FaultRule>> {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Arms a fault: a [`Fault`] alone applies to the next request; a [`FaultRule`] says how
    /// many requests and which paths.
    pub fn inject(&self, rule: impl Into<FaultRule>) {
        let rule = rule.into();
        if rule.times > 0 {
            self.lock().push(rule);
        }
    }

    /// The rules still armed, with their remaining counts.
    pub fn pending(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    /// Disarms every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Takes one use of the first rule matching `path`.
    pub(crate) fn take(&self, path: &str) -> Option<Fault> {
        let mut rules = self.lock();
        let at = rules
            .iter()
            .position(|r| r.path_prefix.as_deref().is_none_or(|p| path.starts_with(p)))?;
        let fault = rules[at].fault.clone();
        rules[at].times -= 1;
        if rules[at].times == 0 {
            rules.remove(at);
        }
        Some(fault)
    }
}

/// What a response may change on purpose: the body faults that alter the data itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Variation {
    pub(crate) unknown_enums: bool,
    pub(crate) extra_fields: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let rules = [
            FaultRule::new(Fault::TooManyRequests {
                retry_after_secs: Some(3),
            })
            .times(2),
            FaultRule::new(Fault::TooManyRequests {
                retry_after_secs: None,
            }),
            FaultRule::new(Fault::Delay(Duration::from_millis(250))).path_prefix("/api/"),
            FaultRule::new(Fault::OversizedBody { bytes: 1 << 20 }),
            FaultRule::new(Fault::RevokeTokens).path_prefix("/oauth/token"),
        ];
        for rule in rules {
            assert_eq!(FaultRule::from_json(&rule.to_json()).unwrap(), rule);
        }
        assert!(FaultRule::from_json(&json!({"kind": "nope"})).is_err());
        assert!(FaultRule::from_json(&json!({"kind": "delay"})).is_err());
    }

    #[test]
    fn take_respects_prefix_and_count() {
        let faults = Faults::default();
        faults.inject(
            FaultRule::new(Fault::BadGateway)
                .times(2)
                .path_prefix("/api/"),
        );
        faults.inject(Fault::GatewayTimeout);
        assert_eq!(faults.take("/oauth/token"), Some(Fault::GatewayTimeout));
        assert_eq!(faults.take("/oauth/token"), None);
        assert_eq!(faults.take("/api/v2/x"), Some(Fault::BadGateway));
        assert_eq!(faults.take("/api/v2/x"), Some(Fault::BadGateway));
        assert_eq!(faults.take("/api/v2/x"), None);
    }
}
