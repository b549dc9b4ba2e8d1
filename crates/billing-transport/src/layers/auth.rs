//! Adds `Authorization: Bearer …` from a [`TokenSource`], and on a 401 replays the request once
//! with a fresh token.

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::{Request, Response, StatusCode};
use tower::{Layer, Service, ServiceExt};

use super::ResponseFuture;
use crate::error::{AuthError, TransportError};
use crate::meta::clone_request;
use crate::region::credentials_allowed;
use crate::token::{AccessToken, TokenSource};

/// Layer authenticating requests with bearer tokens from a [`TokenSource`].
///
/// * The header value is marked sensitive (hyper and `http`'s `Debug` hide it).
/// * On a 401 the token is invalidated and the request tried once more with a fresh one; a second
///   401 (or a 401 with a source that cannot refresh) becomes [`AuthError::Rejected`], never a loop.
/// * A request whose URI is already absolute and plain HTTP to a non-loopback host is refused
///   with [`TransportError::InsecureUrl`] before a token is fetched; [`HttpClient`] makes the same
///   check on the final URI.
///
/// [`HttpClient`]: super::HttpClient
#[derive(Debug, Clone)]
pub struct AuthLayer {
    source: Arc<dyn TokenSource>,
}

impl AuthLayer {
    /// Authenticate with tokens from `source`.
    pub fn new(source: Arc<dyn TokenSource>) -> Self {
        AuthLayer { source }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Auth {
            inner,
            source: self.source.clone(),
        }
    }
}

/// Service made by [`AuthLayer`].
#[derive(Debug, Clone)]
pub struct Auth<S> {
    inner: S,
    source: Arc<dyn TokenSource>,
}

fn authorize(
    mut req: Request<Bytes>,
    token: &AccessToken,
) -> Result<Request<Bytes>, TransportError> {
    let value = token.bearer_header().map_err(TransportError::Auth)?;
    req.headers_mut().insert(AUTHORIZATION, value);
    Ok(req)
}

fn rejected(refreshed: bool, response: Response<Bytes>) -> TransportError {
    TransportError::Auth(AuthError::Rejected {
        refreshed,
        response: Box::new(response),
    })
}

impl<S> Service<Request<Bytes>> for Auth<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = TransportError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Bytes>) -> Self::Future {
        // The service that was polled ready goes into the future; a fresh clone stays behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let source = self.source.clone();
        Box::pin(async move {
            if req.uri().scheme().is_some() {
                credentials_allowed(req.uri())
                    .map_err(|host| TransportError::InsecureUrl { host })?;
            }
            let replay = source.can_refresh().then(|| clone_request(&req));
            let token = source.token().await.map_err(TransportError::Auth)?;
            let response = inner.call(authorize(req, &token)?).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            let Some(replay) = replay else {
                return Err(rejected(false, response));
            };
            tracing::debug!("401 Unauthorized: refreshing the token and trying once more");
            source.invalidate(&token);
            let fresh = source.token().await.map_err(TransportError::Auth)?;
            let response = inner
                .ready()
                .await?
                .call(authorize(replay, &fresh)?)
                .await?;
            if response.status() == StatusCode::UNAUTHORIZED {
                return Err(rejected(true, response));
            }
            Ok(response)
        })
    }
}
