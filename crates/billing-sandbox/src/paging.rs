//! The two ways the platform pages a listing: opaque cursors (`before` / `after`, the billing
//! contract listings) and page numbers (`pageNumber`, the trustors). Both read `pageSize` the
//! same way and answer relative `…Uri`s that repeat the filters.

use std::ops::Range;

use base64::Engine as _;
use serde::Serialize;

use crate::router::Ctx;
use crate::wire::{self, ApiError};

/// `pageSize` when the request has none.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 25;
/// The largest `pageSize` the cursor listings accept.
pub(crate) const MAX_PAGE_SIZE: usize = 200;

/// `400 invalid.query.param.value` for `parameter`.
pub(crate) fn invalid_param(parameter: &'static str, value: &str, allowed: &str) -> ApiError {
    ApiError::new(wire::INVALID_QUERY_PARAM_VALUE)
        .param("value", value)
        .param("parameter", parameter)
        .param("allowableValues", allowed)
}

/// `pageSize`: default [`DEFAULT_PAGE_SIZE`], an integer in `1..=max`.
pub(crate) fn page_size(ctx: &Ctx<'_>, max: usize) -> Result<usize, ApiError> {
    let Some(raw) = ctx.param("pageSize") else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    match raw.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) && !raw.starts_with('+') => Ok(n),
        _ => Err(invalid_param(
            "pageSize",
            &raw,
            &format!("integers from 1 to {max}"),
        )),
    }
}

/// A listing answer, in the field order of the spec's `…Listing` definitions.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CursorListing<T> {
    pub(crate) entities: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_uri: Option<String>,
    pub(crate) self_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) previous_uri: Option<String>,
}

/// Which items of a listing a cursor request gets, and the links around them.
pub(crate) struct CursorPage {
    pub(crate) range: Range<usize>,
    pub(crate) next_uri: Option<String>,
    pub(crate) self_uri: String,
    pub(crate) previous_uri: Option<String>,
}

impl CursorPage {
    pub(crate) fn listing<T>(self, entities: Vec<T>) -> CursorListing<T> {
        CursorListing {
            entities,
            next_uri: self.next_uri,
            self_uri: self.self_uri,
            previous_uri: self.previous_uri,
        }
    }
}

enum Cursor {
    /// The page starts at this position.
    After(usize),
    /// The page ends just before this position.
    Before(usize),
}

/// A cursor is the position in the filtered listing, bound to the listing (`scope`) so that a
/// cursor from another listing is refused. Clients must treat it as opaque.
fn encode(scope: &str, direction: char, position: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{scope}|{direction}|{position}"))
}

fn decode(scope: &str, direction: char, raw: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.splitn(3, '|');
    let ok = parts.next()? == scope && parts.next()? == direction.encode_utf8(&mut [0; 4]);
    ok.then(|| parts.next()?.parse().ok())?
}

/// `path?pageSize=N[&cursor=…]` followed by the filters, each value percent-encoded.
fn uri(
    path: &str,
    size: usize,
    cursor: Option<(&str, &str)>,
    filters: &[(&str, String)],
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("pageSize", &size.to_string());
    if let Some((name, value)) = cursor {
        query.append_pair(name, value);
    }
    for (name, value) in filters {
        query.append_pair(name, value);
    }
    format!("{path}?{}", query.finish())
}

/// Pages a listing of `total` items (already filtered) by `pageSize`, `before` and `after`.
/// `filters` are the filter parameters as received, repeated in every link.
pub(crate) fn cursor_page(
    ctx: &Ctx<'_>,
    scope: &str,
    path: &str,
    filters: &[(&str, String)],
    total: usize,
) -> Result<CursorPage, ApiError> {
    let size = page_size(ctx, MAX_PAGE_SIZE)?;
    let cursor = match (ctx.param("after"), ctx.param("before")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(wire::CONSTRAINT_VALIDATION)
                .param("constraint", "before and after cannot be used together"));
        }
        (Some(raw), None) => Some((
            "after",
            raw.clone(),
            Cursor::After(
                decode(scope, 'a', &raw)
                    .filter(|p| *p <= total)
                    .ok_or_else(|| invalid_param("after", &raw, "a cursor from this listing"))?,
            ),
        )),
        (None, Some(raw)) => Some((
            "before",
            raw.clone(),
            Cursor::Before(
                decode(scope, 'b', &raw)
                    .filter(|p| *p <= total)
                    .ok_or_else(|| invalid_param("before", &raw, "a cursor from this listing"))?,
            ),
        )),
        (None, None) => None,
    };
    let range = match cursor.as_ref().map(|(_, _, c)| c) {
        None => 0..size.min(total),
        Some(Cursor::After(start)) => *start..(start + size).min(total),
        Some(Cursor::Before(end)) => end.saturating_sub(size)..*end,
    };
    let next_uri = (range.end < total).then(|| {
        let next = encode(scope, 'a', range.end);
        uri(path, size, Some(("after", &next)), filters)
    });
    let previous_uri = (range.start > 0).then(|| {
        let previous = encode(scope, 'b', range.start);
        uri(path, size, Some(("before", &previous)), filters)
    });
    let self_cursor = cursor.as_ref().map(|(name, raw, _)| (*name, raw.as_str()));
    Ok(CursorPage {
        range,
        next_uri,
        self_uri: uri(path, size, self_cursor, filters),
        previous_uri,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_bound_to_their_listing_and_direction() {
        let after = encode("contracts", 'a', 25);
        assert_eq!(decode("contracts", 'a', &after), Some(25));
        assert_eq!(decode("invoices", 'a', &after), None);
        assert_eq!(decode("contracts", 'b', &after), None);
        assert_eq!(decode("contracts", 'a', "not base64!"), None);
    }
}
