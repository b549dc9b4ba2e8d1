//! The control endpoints under `/__sandbox/`, for driving a sandbox that runs as a separate
//! process (the binary). They are never recorded, rate limited or faulted.

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::fault::FaultRule;
use crate::reply::Reply;
use crate::state::{RecordedRequest, Shared};

fn control_error(status: StatusCode, message: impl Into<String>) -> Reply {
    Reply::json(status, &json!({ "error": message.into() }))
}

fn faults_json(shared: &Shared) -> Value {
    json!({ "faults": shared.faults.pending().iter().map(FaultRule::to_json).collect::<Vec<_>>() })
}

fn request_json(request: &RecordedRequest) -> Value {
    let mut headers = Map::new();
    for name in request.headers.keys() {
        let values: Vec<Value> = request
            .headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        headers.insert(name.as_str().to_owned(), Value::Array(values));
    }
    json!({
        "method": request.method.as_str(),
        "pathAndQuery": request.path_and_query,
        "version": format!("{:?}", request.version),
        "headers": headers,
        "body": String::from_utf8_lossy(&request.body),
        "correlationId": request.correlation_id,
    })
}

pub(crate) fn handle(shared: &Shared, method: &Method, path: &str, body: &Bytes) -> Reply {
    let config = &shared.config;
    match (method.as_str(), path.trim_end_matches('/')) {
        ("GET", "/__sandbox") => {
            let (requests, per) = config.limit_numbers();
            Reply::json(
                StatusCode::OK,
                &json!({
                    "clientId": config.client_id,
                    "clientSecret": config.client_secret,
                    "pkceClientId": config.pkce_client_id,
                    "denyConsent": config.deny_consent,
                    "tokenExpiresIn": config.token_expires_in.as_secs(),
                    "inProgressPolls": config.in_progress_polls,
                    "rateLimit": config.rate_limit.map(|_| json!({
                        "requests": requests,
                        "perMillis": per.as_millis() as u64,
                    })),
                    "reportUsages": config.report_shape.usages,
                    "reportResourcesPerUsage": config.report_shape.resources_per_usage,
                    "trustorOrgIds": config.org_ids,
                    "disabledTrustorOrgIds": config.disabled_orgs.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
                    "documentBaseUrl": config.document_base_url,
                    "invoiceLinesPerInvoice": config.invoice_lines,
                    "tokenRequests": shared.token_requests(),
                    "tokensIssued": shared.tokens_issued(),
                }),
            )
        }
        ("GET", "/__sandbox/faults") => Reply::json(StatusCode::OK, &faults_json(shared)),
        ("POST", "/__sandbox/faults") => {
            let value: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => {
                    return control_error(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}"));
                }
            };
            let items = match value {
                Value::Array(items) => items,
                single => vec![single],
            };
            let mut rules = Vec::with_capacity(items.len());
            for item in &items {
                match FaultRule::from_json(item) {
                    Ok(rule) => rules.push(rule),
                    Err(e) => return control_error(StatusCode::BAD_REQUEST, e),
                }
            }
            for rule in rules {
                shared.faults.inject(rule);
            }
            Reply::json(StatusCode::OK, &faults_json(shared))
        }
        ("DELETE", "/__sandbox/faults") => {
            shared.faults.clear();
            Reply::json(StatusCode::OK, &faults_json(shared))
        }
        ("GET", "/__sandbox/requests") => {
            let requests: Vec<Value> = shared.requests().iter().map(request_json).collect();
            Reply::json(StatusCode::OK, &json!({ "requests": requests }))
        }
        ("DELETE", "/__sandbox/requests") => {
            shared.clear_requests();
            Reply::json(StatusCode::OK, &json!({ "requests": [] }))
        }
        ("POST", "/__sandbox/reset") => {
            shared.reset();
            Reply::json(StatusCode::OK, &json!({ "reset": true }))
        }
        ("POST", "/__sandbox/revoke-tokens") => {
            shared.revoke_all_tokens();
            Reply::json(StatusCode::OK, &json!({ "revoked": true }))
        }
        ("POST", "/__sandbox/tokens") => {
            let token = shared.issue_token();
            Reply::json(
                StatusCode::OK,
                &json!({
                    "access_token": token,
                    "token_type": "bearer",
                    "expires_in": config.token_expires_in.as_secs(),
                }),
            )
        }
        _ => control_error(
            StatusCode::NOT_FOUND,
            format!("no control endpoint {method} {path}"),
        ),
    }
}
