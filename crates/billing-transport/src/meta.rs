//! What the API layer tells the transport about a request, and what the transport tells back.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use bytes::Bytes;
use http::{Method, Request};

/// Per-request facts put in the request's extensions by the API layer.
///
/// Read by the retry layer (is it safe to replay after an ambiguous failure?) and by the trace
/// layer (operation id and path template name the span without high-cardinality ids).
/// A request without it counts as idempotent only when its method is `GET` or `HEAD`.
///
/// ```
/// use billing_transport::RequestMeta;
/// let meta = RequestMeta::new(
///     "getBillingReportsBillableusage",
///     "/api/v2/billing/reports/billableusage",
///     true,
/// );
/// let req = http::Request::builder()
///     .uri("/api/v2/billing/reports/billableusage")
///     .extension(meta)
///     .body(bytes::Bytes::new())
///     .unwrap();
/// assert_eq!(req.extensions().get::<RequestMeta>(), Some(&meta));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RequestMeta {
    /// The Swagger `operationId`, e.g. `getBillingReportsBillableusage`.
    pub operation_id: &'static str,
    /// The path with placeholders, e.g. `/api/v2/billing/trusteebillingoverview/{trustorOrgId}`.
    pub path_template: &'static str,
    /// Whether replaying the request after an ambiguous failure (500, I/O error, attempt
    /// timeout) is safe.
    pub idempotent: bool,
}

impl RequestMeta {
    /// Facts for one operation.
    pub const fn new(
        operation_id: &'static str,
        path_template: &'static str,
        idempotent: bool,
    ) -> Self {
        RequestMeta {
            operation_id,
            path_template,
            idempotent,
        }
    }
}

/// Whether `req` may be replayed after an ambiguous failure: [`RequestMeta::idempotent`] when the
/// request carries one, else only for `GET` and `HEAD`.
pub fn is_idempotent<B>(req: &Request<B>) -> bool {
    match req.extensions().get::<RequestMeta>() {
        Some(meta) => meta.idempotent,
        None => matches!(*req.method(), Method::GET | Method::HEAD),
    }
}

/// How many attempts the retry layer made; put in the extensions of the response it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attempts(pub u32);

/// Shared attempt counter the trace layer puts on a request and the retry layer bumps, so the
/// operation span can report attempts even when the operation ends in an error.
#[derive(Debug, Clone, Default)]
pub(crate) struct AttemptCounter(Arc<AtomicU32>);

impl AttemptCounter {
    pub(crate) fn bump(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A copy of a buffered request (the body is `Bytes`, so this is cheap), extensions included.
pub(crate) fn clone_request(req: &Request<Bytes>) -> Request<Bytes> {
    let mut copy = Request::new(req.body().clone());
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    *copy.extensions_mut() = req.extensions().clone();
    copy
}
