//! The two ways the platform pages a listing: opaque cursors (`before` / `after`, the billing
//! contract listings) and page numbers (`pageNumber`, the trustors). Both read `pageSize` the
//! same way and answer relative `…Uri`s that repeat the filters.

use std::ops::Range;

use base64::Engine as _;
use chrono::NaiveDate;
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

/// A `format: date` query value: `yyyy-MM-dd` exactly.
pub(crate) fn date_param(ctx: &Ctx<'_>, name: &'static str) -> Result<Option<NaiveDate>, ApiError> {
    let Some(raw) = ctx.param(name) else {
        return Ok(None);
    };
    match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
        Ok(date) if raw.len() == 10 => Ok(Some(date)),
        _ => Err(invalid_param(name, &raw, "dates as yyyy-MM-dd")),
    }
}

/// `dateStart` and `dateEnd`, refused when they are the wrong way round.
pub(crate) fn date_range(
    ctx: &Ctx<'_>,
    filters: &mut Vec<(&'static str, String)>,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ApiError> {
    let start = date_param(ctx, "dateStart")?;
    let end = date_param(ctx, "dateEnd")?;
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            return Err(ApiError::new(wire::CONSTRAINT_VALIDATION)
                .param("constraint", "dateEnd must not be before dateStart"));
        }
    }
    filters.extend(start.map(|d| ("dateStart", d.to_string())));
    filters.extend(end.map(|d| ("dateEnd", d.to_string())));
    Ok((start, end))
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

/// A page-number listing answer (`TrustorEntityListing` and its kin), in the spec's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NumberedListing<T> {
    pub(crate) entities: Vec<T>,
    pub(crate) page_size: usize,
    pub(crate) page_number: usize,
    pub(crate) total: usize,
    pub(crate) last_uri: String,
    pub(crate) first_uri: String,
    pub(crate) self_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) previous_uri: Option<String>,
    pub(crate) page_count: usize,
}

/// Pages `total` items by `pageSize` (default 25, at most `max_size`) and `pageNumber`
/// (1-based, default 1). A page past the end is empty, with links back into the listing.
pub(crate) fn numbered_page<T>(
    ctx: &Ctx<'_>,
    path: &str,
    total: usize,
    max_size: usize,
    items: impl FnOnce(Range<usize>) -> Vec<T>,
) -> Result<NumberedListing<T>, ApiError> {
    let size = page_size(ctx, max_size)?;
    let number = match ctx.param("pageNumber") {
        None => 1,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if n >= 1 && !raw.starts_with('+') => n,
            _ => return Err(invalid_param("pageNumber", &raw, "integers from 1")),
        },
    };
    let page_count = total.div_ceil(size);
    let start = (number - 1).saturating_mul(size).min(total);
    let range = start..(start + size).min(total);
    let link = |n: usize| format!("{path}?pageSize={size}&pageNumber={n}");
    Ok(NumberedListing {
        entities: items(range),
        page_size: size,
        page_number: number,
        total,
        last_uri: link(page_count.max(1)),
        first_uri: link(1),
        self_uri: link(number),
        next_uri: (number < page_count).then(|| link(number + 1)),
        previous_uri: (number > 1).then(|| link((number - 1).min(page_count.max(1)))),
        page_count,
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
