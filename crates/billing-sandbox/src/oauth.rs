//! The login host: `GET /oauth/authorize` and `POST /oauth/token` with the client-credentials
//! grant and the authorization-code grant with PKCE (S256).

use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::header::{AUTHORIZATION, LOCATION, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::fault::Variation;
use crate::reply::Reply;
use crate::router::Incoming;
use crate::state::Shared;
use crate::wire::random_token;

/// The token endpoint's path on the login host.
pub(crate) const TOKEN_PATH: &str = "/oauth/token";
/// The authorization endpoint's path on the login host.
pub(crate) const AUTHORIZE_PATH: &str = "/oauth/authorize";

/// How long an authorization code can be exchanged (the platform's codes are short-lived).
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// What an issued authorization code was bound to.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    client_id: String,
    redirect_uri: String,
    /// base64url(SHA-256(verifier)) without padding, as the client sent it.
    challenge: String,
    expires: Instant,
}

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
        (AUTHORIZE_PATH, &Method::GET) => Some(authorize(shared, request.query)),
        (TOKEN_PATH | AUTHORIZE_PATH, _) => Some(Reply::not_found(correlation_id)),
        _ => None,
    }
}

/// A decoded `application/x-www-form-urlencoded` body or query string; the first value wins.
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(bytes: &[u8]) -> Self {
        Self(form_urlencoded::parse(bytes).into_owned().collect())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
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

/// `400 invalid_grant`: the code, verifier, redirect URI or client id does not check out.
fn invalid_grant(description: &str) -> Reply {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// Whether `uri` is an `http://` URI on a loopback host, the only redirect URIs the sandbox
/// registers (a desktop tool's listener).
fn is_loopback_redirect(uri: &str) -> bool {
    let Ok(uri) = uri.parse::<http::Uri>() else {
        return false;
    };
    uri.scheme_str() == Some("http")
        && matches!(uri.host(), Some("127.0.0.1" | "localhost" | "[::1]"))
}

/// `redirect_uri` with `params` appended to its query.
fn redirect(redirect_uri: &str, params: &[(&str, &str)]) -> Reply {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{separator}{}", query.finish());
    let mut reply = Reply::with_type(StatusCode::FOUND, "text/plain", Bytes::new());
    if let Ok(value) = HeaderValue::from_str(&location) {
        reply = reply.header(LOCATION, value);
    }
    reply
}

/// `GET /oauth/authorize`: approves at once (or denies, when configured) and redirects back.
///
/// A bad `client_id` or `redirect_uri` is answered here, never redirected, so that a forged
/// request cannot bounce a code or an error to an address the client did not register.
fn authorize(shared: &Shared, query: Option<&str>) -> Reply {
    let form = Form::parse(query.unwrap_or_default().as_bytes());
    let config = &shared.config;
    if form.get("client_id") != Some(config.pkce_client_id.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "unknown client_id for the authorization code grant",
        );
    }
    let Some(redirect_uri) = form.get("redirect_uri").filter(|u| is_loopback_redirect(u)) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri must be an http:// loopback URI registered for the client",
        );
    };
    let state = form.get("state");
    let fail = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        params.extend(state.map(|s| ("state", s)));
        redirect(redirect_uri, &params)
    };
    if form.get("response_type") != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    let challenge = form.get("code_challenge").unwrap_or_default();
    if form.get("code_challenge_method") != Some("S256") || !is_s256_challenge(challenge) {
        return fail(
            "invalid_request",
            "a code_challenge with code_challenge_method=S256 is required",
        );
    }
    if config.deny_consent {
        return fail(
            "access_denied",
            "The user denied access to the application.",
        );
    }
    let code = random_token(43);
    shared.store_code(
        code.clone(),
        AuthCode {
            client_id: config.pkce_client_id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            challenge: challenge.to_owned(),
            expires: Instant::now() + CODE_LIFETIME,
        },
    );
    let mut params = vec![("code", code.as_str())];
    params.extend(state.map(|s| ("state", s)));
    redirect(redirect_uri, &params)
}

/// A SHA-256 digest in base64url without padding: 43 characters.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// RFC 7636: 43 to 128 characters from `[A-Za-z0-9-._~]`.
fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `code_challenge` for a verifier: base64url(SHA-256(verifier)) without padding.
pub(crate) fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The authorization-code grant: a public client proves it started the sign-in with the
/// verifier instead of a secret. A code is used up by any exchange attempt, right or wrong.
fn exchange_code(shared: &Shared, form: &Form, variation: Variation) -> Reply {
    let (Some(code), Some(redirect_uri), Some(client_id), Some(verifier)) = (
        form.get("code"),
        form.get("redirect_uri"),
        form.get("client_id"),
        form.get("code_verifier"),
    ) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code, redirect_uri, client_id and code_verifier are required",
        );
    };
    let Some(issued) = shared.take_code(code) else {
        return invalid_grant("the authorization code is unknown or was already used");
    };
    if issued.expires <= Instant::now() {
        return invalid_grant("the authorization code has expired");
    }
    if client_id != issued.client_id {
        return invalid_grant("the authorization code was issued to another client");
    }
    if redirect_uri != issued.redirect_uri {
        return invalid_grant("redirect_uri does not match the authorization request");
    }
    if !is_valid_verifier(verifier) || s256(verifier) != issued.challenge {
        return invalid_grant("code_verifier does not match the code_challenge");
    }
    token_reply(shared, variation)
}

/// `POST /oauth/token`: the authorization-code grant of a public client (no secret), else the
/// client-credentials grant with HTTP Basic client authentication.
fn token(shared: &Shared, headers: &HeaderMap, body: &Bytes, variation: Variation) -> Reply {
    let form = Form::parse(body);
    if form.get("grant_type") == Some("authorization_code") {
        return exchange_code(shared, &form, variation);
    }
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
    match form.get("grant_type") {
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
    token_reply(shared, variation)
}

/// The successful token answer, for either grant.
fn token_reply(shared: &Shared, variation: Variation) -> Reply {
    let mut reply = json!({
        "access_token": shared.issue_token(),
        "token_type": "bearer",
        "expires_in": shared.config.token_expires_in.as_secs(),
    });
    if variation.extra_fields {
        reply["scope"] = json!("billing:readonly");
    }
    Reply::json(StatusCode::OK, &reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(is_valid_verifier(verifier));
        assert_eq!(
            s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(is_s256_challenge(&s256(verifier)));
        assert!(!is_valid_verifier("too-short"));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}!", "a".repeat(50))));
    }
}
