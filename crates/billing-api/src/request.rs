//! Turning an operation and its arguments into an `http::Request`: path parameters and query
//! values are percent-encoded so that no value can change the request's path.

use std::borrow::Cow;

use bytes::Bytes;
use http::Method;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use billing_transport::RequestMeta;

use crate::Error;

/// One operation of the API: what the generated table (`operations`) holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Operation {
    /// The spec's `operationId`, e.g. `getBillingReportsBillableusage`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path with `{placeholders}`.
    pub path_template: &'static str,
}

/// Everything but RFC 3986's unreserved characters is encoded, in path segments and in query
/// names and values alike: `/`, `?`, `#`, `%`, `+`, `&`, `=`, spaces and non-ASCII included.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A request being put together for one operation.
#[derive(Debug)]
pub(crate) struct RequestBuilder {
    operation: &'static Operation,
    /// The path (placeholders filled in as they come) followed by the query: the request's URI,
    /// written once. Encoded values never contain `{`, so no value can look like a placeholder.
    uri: String,
}

impl RequestBuilder {
    pub(crate) fn new(operation: &'static Operation) -> Self {
        let mut uri = String::with_capacity(operation.path_template.len() + 96);
        uri.push_str(operation.path_template);
        RequestBuilder { operation, uri }
    }

    pub(crate) fn operation(&self) -> &'static Operation {
        self.operation
    }

    /// Fills `{name}` with `value` as one encoded path segment. Values that would name another
    /// resource even when encoded (empty, `.`, `..`) are refused before anything is sent.
    pub(crate) fn path_param(&mut self, name: &'static str, value: &str) -> Result<(), Error> {
        let reason = match value {
            "" => Some("must not be empty"),
            "." | ".." => Some("must not be a dot segment"),
            _ => None,
        };
        if let Some(reason) = reason {
            return Err(Error::InvalidInput {
                parameter: name,
                reason: reason.to_owned(),
            });
        }
        let placeholder = self.uri.match_indices('{').find_map(|(at, _)| {
            let end = at + 1 + name.len();
            (self.uri.get(at + 1..end) == Some(name) && self.uri[end..].starts_with('}'))
                .then_some(at..end + 1)
        });
        if let Some(range) = placeholder {
            let encoded: Cow<'_, str> = utf8_percent_encode(value, ENCODE).into();
            self.uri.replace_range(range, &encoded);
        }
        Ok(())
    }

    /// Appends `name=value` to the query, both encoded.
    pub(crate) fn query(&mut self, name: &str, value: &str) {
        let first = !self.uri.contains('?');
        self.uri.push(if first { '?' } else { '&' });
        self.uri.extend(utf8_percent_encode(name, ENCODE));
        self.uri.push('=');
        self.uri.extend(utf8_percent_encode(value, ENCODE));
    }

    /// The relative request (path and query); the transport adds the base URL.
    pub(crate) fn build(self) -> Result<http::Request<Bytes>, Error> {
        http::Request::builder()
            .method(self.operation.method.clone())
            .uri(self.uri)
            .extension(RequestMeta::new(
                self.operation.id,
                self.operation.path_template,
                true,
            ))
            .body(Bytes::new())
            .map_err(|e| Error::InvalidInput {
                parameter: "request",
                reason: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static OP: Operation = Operation {
        id: "getThing",
        method: Method::GET,
        path_template: "/api/v2/things/{thingId}",
    };

    fn uri_for(id: &str) -> Result<String, Error> {
        let mut b = RequestBuilder::new(&OP);
        b.path_param("thingId", id)?;
        b.query("when", "2026-10-01T00:00:00.000Z");
        b.query("a b", "x&y=z+1");
        Ok(b.build()?.uri().to_string())
    }

    #[test]
    fn hostile_values_stay_in_one_segment() {
        assert_eq!(
            uri_for("a/b?c#d %é").unwrap(),
            "/api/v2/things/a%2Fb%3Fc%23d%20%25%C3%A9?when=2026-10-01T00%3A00%3A00.000Z&a%20b=x%26y%3Dz%2B1"
        );
        assert_eq!(
            uri_for("...").unwrap().split('?').next().unwrap(),
            "/api/v2/things/..."
        );
        for bad in ["", ".", ".."] {
            assert!(
                matches!(
                    uri_for(bad),
                    Err(Error::InvalidInput {
                        parameter: "thingId",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }
}
