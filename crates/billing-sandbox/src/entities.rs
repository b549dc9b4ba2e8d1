//! Wire objects several contract and invoice answers share (`NamedEntity`, `Customer`,
//! `BillingProduct`) and [`Number`], the exact decimal they write money and quantities with.
//! Field names are the spec's wire names, written here rather than taken from any model crate.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::catalog::{Product, TrustorOrg};
use crate::wire::uuid_from;

/// A `number` field: an exact decimal written as a JSON number literal with its scale kept
/// (`1234.50`, never `1234.5` or a float's approximation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Number(pub(crate) Decimal);

impl Number {
    /// `value` rounded half away from zero to cents, always with two decimals.
    pub(crate) fn money(value: Decimal) -> Self {
        let mut cents = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        cents.rescale(2);
        Self(cents)
    }

    pub(crate) fn whole(value: u64) -> Self {
        Self(Decimal::from(value))
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // serde_json writes a RawValue verbatim: the decimal's own digits become the number.
        let raw = RawValue::from_string(self.0.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// A price from the catalog (`"0.0095"`) as a decimal.
pub(crate) fn price(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

/// `NamedEntity`.
#[derive(Serialize, Clone)]
pub(crate) struct NamedEntity {
    pub(crate) id: String,
    pub(crate) name: String,
}

impl NamedEntity {
    pub(crate) fn org(org: &TrustorOrg) -> Self {
        Self {
            id: org.id.clone(),
            name: org.name.clone(),
        }
    }
}

/// `Customer`.
#[derive(Serialize, Clone)]
pub(crate) struct Customer {
    pub(crate) id: String,
    pub(crate) number: String,
    pub(crate) name: String,
}

impl Customer {
    /// The partner the sandbox's API caller is: it buys for and bills every trustor org.
    pub(crate) fn partner() -> Self {
        Self {
            id: uuid_from(0x9A27_4E12, 0),
            number: "100200".to_owned(),
            name: "Sandbox Partner Ltd".to_owned(),
        }
    }

    /// The trustor org as the end customer of a contract.
    pub(crate) fn end_customer(org: &TrustorOrg) -> Self {
        Self {
            id: uuid_from(org.index as u64, 0xC057_0E12),
            number: (300_000 + org.index).to_string(),
            name: org.name.clone(),
        }
    }
}

/// `BillingProduct`.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BillingProduct {
    pub(crate) id: String,
    pub(crate) sku: &'static str,
    pub(crate) name: &'static str,
    pub(crate) unit_of_measure: &'static str,
}

impl BillingProduct {
    pub(crate) fn of(product: &'static Product) -> Self {
        // Part numbers are unique, so they seed the id.
        let seed = product
            .part_number
            .bytes()
            .fold(0_u64, |h, b| h.wrapping_mul(31) ^ u64::from(b));
        Self {
            id: uuid_from(seed, 0x9D0C_0C75),
            sku: product.part_number,
            name: product.name,
            unit_of_measure: product.unit_of_measure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_digits() {
        let text = |n: Number| serde_json::to_string(&n).unwrap();
        assert_eq!(text(Number::money(price("1234.5"))), "1234.50");
        assert_eq!(text(Number::money(price("0.125"))), "0.13");
        assert_eq!(text(Number::money(price("7"))), "7.00");
        assert_eq!(text(Number::whole(42)), "42");
        assert_eq!(text(Number(price("0.0095"))), "0.0095");
    }
}
