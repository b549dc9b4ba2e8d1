//! Exact numbers: every `number` field of the API (money, quantities, rates) is a
//! [`Decimal`], read from the JSON number's literal text, never through a binary float.
//!
//! [`Decimal`] holds a 96-bit integer and a scale of 0 to 28 decimal places, so about 28
//! significant digits. A number the server writes that does not fit (more than 28 decimal
//! places once trailing zeros are set aside, or a magnitude beyond about 7.9 × 10²⁸) is a
//! decode error, never a rounded value. See `docs/adr/0002-exact-decimals-and-dates.md`.

use std::fmt;

use rust_decimal::Decimal;

/// Reads a JSON number literal (`12`, `-0.10`, `1.5E+3`) as an exact [`Decimal`]. The scale
/// of a plain literal is kept (`"1.00"` reads as 1.00 and writes back as `1.00`); an exponent
/// is applied exactly (`"1.5E+3"` is 1500).
///
/// ```
/// use billing_models::decimal::parse_json_number;
/// let tenth = parse_json_number("0.10").unwrap();
/// assert_eq!(tenth.to_string(), "0.10");
/// let sum: billing_models::Decimal = std::iter::repeat_n(tenth, 10).sum();
/// assert_eq!(sum.to_string(), "1.00");
/// assert_eq!(parse_json_number("1.5E+3").unwrap().to_string(), "1500");
/// assert!(parse_json_number("0.00000000000000000000000000001").is_err()); // 29 places
/// assert!(parse_json_number("\"1.00\"").is_err()); // a string is not a number
/// ```
pub fn parse_json_number(literal: &str) -> Result<Decimal, NumberError> {
    let error = |reason| NumberError {
        literal: literal.chars().take(64).collect(),
        reason,
    };
    if !literal.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return Err(error(Reason::NotANumber));
    }
    let (mantissa_text, exponent) = match literal.find(['e', 'E']) {
        None => (literal, 0i64),
        Some(at) => {
            let exponent = literal[at + 1..]
                .trim_start_matches('+')
                .parse::<i64>()
                .map_err(|_| error(Reason::DoesNotFit))?;
            (&literal[..at], exponent)
        }
    };
    if mantissa_text.contains('_') {
        return Err(error(Reason::NotANumber));
    }
    let parsed = Decimal::from_str_exact(mantissa_text).map_err(|_| error(Reason::DoesNotFit))?;
    if exponent == 0 {
        return Ok(parsed);
    }
    // value = mantissa × 10^-(scale - exponent): move the exponent into the scale exactly.
    let mut mantissa = parsed.mantissa();
    let mut scale = i64::from(parsed.scale()) - exponent;
    while scale > i64::from(Decimal::MAX_SCALE) && mantissa % 10 == 0 && mantissa != 0 {
        mantissa /= 10;
        scale -= 1;
    }
    if mantissa == 0 {
        return Ok(Decimal::ZERO);
    }
    if scale < 0 {
        let factor = u32::try_from(-scale)
            .ok()
            .and_then(|k| 10i128.checked_pow(k))
            .ok_or_else(|| error(Reason::DoesNotFit))?;
        mantissa = mantissa
            .checked_mul(factor)
            .ok_or_else(|| error(Reason::DoesNotFit))?;
        scale = 0;
    }
    let scale = u32::try_from(scale).map_err(|_| error(Reason::DoesNotFit))?;
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| error(Reason::DoesNotFit))
}

/// A JSON value that is not a number, or a number that an exact [`Decimal`] cannot hold.
#[derive(Debug, Clone)]
pub struct NumberError {
    literal: String,
    reason: Reason,
}

#[derive(Debug, Clone, Copy)]
enum Reason {
    NotANumber,
    DoesNotFit,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Reason::NotANumber => write!(f, "expected a JSON number, found {}", self.literal),
            Reason::DoesNotFit => write!(
                f,
                "number {} does not fit an exact decimal (at most 28 decimal places and about 28 significant digits); it is refused rather than rounded",
                self.literal
            ),
        }
    }
}

impl std::error::Error for NumberError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> String {
        parse_json_number(text).unwrap().to_string()
    }

    #[test]
    fn literals_keep_their_value_and_scale() {
        assert_eq!(ok("0"), "0");
        assert_eq!(ok("-0.10"), "-0.10");
        assert_eq!(ok("198.00"), "198.00");
        assert_eq!(ok("1e2"), "100");
        assert_eq!(ok("1.25E-2"), "0.0125");
        assert_eq!(ok("12.5e+1"), "125");
        assert_eq!(ok("1000e-31"), "0.0000000000000000000000000001");
        assert_eq!(ok("0e999999"), "0");
        assert_eq!(
            ok("79228162514264337593543950335"),
            Decimal::MAX.to_string()
        );
        assert_eq!(
            ok("0.1234567890123456789012345678"),
            "0.1234567890123456789012345678"
        );
    }

    #[test]
    fn what_does_not_fit_is_refused_not_rounded() {
        for text in [
            "79228162514264337593543950336",
            "0.12345678901234567890123456789",
            "1e29",
            "1e-29",
            "1e99999999999999999999",
            "true",
            "null",
            "\"1\"",
            "[1]",
            "",
        ] {
            assert!(parse_json_number(text).is_err(), "{text}");
        }
        let message = parse_json_number("1e-29").unwrap_err().to_string();
        assert!(
            message.contains("1e-29") && message.contains("rounded"),
            "{message}"
        );
    }
}
