//! Adds `Authorization: Bearer …` from a [`TokenSource`], and on a 401 replays the request once
//! with a fresh token.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::{Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower::{Layer, Service, ServiceExt};

use crate::error::{AuthError, TransportError};
use crate::http::BoxFuture;
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
/// [`HttpClient`]: crate::HttpClient
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
    type Future = AuthFuture<S, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Bytes>) -> Self::Future {
        // The common case: a relative request and a token at hand. No boxed future; the request
        // is kept for a replay only when the source can give a fresh token after a 401.
        if req.uri().scheme().is_none() {
            if let Some(token) = self.source.cached_token() {
                let replay = self.source.can_refresh().then(|| Replay {
                    inner: self.inner.clone(),
                    source: self.source.clone(),
                    request: clone_request(&req),
                    token: token.clone(),
                });
                let state = match authorize(req, &token) {
                    Ok(req) => State::Sent {
                        future: self.inner.call(req),
                        replay,
                    },
                    Err(error) => State::Boxed {
                        future: Box::pin(std::future::ready(Err(error))),
                    },
                };
                return AuthFuture { state };
            }
        }
        // The service that was polled ready goes into the future; a fresh clone stays behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let source = self.source.clone();
        let future = Box::pin(async move {
            if req.uri().scheme().is_some() {
                credentials_allowed(req.uri())
                    .map_err(|host| TransportError::InsecureUrl { host })?;
            }
            let replay = clone_request(&req);
            let token = source.token().await.map_err(TransportError::Auth)?;
            let response = inner.call(authorize(req, &token)?).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            if !source.can_refresh() {
                return Err(rejected(false, response));
            }
            Replay {
                inner,
                source,
                request: replay,
                token,
            }
            .after_401()
            .await
        });
        AuthFuture {
            state: State::Boxed { future },
        }
    }
}

fn rejected(refreshed: bool, response: Response<Bytes>) -> TransportError {
    TransportError::Auth(AuthError::Rejected {
        refreshed,
        response: Box::new(response),
    })
}

/// What a replay after a 401 needs.
struct Replay<S> {
    inner: S,
    source: Arc<dyn TokenSource>,
    request: Request<Bytes>,
    token: AccessToken,
}

impl<S> Replay<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>,
{
    /// The API answered 401 to `token`: forget it, fetch a fresh one and try once more.
    async fn after_401(self) -> Result<Response<Bytes>, TransportError> {
        let Replay {
            mut inner,
            source,
            request,
            token,
        } = self;
        tracing::debug!("401 Unauthorized: refreshing the token and trying once more");
        source.invalidate(&token);
        let fresh = source.token().await.map_err(TransportError::Auth)?;
        let response = inner
            .ready()
            .await?
            .call(authorize(request, &fresh)?)
            .await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            return Err(rejected(true, response));
        }
        Ok(response)
    }
}

pin_project! {
    /// Future of [`Auth`].
    pub struct AuthFuture<S, F> {
        #[pin]
        state: State<S, F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, F> {
        // Sent with a cached token; `replay` is there when a 401 may be retried.
        Sent {
            #[pin]
            future: F,
            replay: Option<Replay<S>>,
        },
        // Fetching a token first, or replaying after a 401.
        Boxed {
            future: BoxFuture<Result<Response<Bytes>, TransportError>>,
        },
    }
}

impl<S, F> fmt::Debug for AuthFuture<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthFuture").finish_non_exhaustive()
    }
}

impl<S, F> Future for AuthFuture<S, F>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError> + Send + 'static,
    S::Future: Send + 'static,
    F: Future<Output = Result<Response<Bytes>, TransportError>>,
{
    type Output = Result<Response<Bytes>, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                StateProj::Sent { future, replay } => {
                    let response = match future.poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                        Poll::Ready(Ok(response)) => response,
                    };
                    if response.status() != StatusCode::UNAUTHORIZED {
                        return Poll::Ready(Ok(response));
                    }
                    let Some(replay) = replay.take() else {
                        return Poll::Ready(Err(rejected(false, response)));
                    };
                    State::Boxed {
                        future: Box::pin(replay.after_401()),
                    }
                }
                StateProj::Boxed { future } => return future.as_mut().poll(cx),
            };
            state.set(next);
        }
    }
}
