//! What every fuzz target checks, so the targets stay one line each.
//!
//! For a model: decoding any bytes never panics; whatever decodes is written and decoded again
//! to an equal value (nothing lost, nothing the crate cannot read back). Values holding a JSON
//! float are only required to decode again: serde_json's default float parsing is best-effort,
//! so a float may move by one ulp through text.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes `data` as `T` and, when that succeeds, checks the round trip.
pub fn decode_round_trip<T>(data: &[u8])
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let Ok(value) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let written = serde_json::to_vec(&value).expect("a decoded value serializes");
    let again: T = match serde_json::from_slice(&written) {
        Ok(again) => again,
        Err(e) => panic!(
            "the crate cannot read back what it wrote: {e}\n  input:   {}\n  written: {}",
            String::from_utf8_lossy(data),
            String::from_utf8_lossy(&written)
        ),
    };
    let tree: Value = serde_json::from_slice(&written).expect("written JSON is JSON");
    if !has_float(&tree) {
        assert_eq!(again, value, "round trip changed the value");
    }
}

/// `datetime::parse` never panics, and what it reads it writes in a form it reads back as the
/// same instant.
pub fn datetime_round_trip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(t) = billing_models::datetime::parse(text) else {
        return;
    };
    let written = billing_models::datetime::format(&t);
    match billing_models::datetime::parse(&written) {
        Ok(again) => assert_eq!(again, t, "{text:?} → {written:?}"),
        Err(e) => panic!("{text:?} was read, but its written form {written:?} is refused: {e}"),
    }
}

/// `decimal::parse_json_number` never panics, and what it reads it writes in a form it reads
/// back as the same value with the same scale.
pub fn decimal_round_trip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(d) = billing_models::decimal::parse_json_number(text) else {
        return;
    };
    let written = d.to_string();
    match billing_models::decimal::parse_json_number(&written) {
        Ok(again) => assert_eq!(
            (again, again.scale()),
            (d, d.scale()),
            "{text:?} → {written:?}"
        ),
        Err(e) => panic!("{text:?} was read, but its written form {written:?} is refused: {e}"),
    }
}

/// `date::parse` never panics, and what it reads it writes back as the same text.
pub fn date_round_trip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(d) = billing_models::date::parse(text) else {
        return;
    };
    assert_eq!(
        billing_models::date::format(&d),
        text,
        "yyyy-MM-dd is one form"
    );
}

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}
