//! The OAuth token endpoint's answers, read in one place for every grant (client credentials,
//! authorization code), and the single form request of the grants a person signs in with.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request, Response};

use crate::error::{AuthError, TimeoutKind, TransportError};
use crate::headers::{default_user_agent, retry_after};
use crate::hyper_client::HttpClient;
use crate::region::{Environment, credentials_allowed};
use crate::token::AccessToken;

/// A successful answer of `POST {login}/oauth/token`: `access_token`, `token_type`,
/// `expires_in` (seconds, a number or a numeric string).
///
/// A `refresh_token` in the answer is not kept: this crate never refreshes a person's token.
/// `Debug` never shows the token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenReply {
    /// The bearer token.
    pub access_token: AccessToken,
    /// The token's lifetime from the moment of the answer, when the server said.
    pub expires_in: Option<Duration>,
}

/// Ten years: an `expires_in` beyond this is taken as this (the value only schedules a refresh).
const LONGEST_LIFETIME: f64 = 10.0 * 365.0 * 86_400.0;

impl TokenReply {
    /// Reads a token endpoint answer: a 2xx token reply, or any other status as
    /// [`AuthError::TokenEndpoint`] with the OAuth `error` / `error_description` it carries.
    pub fn from_response(response: &Response<Bytes>) -> Result<TokenReply, AuthError> {
        #[derive(serde::Deserialize)]
        struct Reply {
            access_token: String,
            #[serde(default)]
            token_type: Option<String>,
            #[serde(default)]
            expires_in: Option<serde_json::Value>,
        }
        let status = response.status();
        if !status.is_success() {
            return Err(token_endpoint_error(response));
        }
        let reply: Reply = serde_json::from_slice(response.body()).map_err(|e| {
            // The body may hold a token: describe the error by position, never by content.
            AuthError::InvalidTokenReply {
                status,
                reason: format!(
                    "not a token reply ({:?} error at line {} column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            }
        })?;
        if reply.access_token.is_empty() {
            return Err(AuthError::InvalidTokenReply {
                status,
                reason: "empty access_token".into(),
            });
        }
        if let Some(kind) = &reply.token_type {
            if !kind.eq_ignore_ascii_case("bearer") {
                tracing::debug!(token_type = %kind, "token type is not `bearer`; using it as a bearer token");
            }
        }
        let expires_in = reply
            .expires_in
            .as_ref()
            .and_then(|v| match v {
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            })
            .filter(|secs| secs.is_finite())
            .map(|secs| Duration::from_secs_f64(secs.clamp(0.0, LONGEST_LIFETIME)));
        Ok(TokenReply {
            access_token: AccessToken::new(reply.access_token),
            expires_in,
        })
    }
}

/// A non-2xx token endpoint answer as [`AuthError::TokenEndpoint`].
pub(crate) fn token_endpoint_error(response: &Response<Bytes>) -> AuthError {
    #[derive(serde::Deserialize, Default)]
    struct OAuthError {
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        error_description: Option<String>,
        #[serde(default)]
        description: Option<String>,
    }
    let parsed: OAuthError = serde_json::from_slice(response.body()).unwrap_or_default();
    AuthError::TokenEndpoint {
        status: response.status(),
        error: parsed.error,
        error_description: parsed.error_description.or(parsed.description),
        retry_after: retry_after(response.headers()),
    }
}

/// The fields of a token request form. `Debug` shows the field names only: the values of a
/// code grant (the code, the PKCE verifier) are secrets.
pub struct TokenForm<'a>(pub &'a [(&'a str, &'a str)]);

impl fmt::Debug for TokenForm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

/// Posts `form` (`application/x-www-form-urlencoded`, no client authentication: a public
/// client's grant, e.g. `grant_type=authorization_code` with a PKCE verifier) to
/// `environment`'s token endpoint once, through `http` (e.g. from
/// [`TransportBuilder::build_http_client`](crate::TransportBuilder::build_http_client), so
/// the proxy, trusted roots, client identity and TLS floor are the transport's), and reads the
/// answer.
///
/// Not retried: an authorization code is single-use, so a second try could only fail. Refused
/// before anything is sent when the token URL is plain HTTP to a non-loopback host.
pub async fn request_token(
    http: &HttpClient,
    environment: &Environment,
    form: TokenForm<'_>,
    timeout: Duration,
) -> Result<TokenReply, AuthError> {
    let token_url = environment.token_url();
    credentials_allowed(&token_url)
        .map_err(|host| AuthError::TokenRequest(Box::new(TransportError::InsecureUrl { host })))?;
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.0.iter())
        .finish();
    let request = Request::builder()
        .method(Method::POST)
        .uri(token_url)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "application/json")
        .header(USER_AGENT, HeaderValue::from_static(default_user_agent()))
        .body(Bytes::from(body))
        .map_err(|e| AuthError::Other(e.into()))?;
    let response = match tokio::time::timeout(timeout, http.send(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => return Err(AuthError::TokenRequest(Box::new(error))),
        Err(_) => {
            return Err(AuthError::TokenRequest(Box::new(TransportError::Timeout {
                kind: TimeoutKind::Attempt,
                after: timeout,
            })));
        }
    };
    tracing::debug!(
        status = response.status().as_u16(),
        "token endpoint answered"
    );
    TokenReply::from_response(&response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Response<Bytes> {
        Response::builder()
            .status(status)
            .body(Bytes::from(body.to_owned()))
            .unwrap()
    }

    #[test]
    fn lifetimes_as_numbers_or_strings_and_errors_with_their_oauth_code() {
        let number = reply(
            200,
            r#"{"access_token":"t","token_type":"bearer","expires_in":86399}"#,
        );
        let read = TokenReply::from_response(&number).unwrap();
        assert_eq!(read.expires_in, Some(Duration::from_secs(86_399)));
        assert_eq!(read.access_token.expose(), "t");
        let string = reply(200, r#"{"access_token":"t","expires_in":"60"}"#);
        let read = TokenReply::from_response(&string).unwrap();
        assert_eq!(read.expires_in, Some(Duration::from_secs(60)));
        assert!(!format!("{read:?}").contains("\"t\""));

        let refused = reply(
            400,
            r#"{"error":"invalid_grant","error_description":"bad code"}"#,
        );
        match TokenReply::from_response(&refused).unwrap_err() {
            AuthError::TokenEndpoint {
                error,
                error_description,
                ..
            } => {
                assert_eq!(error.as_deref(), Some("invalid_grant"));
                assert_eq!(error_description.as_deref(), Some("bad code"));
            }
            other => panic!("{other:?}"),
        }
        let secret_body = reply(200, r#"{"access_token": "s3cr3t", "expires_in": [}"#);
        let error = TokenReply::from_response(&secret_body).unwrap_err();
        assert!(!format!("{error} {error:?}").contains("s3cr3t"));
    }

    #[test]
    fn a_form_shows_its_field_names_only() {
        let form = [("code", "c0de"), ("code_verifier", "v3rifier")];
        assert_eq!(
            format!("{:?}", TokenForm(&form)),
            r#"["code", "code_verifier"]"#
        );
    }

    #[tokio::test]
    async fn a_form_never_goes_over_plain_http_to_another_host() {
        let environment =
            Environment::custom("http://api.example.com", "http://login.example.com").unwrap();
        let form = [("code", "c0de")];
        let error = request_token(
            &HttpClient::new().unwrap(),
            &environment,
            TokenForm(&form),
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&error, AuthError::TokenRequest(e) if matches!(**e, TransportError::InsecureUrl { .. })),
            "{error:?}"
        );
    }
}
