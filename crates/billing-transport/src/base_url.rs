//! Makes relative request URIs absolute against the API base URL and sets the headers every
//! request carries (`Accept: application/json`, `User-Agent: genesys-billing-rust/<version>`).

use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{ACCEPT, USER_AGENT};
use http::{HeaderValue, Request, Uri};
use tower::{Layer, Service};

use crate::error::TransportError;
use crate::http::BoxFuture;
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
            base: self.base.clone(),
            user_agent: self.user_agent.clone(),
        }
    }
}

/// Service made by [`BaseUrlLayer`].
#[derive(Debug, Clone)]
pub struct BaseUrl<S> {
    inner: S,
    base: Uri,
    user_agent: HeaderValue,
}

impl<S> Service<Request<Bytes>> for BaseUrl<S>
where
    S: Service<Request<Bytes>, Error = TransportError>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
{
    type Response = S::Response;
    type Error = TransportError;
    type Future = BoxFuture<Result<S::Response, TransportError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<Bytes>) -> Self::Future {
        if req.uri().scheme().is_none() {
            let relative = req
                .uri()
                .path_and_query()
                .map_or("/", |pq| pq.as_str())
                .to_owned();
            match join(&self.base, &relative) {
                Ok(uri) => *req.uri_mut() = uri,
                Err(e) => {
                    return Box::pin(std::future::ready(Err(TransportError::InvalidRequest {
                        reason: format!("cannot join `{relative}` to the base URL: {e}"),
                    })));
                }
            }
        }
        let headers = req.headers_mut();
        headers
            .entry(ACCEPT)
            .or_insert_with(|| HeaderValue::from_static("application/json"));
        headers
            .entry(USER_AGENT)
            .or_insert_with(|| self.user_agent.clone());
        Box::pin(self.inner.call(req))
    }
}
