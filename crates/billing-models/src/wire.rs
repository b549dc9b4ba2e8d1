//! Hand-written pieces the generated serde impls share: borrowed JSON keys, the timestamp,
//! date and exact-number wire forms, and the enum visitor that keeps unknown values.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de, ser};
use serde_json::value::RawValue;

/// A JSON object key, borrowed from the input when the deserializer allows it, so matching a
/// known field name allocates nothing. Read as bytes: serde_json then skips the UTF-8 check,
/// which only an unknown key (kept as a `String`) needs. (Path trackers such as
/// `serde_path_to_error` only see string keys; over a `serde_json::Value` keys are strings.)
pub(crate) struct Key<'de>(Cow<'de, [u8]>);

impl<'de> Key<'de> {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn into_string<E: de::Error>(self) -> Result<String, E> {
        let bytes = self.0.into_owned();
        String::from_utf8(bytes).map_err(|e| E::custom(format!("a field name is not UTF-8: {e}")))
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_vec())))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v.as_bytes())))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.as_bytes().to_vec())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.into_bytes())))
            }
        }
        deserializer.deserialize_bytes(KeyVisitor)
    }
}

/// Fills one field's slot from the map's next value; a key seen twice is an error, as with
/// serde's derives.
pub(crate) fn fill<'de, A, T>(
    slot: &mut Option<T>,
    map: &mut A,
    name: &'static str,
) -> Result<(), A::Error>
where
    A: de::MapAccess<'de>,
    T: Deserialize<'de>,
{
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// A `date-time` on the wire: read from any RFC 3339 offset, written as UTC
/// `yyyy-MM-ddTHH:mm:ss.SSSZ` (see [`crate::datetime`]).
pub(crate) struct Timestamp(pub(crate) DateTime<Utc>);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&crate::datetime::Display(&self.0))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl de::Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO-8601 date-time such as 2024-05-01T00:00:00.000Z")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                crate::datetime::parse(v).map(Timestamp).map_err(E::custom)
            }
            // serde_json hands a string's bytes over without checking UTF-8; the server's
            // ASCII form needs no check, anything else is checked before the general parser.
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                if let Some(t) = crate::datetime::parse_server_form(v) {
                    return Ok(Timestamp(t));
                }
                let text = std::str::from_utf8(v)
                    .map_err(|_| E::invalid_value(de::Unexpected::Bytes(v), &self))?;
                self.visit_str(text)
            }
        }
        deserializer.deserialize_bytes(TimestampVisitor)
    }
}

/// A `date` on the wire: exactly `yyyy-MM-dd` (see [`crate::date`]).
pub(crate) struct Day(pub(crate) NaiveDate);

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&crate::date::Display(&self.0))
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DayVisitor;
        impl de::Visitor<'_> for DayVisitor {
            type Value = Day;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date such as 2026-03-01")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                crate::date::parse(v).map(Day).map_err(E::custom)
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                let text = std::str::from_utf8(v)
                    .map_err(|_| E::invalid_value(de::Unexpected::Bytes(v), &self))?;
                self.visit_str(text)
            }
        }
        deserializer.deserialize_bytes(DayVisitor)
    }
}

/// A `number` on the wire, as an exact [`Decimal`]: read from the literal text of the JSON
/// number (serde_json's raw value, so no binary float ever holds it) and written back as a
/// JSON number with the same digits. A number that does not fit is an error, not a rounding
/// (see [`crate::decimal`]).
///
/// Through `serde_json::Value` (`from_value`, `to_value`) numbers pass as `f64`: the exact
/// path is text or bytes (`from_str`, `from_slice`, `to_string`, `to_writer`).
pub(crate) struct Number(pub(crate) Decimal);

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.0.to_string()).map_err(ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        crate::decimal::parse_json_number(raw.get())
            .map(Number)
            .map_err(de::Error::custom)
    }
}

/// Deserializes a string enum through `From<&str>` / `From<String>`, so unknown values are
/// kept (and an owned string is moved, not copied).
pub(crate) struct EnumVisitor<T>(PhantomData<T>);

impl<T> EnumVisitor<T> {
    pub(crate) fn new() -> Self {
        EnumVisitor(PhantomData)
    }
}

impl<T: for<'a> From<&'a str> + From<String>> de::Visitor<'_> for EnumVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(T::from(v))
    }
}
