//! The login host: `POST /oauth/token` (client credentials).

use base64::Engine as _;
use bytes::Bytes;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::json;

use crate::fault::Variation;
use crate::reply::Reply;
use crate::router::Incoming;
use crate::state::Shared;

/// The token endpoint's path on the login host.
pub(crate) const TOKEN_PATH: &str = "/oauth/token";

/// Answers the login routes; `None` for any other path.
pub(crate) fn route(
    shared: &Shared,
    request: &Incoming<'_>,
    variation: Variation,
    correlation_id: &str,
) -> Option<Reply> {
    match (request.path, request.method) {
        (TOKEN_PATH, &Method::POST) => {
            Some(token(shared, request.headers, request.body, variation))
        }
        (TOKEN_PATH, _) => Some(Reply::not_found(correlation_id)),
        _ => None,
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "error": error, "description": description, "error_description": description }),
    )
}

/// `401 invalid_client` with the challenge for HTTP Basic client authentication.
fn invalid_client(description: &str) -> Reply {
    oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", description).header(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"oauth\""),
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
        return invalid_client("client authentication is required (HTTP Basic)");
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
        return invalid_client(description);
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
