//! The Billing API's `date-time` form.
//!
//! The server writes UTC with milliseconds, `yyyy-MM-ddTHH:mm:ss.SSSZ`, and its `invalid.date`
//! error asks for that form. [`format`] writes it (with more digits only when the value has
//! sub-millisecond precision, so nothing is lost); [`parse`] reads any RFC 3339 date-time,
//! whatever its offset, and converts it to UTC.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Timelike, Utc};

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
/// ```
pub fn parse(text: &str) -> Result<DateTime<Utc>, ParseError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|source| ParseError {
            input: text.chars().take(64).collect(),
            source,
        })
}

/// A string that is not an RFC 3339 date-time.
#[derive(Debug, Clone)]
pub struct ParseError {
    input: String,
    source: chrono::ParseError,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid date-time {:?} ({}): expected ISO-8601 such as 2024-05-01T00:00:00.000Z",
            self.input, self.source
        )
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
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
