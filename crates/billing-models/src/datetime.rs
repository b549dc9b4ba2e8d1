//! The Billing API's `date-time` form.
//!
//! The server writes UTC with milliseconds, `yyyy-MM-ddTHH:mm:ss.SSSZ`, and its `invalid.date`
//! error asks for that form. [`format`] writes it (with more digits only when the value has
//! sub-millisecond precision, so nothing is lost); [`parse`] reads any RFC 3339 date-time,
//! whatever its offset, and converts it to UTC.

use std::fmt;

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};

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

/// Reads an RFC 3339 date-time with any offset (`Z`, `+02:00`, …) as UTC.
///
/// ```
/// let t = billing_models::datetime::parse("2024-05-01T02:00:00+02:00").unwrap();
/// assert_eq!(billing_models::datetime::format(&t), "2024-05-01T00:00:00.000Z");
/// assert!(billing_models::datetime::parse("2024-05-01").is_err());
/// assert!(billing_models::datetime::parse("0000-01-01T00:00:00+01:00").is_err()); // year -1 in UTC
/// ```
pub fn parse(text: &str) -> Result<DateTime<Utc>, ParseError> {
    let error = |reason: Reason| ParseError {
        input: text.chars().take(64).collect(),
        reason,
    };
    let value = DateTime::parse_from_rfc3339(text)
        .map_err(|source| error(Reason::Syntax(source)))?
        .with_timezone(&Utc);
    // An offset can carry 0000-01-01 or 9999-12-31 across the year boundary; such an instant
    // would be written as `-0001-…` or `+10000-…`, which is not ISO-8601 any more.
    if !(0..=9999).contains(&value.year()) {
        return Err(error(Reason::OutOfRange));
    }
    Ok(value)
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
