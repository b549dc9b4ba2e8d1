//! Makes relative request URIs absolute against the API base URL.

use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, Uri};
use tower::{Layer, Service};

use super::ResponseFuture;
use crate::error::TransportError;
use crate::region::{join, same_origin};

/// Layer resolving relative URIs (`/api/v2/…?…`) against a base URL (which may carry a path
/// prefix). An absolute URI passes unchanged when it is on the base's origin and is refused
/// with [`TransportError::InvalidRequest`] otherwise: the `Authorization` header the auth
/// layer above has added must not reach another host.
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
        if req.uri().scheme().is_some() {
            // Auth sits above this layer: an absolute URI elsewhere would carry the token there.
            if !same_origin(req.uri(), &self.base) {
                let error = TransportError::InvalidRequest {
                    reason: format!(
                        "`{}://{}` is not the API host; requests are sent to the API base URL only",
                        req.uri().scheme_str().unwrap_or_default(),
                        req.uri().host().unwrap_or_default()
                    ),
                };
                return Box::pin(std::future::ready(Err(error)));
            }
        } else {
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
