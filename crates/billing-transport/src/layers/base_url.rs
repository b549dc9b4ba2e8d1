//! Makes relative request URIs absolute against the API base URL.

use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, Uri};
use tower::{Layer, Service};

use super::ResponseFuture;
use crate::error::TransportError;
use crate::region::join;

/// Layer resolving relative URIs (`/api/v2/…?…`) against a base URL (which may carry a path
/// prefix). Absolute URIs pass through unchanged.
#[derive(Debug, Clone)]
pub struct BaseUrlLayer {
    base: Uri,
}

impl BaseUrlLayer {
    /// Resolve against `base`, e.g. `https://api.mypurecloud.com`.
    pub fn new(base: Uri) -> Self {
        BaseUrlLayer { base }
    }
}

impl<S> Layer<S> for BaseUrlLayer {
    type Service = BaseUrl<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BaseUrl {
            inner,
            base: self.base.clone(),
        }
    }
}

/// Service made by [`BaseUrlLayer`].
#[derive(Debug, Clone)]
pub struct BaseUrl<S> {
    inner: S,
    base: Uri,
}

impl<S> Service<Request<Bytes>> for BaseUrl<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = TransportError>,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = TransportError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<Bytes>) -> Self::Future {
        if req.uri().scheme().is_none() {
            let relative = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
            match join(&self.base, relative) {
                Ok(uri) => *req.uri_mut() = uri,
                Err(e) => {
                    let error = TransportError::InvalidRequest {
                        reason: format!("cannot join `{relative}` to the base URL: {e}"),
                    };
                    return Box::pin(std::future::ready(Err(error)));
                }
            }
        }
        Box::pin(self.inner.call(req))
    }
}
