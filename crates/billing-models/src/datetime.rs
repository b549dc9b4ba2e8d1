//! The Billing API's `date-time` form.
//!
//! The server writes UTC with milliseconds, `yyyy-MM-ddTHH:mm:ss.SSSZ`, and its `invalid.date`
//! error asks for that form. [`format()`] writes it (with more digits only when the value has
//! sub-millisecond precision, so nothing is lost); [`parse`] reads any RFC 3339 date-time,
//! whatever its offset, and converts it to UTC.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Timelike, Utc};

/// Writes `value` as the server does: `2024-05-01T00:00:00.000Z`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let t = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
/// assert_eq!(billing_models::datetime::format(&t), "2024-05-01T00:00:00.000Z");
/// ```
pub fn format(value: &DateTime<Utc>) -> String {
    Display(value).to_string()
}

/// Reads an RFC 3339 date-time with any offset (`Z`, `+02:00`, and `+0200` as Java servers
/// write it) as UTC.
///
/// ```
/// let t = billing_models::datetime::parse("2024-05-01T02:00:00+02:00").unwrap();
/// assert_eq!(billing_models::datetime::format(&t), "2024-05-01T00:00:00.000Z");
/// assert!(billing_models::datetime::parse("2024-05-01").is_err());
/// assert!(billing_models::datetime::parse("0000-01-01T00:00:00+01:00").is_err()); // year -1 in UTC
/// assert!(billing_models::datetime::parse("2026-02-30T00:00:00.000Z").is_err());
/// let java = billing_models::datetime::parse("2024-05-01T02:00:00.000+0200").unwrap();
/// assert_eq!(java, t);
/// assert!(billing_models::datetime::parse("2024-05-01T00:00:00").is_err(), "no offset: ambiguous");
/// ```
pub fn parse(text: &str) -> Result<DateTime<Utc>, ParseError> {
    if let Some(value) = parse_server_form(text.as_bytes()) {
        return Ok(value);
    }
    let error = |reason: Reason| ParseError {
        input: text.chars().take(64).collect(),
        reason,
    };
    // RFC 3339, or the same with an offset without a colon (`+0000`), which Java-based
    // servers write; anything looser (no offset at all) is refused as ambiguous.
    let value = DateTime::parse_from_rfc3339(text)
        .or_else(|e| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z").map_err(|_| e))
        .map_err(|source| error(Reason::Syntax(source)))?
        .with_timezone(&Utc);
    // An offset can carry 0000-01-01 or 9999-12-31 across the year boundary; such an instant
    // would be written as `-0001-…` or `+10000-…`, which is not ISO-8601 any more.
    if !(0..=9999).contains(&value.year()) {
        return Err(error(Reason::OutOfRange));
    }
    Ok(value)
}

/// The server's own form, `yyyy-MM-ddTHH:mm:ss.SSSZ`, read without the general RFC 3339
/// parser: every date-time of a report has it, and chrono's parser costs about five times
/// as much. Anything else (other offsets or precisions, a leap second, an invalid date)
/// returns `None` and goes the general way, so the result is the same either way.
pub(crate) fn parse_server_form(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let digit = |i: usize| b[i].is_ascii_digit().then(|| u32::from(b[i] - b'0'));
    let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
    let year = two(0)? * 100 + two(2)?;
    let milli = two(20)? * 10 + digit(22)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, two(5)?, two(8)?)?;
    let time = date.and_hms_milli_opt(two(11)?, two(14)?, two(17)?, milli)?;
    Some(time.and_utc())
}

/// A string that is not an RFC 3339 date-time, or one outside years 0000–9999 in UTC.
#[derive(Debug, Clone)]
pub struct ParseError {
    input: String,
    reason: Reason,
}

#[derive(Debug, Clone)]
enum Reason {
    Syntax(chrono::ParseError),
    OutOfRange,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            Reason::Syntax(source) => write!(
                f,
                "invalid date-time {:?} ({source}): expected ISO-8601 such as 2024-05-01T00:00:00.000Z",
                self.input
            ),
            Reason::OutOfRange => write!(
                f,
                "date-time {:?} is outside years 0000-9999 in UTC",
                self.input
            ),
        }
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.reason {
            Reason::Syntax(source) => Some(source),
            Reason::OutOfRange => None,
        }
    }
}

pub(crate) struct Display<'a>(pub(crate) &'a DateTime<Utc>);

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let precision = if self.0.nanosecond() % 1_000_000 == 0 {
            SecondsFormat::Millis
        } else {
            SecondsFormat::AutoSi
        };
        f.write_str(&self.0.to_rfc3339_opts(precision, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path and chrono's parser agree on every input the fast path takes.
    #[test]
    fn server_form_matches_the_general_parser() {
        let general = |t: &str| {
            DateTime::parse_from_rfc3339(t)
                .ok()
                .map(|d| d.with_timezone(&Utc))
        };
        for text in [
            "2026-10-01T00:00:00.000Z",
            "2026-12-31T23:59:59.999Z",
            "2024-02-29T12:34:56.789Z",
            "0000-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
            "2026-02-29T00:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2026-10-01T24:00:00.000Z",
            "2026-10-01T23:59:60.000Z",
            "2026-10-01T00:00:00.000z",
            "2026-1a-01T00:00:00.000Z",
            "+026-10-01T00:00:00.000Z",
        ] {
            if let Some(fast) = parse_server_form(text.as_bytes()) {
                assert_eq!(Some(fast), general(text), "{text}");
            }
            assert_eq!(
                parse(text).ok(),
                general(text).filter(|t| (0..=9999).contains(&t.year())),
                "{text}"
            );
        }
        assert!(parse_server_form(b"2026-10-01T00:00:00.000Z").is_some());
        assert!(
            parse_server_form(b"2026-10-01T23:59:60.000Z").is_none(),
            "leap seconds go the general way"
        );
    }
}
