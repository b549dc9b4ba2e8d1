//! [`Reply`]: an answer before the pipeline adds the headers every response carries and applies
//! body faults to it.

use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::Value;

use crate::wire::{self, ApiError};

/// A response before headers are finished and faults applied to its body.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) content_type: &'static str,
    pub(crate) body: Bytes,
    pub(crate) retry_after: Option<u64>,
    pub(crate) extra_headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    pub(crate) fn json(status: StatusCode, body: &Value) -> Self {
        Self::json_bytes(status, Bytes::from(body.to_string()))
    }

    pub(crate) fn json_bytes(status: StatusCode, body: Bytes) -> Self {
        Self::with_type(status, "application/json", body)
    }

    pub(crate) fn with_type(status: StatusCode, content_type: &'static str, body: Bytes) -> Self {
        Self {
            status,
            content_type,
            body,
            retry_after: None,
            extra_headers: Vec::new(),
        }
    }

    /// A full `ErrorBody` whose `contextId` is the request's correlation id.
    pub(crate) fn error(error: &ApiError, context_id: &str) -> Self {
        let mut reply = Self::json(error.code.status, &error.body(context_id));
        reply.retry_after = error.retry_after;
        reply
    }

    pub(crate) fn not_found(context_id: &str) -> Self {
        Self::error(&ApiError::new(wire::NOT_FOUND), context_id)
    }

    /// Adds a response header.
    pub(crate) fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.extra_headers.push((name, value));
        self
    }
}
