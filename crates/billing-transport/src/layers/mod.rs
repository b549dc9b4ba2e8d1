//! The layers of the default stack, each usable alone, and the HTTP client at the bottom.
//!
//! Outermost first: [`TraceLayer`] → [`TimeoutLayer::operation`] → [`RetryLayer`] →
//! [`TimeoutLayer::attempt`] → [`AuthLayer`] → [`BaseUrlLayer`] (and the default headers) →
//! [`HttpClient`]. Every service here answers with a [`ResponseFuture`].

mod auth;
mod base_url;
mod timeout;
mod trace;

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http::Response;

pub use self::auth::{Auth, AuthLayer};
pub use self::base_url::{BaseUrl, BaseUrlLayer};
pub use self::timeout::{Timeout, TimeoutLayer};
pub use self::trace::{Trace, TraceLayer};
pub use crate::hyper_client::HttpClient;
pub use crate::retry::{Retry, RetryLayer};

/// A boxed `Send` future.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// The future every service of the stack answers with: one boxed future per layer and call,
/// which at the platform's request rates costs nothing worth a hand-written state machine.
pub type ResponseFuture = BoxFuture<Result<Response<Bytes>, crate::TransportError>>;
