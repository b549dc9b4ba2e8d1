//! The API's `date` form: `yyyy-MM-dd`, as in `dateStart` of a contract or `dateInvoiced` of
//! an invoice, in fields and in query parameters alike.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// Writes `value` as `yyyy-MM-dd`.
///
/// ```
/// let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
/// assert_eq!(billing_models::date::format(&d), "2026-03-01");
/// ```
pub fn format(value: &NaiveDate) -> String {
    Display(value).to_string()
}

/// Reads exactly `yyyy-MM-dd` (four-digit year, two-digit month and day, a real calendar day).
///
/// ```
/// let d = billing_models::date::parse("2024-02-29").unwrap();
/// assert_eq!(d, chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
/// assert!(billing_models::date::parse("2026-02-29").is_err());
/// assert!(billing_models::date::parse("2026-3-1").is_err());
/// assert!(billing_models::date::parse("2026-03-01T00:00:00Z").is_err());
/// ```
pub fn parse(text: &str) -> Result<NaiveDate, ParseError> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let parsed = if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        match (digits(0..4), digits(5..7), digits(8..10)) {
            (Some(y), Some(m), Some(d)) => i32::try_from(y)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, m, d)),
            _ => None,
        }
    } else {
        None
    };
    parsed.ok_or_else(|| ParseError {
        input: text.chars().take(64).collect(),
    })
}

/// A string that is not a `yyyy-MM-dd` calendar date.
#[derive(Debug, Clone)]
pub struct ParseError {
    input: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid date {:?}: expected yyyy-MM-dd such as 2026-03-01",
            self.input
        )
    }
}

impl std::error::Error for ParseError {}

pub(crate) struct Display<'a>(pub(crate) &'a NaiveDate);

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        // Years outside 0000-9999 have no `yyyy` form; they keep chrono's signed ISO form
        // rather than being cut.
        if (0..=9999).contains(&d.year()) {
            write!(f, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
        } else {
            write!(f, "{d}")
        }
    }
}
