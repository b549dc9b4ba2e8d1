//! Shared helpers for the sandbox's HTTP tests: a plain hyper client, token fetching and a
//! checker of bodies against the pinned Swagger document.

#![allow(dead_code)]

pub mod listings;

use std::path::PathBuf;

use billing_sandbox::Sandbox;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response, fully read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("missing header {name} in {:?}", self.headers))
            .to_str()
            .unwrap()
    }

    /// Asserts the headers every sandbox response carries and returns the correlation id.
    pub fn assert_platform_headers(&self) -> String {
        let id = self.header("inin-correlation-id").to_owned();
        assert_uuid(&id);
        for name in [
            "inin-ratelimit-count",
            "inin-ratelimit-allowed",
            "inin-ratelimit-reset",
        ] {
            self.header(name)
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{name} is not a number"));
        }
        id
    }

    /// Asserts a full ErrorBody with this status and code whose message follows the spec's
    /// template for `path` (`%s` matches anything), and that `contextId` is the correlation id.
    pub fn assert_error(&self, spec: &Spec, path: &str, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(self.header("content-type").starts_with("application/json"));
        let correlation_id = self.assert_platform_headers();
        let body = self.json();
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], status, "{body}");
        assert_eq!(body["contextId"], correlation_id.as_str());
        assert!(body["messageParams"].is_object(), "{body}");
        assert_eq!(body["details"], Value::Array(vec![]));
        assert_eq!(body["errors"], Value::Array(vec![]));
        let template = spec
            .error_template(path, status, code)
            .unwrap_or_else(|| panic!("{code} is not an x-inin-error-code of {status} on {path}"));
        let message = body["message"].as_str().expect("message is a string");
        assert!(
            matches_template(message, &template),
            "{message:?} does not follow {template:?}"
        );
        spec.assert_valid("ErrorBody", &body);
        body
    }
}

pub fn assert_uuid(id: &str) {
    let groups: Vec<&str> = id.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "not UUID-shaped: {id}"
    );
    assert!(
        id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
        "not UUID-shaped: {id}"
    );
}

/// `%s` in the template matches any text.
pub fn matches_template(message: &str, template: &str) -> bool {
    let parts: Vec<&str> = template.split("%s").collect();
    let mut rest = message;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    rest.is_empty()
}

/// A plain HTTP/1 client without a pool, so one test's broken connection cannot leak into the
/// next request.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for Http {
    fn default() -> Self {
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build_http();
        Self { client }
    }
}

impl Http {
    pub async fn try_send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Reply, BoxError> {
        let mut request = Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::from(body.to_owned())))?;
        let response = self.client.request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        self.try_send(method, url, headers, body)
            .await
            .expect("request failed")
    }

    pub async fn get(&self, url: &str, token: &str) -> Reply {
        let auth = format!("Bearer {token}");
        self.send(
            Method::GET,
            url,
            &[("authorization", &auth), ("accept", "application/json")],
            "",
        )
        .await
    }

    pub async fn token_reply(
        &self,
        sandbox: &Sandbox,
        id: &str,
        secret: &str,
        body: &str,
    ) -> Reply {
        use base64::Engine as _;
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        );
        self.send(
            Method::POST,
            &sandbox.url("/oauth/token"),
            &[
                ("authorization", &basic),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body,
        )
        .await
    }

    /// A token through the real OAuth exchange.
    pub async fn token(&self, sandbox: &Sandbox) -> String {
        let reply = self
            .token_reply(
                sandbox,
                sandbox.client_id(),
                sandbox.client_secret(),
                "grant_type=client_credentials",
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.json()["access_token"].as_str().unwrap().to_owned()
    }
}

pub const REPORT_PATH: &str = "/api/v2/billing/reports/billableusage";
pub const OVERVIEW_PATH: &str = "/api/v2/billing/trusteebillingoverview/{trustorOrgId}";

pub fn report_url(sandbox: &Sandbox, start: &str, end: &str) -> String {
    sandbox.url(&format!("{REPORT_PATH}?startDate={start}&endDate={end}"))
}

pub fn overview_url(sandbox: &Sandbox, org: &str, index: Option<&str>) -> String {
    let base = format!("/api/v2/billing/trusteebillingoverview/{org}");
    match index {
        Some(i) => sandbox.url(&format!("{base}?billingPeriodIndex={i}")),
        None => sandbox.url(&base),
    }
}

/// The pinned Swagger document.
pub struct Spec(Value);

/// What a body does not satisfy.
#[derive(Debug, Default)]
pub struct Findings {
    /// Missing required properties, wrong types, values outside enums, badly written dates.
    pub errors: Vec<String>,
    /// Properties the definition does not declare.
    pub unknown: Vec<String>,
}

impl Spec {
    pub fn load() -> Self {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../xtask/spec/billing.swagger.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self(serde_json::from_str(&text).unwrap())
    }

    pub fn error_template(&self, path: &str, status: u16, code: &str) -> Option<String> {
        let codes =
            &self.0["paths"][path]["get"]["responses"][status.to_string()]["x-inin-error-codes"];
        codes[code].as_str().map(str::to_owned)
    }

    pub fn definition(&self, name: &str) -> &Value {
        &self.0["definitions"][name]
    }

    /// Checks `value` against a definition, recursively.
    pub fn check(&self, definition: &str, value: &Value) -> Findings {
        let mut findings = Findings::default();
        self.check_schema(
            &serde_json::json!({ "$ref": format!("#/definitions/{definition}") }),
            value,
            definition,
            &mut findings,
        );
        findings
    }

    /// Panics unless `value` satisfies the definition and has no undeclared properties.
    pub fn assert_valid(&self, definition: &str, value: &Value) {
        let findings = self.check(definition, value);
        assert!(
            findings.errors.is_empty() && findings.unknown.is_empty(),
            "{definition} does not match the spec: {findings:?}"
        );
    }

    fn check_schema(&self, schema: &Value, value: &Value, at: &str, out: &mut Findings) {
        if let Some(reference) = schema["$ref"].as_str() {
            let name = reference.trim_start_matches("#/definitions/");
            return self.check_schema(self.definition(name), value, at, out);
        }
        match schema["type"].as_str() {
            Some("object") | None => {
                let Some(obj) = value.as_object() else {
                    out.errors
                        .push(format!("{at}: expected an object, got {value}"));
                    return;
                };
                if let Some(required) = schema["required"].as_array() {
                    for name in required.iter().filter_map(Value::as_str) {
                        if !obj.contains_key(name) {
                            out.errors.push(format!("{at}: missing required `{name}`"));
                        }
                    }
                }
                let properties = schema["properties"].as_object();
                for (name, item) in obj {
                    let child = format!("{at}.{name}");
                    match properties.and_then(|p| p.get(name)) {
                        Some(property) => self.check_schema(property, item, &child, out),
                        None => match schema.get("additionalProperties") {
                            Some(additional) => self.check_schema(additional, item, &child, out),
                            None => out.unknown.push(child),
                        },
                    }
                }
            }
            Some("array") => {
                let Some(items) = value.as_array() else {
                    out.errors.push(format!("{at}: expected an array"));
                    return;
                };
                for (i, item) in items.iter().enumerate() {
                    self.check_schema(&schema["items"], item, &format!("{at}[{i}]"), out);
                }
            }
            Some("string") => {
                let Some(s) = value.as_str() else {
                    out.errors
                        .push(format!("{at}: expected a string, got {value}"));
                    return;
                };
                if let Some(allowed) = schema["enum"].as_array() {
                    if !allowed.iter().any(|a| a == s) {
                        out.errors.push(format!("{at}: {s:?} is not in the enum"));
                    }
                }
                if schema["format"] == "date-time" && !is_millis_date(s) {
                    out.errors
                        .push(format!("{at}: {s:?} is not yyyy-MM-ddTHH:mm:ss.SSSZ"));
                }
            }
            Some("integer") => {
                if !value.is_i64() && !value.is_u64() {
                    out.errors
                        .push(format!("{at}: expected an integer, got {value}"));
                }
            }
            Some("boolean") => {
                if !value.is_boolean() {
                    out.errors
                        .push(format!("{at}: expected a boolean, got {value}"));
                }
            }
            Some(other) => out
                .errors
                .push(format!("{at}: unhandled schema type {other}")),
        }
    }
}

/// `yyyy-MM-ddTHH:mm:ss.SSSZ` exactly.
pub fn is_millis_date(s: &str) -> bool {
    let pattern = b"dddd-dd-ddTdd:dd:dd.dddZ";
    s.len() == pattern.len()
        && s.bytes().zip(pattern.iter()).all(|(c, p)| {
            if *p == b'd' {
                c.is_ascii_digit()
            } else {
                c == *p
            }
        })
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}
