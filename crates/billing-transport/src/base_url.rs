//! Makes relative request URIs absolute against the API base URL and sets the headers every
//! request carries (`Accept: application/json`, `User-Agent: genesys-billing-rust/<version>`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{ACCEPT, USER_AGENT};
use http::{HeaderValue, Request, Uri};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::error::TransportError;
use crate::region::join;

/// `genesys-billing-rust/<crate version>`.
pub const fn default_user_agent() -> &'static str {
    concat!("genesys-billing-rust/", env!("CARGO_PKG_VERSION"))
}

/// Layer resolving relative URIs (`/api/v2/…?…`) against a base URL and adding default headers.
///
/// Absolute URIs pass through unchanged. `Accept` and `User-Agent` are set only when the request
/// has none, so a caller can override them.
#[derive(Debug, Clone)]
pub struct BaseUrlLayer {
    base: Uri,
    user_agent: HeaderValue,
}

impl BaseUrlLayer {
    /// Resolve against `base` (e.g. `https://api.mypurecloud.com`, or one with a path prefix).
    pub fn new(base: Uri) -> Self {
        BaseUrlLayer {
            base,
            user_agent: HeaderValue::from_static(default_user_agent()),
        }
    }

    /// Replace the `User-Agent` value.
    pub fn user_agent(mut self, user_agent: HeaderValue) -> Self {
        self.user_agent = user_agent;
        self
    }
}

impl<S> Layer<S> for BaseUrlLayer {
    type Service = BaseUrl<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BaseUrl {
            inner,
            settings: Arc::new(Settings {
                base: self.base.clone(),
                user_agent: self.user_agent.clone(),
            }),
        }
    }
}

/// Service made by [`BaseUrlLayer`].
#[derive(Clone)]
pub struct BaseUrl<S> {
    inner: S,
    // Shared: the stack clones this service for every request (the transport's clone and
    // tower's `Retry`), and a `Uri` plus a `HeaderValue` are several reference counts.
    settings: Arc<Settings>,
}

struct Settings {
    base: Uri,
    user_agent: HeaderValue,
}

impl<S: fmt::Debug> fmt::Debug for BaseUrl<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BaseUrl")
            .field("inner", &self.inner)
            .field("base", &self.settings.base)
            .field("user_agent", &self.settings.user_agent)
            .finish()
    }
}

impl<S> Service<Request<Bytes>> for BaseUrl<S>
where
    S: Service<Request<Bytes>, Error = TransportError>,
{
    type Response = S::Response;
    type Error = TransportError;
    type Future = BaseUrlFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<Bytes>) -> Self::Future {
        if req.uri().scheme().is_none() {
            match self.absolute(req.uri_mut()) {
                Ok(uri) => *req.uri_mut() = uri,
                Err(error) => {
                    return BaseUrlFuture {
                        state: State::Failed { error: Some(error) },
                    };
                }
            }
        }
        let headers = req.headers_mut();
        headers
            .entry(ACCEPT)
            .or_insert_with(|| HeaderValue::from_static("application/json"));
        headers
            .entry(USER_AGENT)
            .or_insert_with(|| self.settings.user_agent.clone());
        BaseUrlFuture {
            state: State::Inner {
                future: self.inner.call(req),
            },
        }
    }
}

impl<S> BaseUrl<S> {
    /// The absolute form of the relative `uri` (which may be taken apart).
    fn absolute(&self, uri: &mut Uri) -> Result<Uri, TransportError> {
        // The common case, a base without a path prefix and a relative `/path?query`: re-use
        // the request's path and query as they are (no formatting, no second parse).
        if self.settings.base.path().trim_end_matches('/').is_empty()
            && uri
                .path_and_query()
                .is_some_and(|pq| pq.as_str().starts_with('/'))
        {
            let mut parts = std::mem::take(uri).into_parts();
            parts.scheme = self.settings.base.scheme().cloned();
            parts.authority = self.settings.base.authority().cloned();
            return match Uri::from_parts(parts) {
                Ok(uri) => Ok(uri),
                // Not reached for a valid base; answer as the general path would.
                Err(e) => Err(TransportError::InvalidRequest {
                    reason: format!("cannot join a path to the base URL: {e}"),
                }),
            };
        }
        let relative = uri.path_and_query().map_or("/", |pq| pq.as_str());
        join(&self.settings.base, relative).map_err(|e| TransportError::InvalidRequest {
            reason: format!("cannot join `{relative}` to the base URL: {e}"),
        })
    }
}

pin_project! {
    /// Future of [`BaseUrl`]: the inner service's, or the error when the URI could not be made
    /// absolute.
    #[derive(Debug)]
    pub struct BaseUrlFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    #[derive(Debug)]
    enum State<F> {
        // The request was sent on.
        Inner {
            #[pin]
            future: F,
        },
        // The request was refused.
        Failed {
            error: Option<TransportError>,
        },
    }
}

impl<F, T> Future for BaseUrlFuture<F>
where
    F: Future<Output = Result<T, TransportError>>,
{
    type Output = Result<T, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Inner { future } => future.poll(cx),
            StateProj::Failed { error } => Poll::Ready(Err(error
                .take()
                .expect("BaseUrlFuture polled after completion"))),
        }
    }
}
