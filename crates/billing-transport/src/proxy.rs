//! Which proxy, if any, HTTPS requests go through, and the connector that tunnels through it.

use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tower::Service;

use crate::error::BoxError;
use crate::layers::BoxFuture;

/// Which proxy, if any, HTTPS requests go through.
///
/// Only `https` destinations are proxied, through an HTTP `CONNECT` tunnel to an `http://` proxy
/// (optionally with `user:password@` basic auth). Plain-HTTP destinations (which this crate only
/// allows for loopback hosts when credentials are involved) always connect directly.
///
/// ```
/// use billing_transport::Proxy;
/// let proxy = Proxy::https("http://proxy.internal:3128").no_proxy("localhost,.internal");
/// # let _ = proxy;
/// ```
#[derive(Debug, Clone)]
pub struct Proxy(Kind);

#[derive(Debug, Clone)]
enum Kind {
    FromEnv,
    None,
    Https { url: String, no_proxy: String },
}

impl Proxy {
    /// `HTTPS_PROXY`/`https_proxy`, `ALL_PROXY`/`all_proxy` and `NO_PROXY`/`no_proxy`, read when
    /// the transport is built, with curl's rules (the default).
    pub fn from_env() -> Self {
        Proxy(Kind::FromEnv)
    }

    /// Never use a proxy, whatever the environment says.
    pub fn none() -> Self {
        Proxy(Kind::None)
    }

    /// Tunnel every HTTPS request through the `http://` proxy at `url`.
    pub fn https(url: impl Into<String>) -> Self {
        Proxy(Kind::Https {
            url: url.into(),
            no_proxy: String::new(),
        })
    }

    /// Hosts to reach directly, in `NO_PROXY` form (`localhost,.internal,10.0.0.0/8`).
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        if let Kind::Https { no_proxy, .. } = &mut self.0 {
            *no_proxy = hosts.into();
        }
        self
    }

    fn matcher(&self) -> Option<Arc<Matcher>> {
        match &self.0 {
            Kind::None => None,
            Kind::FromEnv => Some(Arc::new(Matcher::from_env())),
            Kind::Https { url, no_proxy } => Some(Arc::new(
                Matcher::builder()
                    .https(url.clone())
                    .no(no_proxy.clone())
                    .build(),
            )),
        }
    }
}

impl Default for Proxy {
    fn default() -> Self {
        Proxy::from_env()
    }
}

/// A connector that tunnels through the proxy when its matcher says so.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    matcher: Option<Arc<Matcher>>,
}

impl ProxyConnector {
    pub fn new(direct: HttpConnector, proxy: &Proxy) -> Self {
        ProxyConnector {
            direct,
            matcher: proxy.matcher(),
        }
    }
}

impl Service<http::Uri> for ProxyConnector {
    type Response = TokioIo<tokio::net::TcpStream>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let intercept = match (&self.matcher, dst.scheme_str()) {
            (Some(matcher), Some("https")) => matcher.intercept(&dst),
            _ => None,
        };
        let mut direct = self.direct.clone();
        match intercept {
            Some(intercept) => {
                let mut tunnel = Tunnel::new(intercept.uri().clone(), direct);
                if let Some(auth) = intercept.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                Box::pin(async move { tunnel.call(dst).await.map_err(Into::into) })
            }
            None => Box::pin(async move { direct.call(dst).await.map_err(Into::into) }),
        }
    }
}
