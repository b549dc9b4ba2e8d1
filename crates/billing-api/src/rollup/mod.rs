//! A partner's roll-up of trustee billing overviews: per org, billing period and usage line the
//! prepaid and overage quantities and amounts, with totals per org, per currency and per
//! product, in exact decimals.
//!
//! It is an estimate from the overview data, not an invoice: taxes, discounts, minimums and
//! proration are the billing system's business. The formulas, per usage line:
//!
//! - overage quantity = max(0, usage quantity − prepay quantity)
//! - overage amount = overage quantity × overage price
//! - prepaid amount = prepay quantity × prepay price
//! - total = prepaid amount + overage amount
//!
//! The API sends quantities and prices as strings (`"198.00"`). A value that is not a decimal
//! number is never read as zero: the line keeps what could be computed, names the problem, and
//! is left out of every total; each total says how many lines it leaves out and how many orgs
//! it covers. A missing price is only a problem when its quantity is not zero. Amounts in
//! different currencies are never added: totals are per currency and billing period.
//!
//! ```
//! use billing_api::models::{NamedEntity, SubscriptionOverviewUsage, TrusteeBillingOverview};
//! use billing_api::rollup::{OrgPeriod, Rollup};
//!
//! let overview = TrusteeBillingOverview::default()
//!     .with_organization(NamedEntity::default().with_name("Acme"))
//!     .with_currency("USD")
//!     .with_usages(vec![SubscriptionOverviewUsage::default()
//!         .with_part_number("PC-170-NV-USR2C")
//!         .with_usage_quantity("12")
//!         .with_prepay_quantity("10")
//!         .with_overage_price("198.00")
//!         .with_prepay_price("165.00")]);
//! let rollup = Rollup::build(&[0], [OrgPeriod::new("acme-id", 0, Ok(overview))]);
//! let usd = &rollup.currencies[0];
//! assert_eq!(usd.overage_amount.to_string(), "396.00"); // 2 × 198.00
//! assert_eq!(usd.prepaid_amount.to_string(), "1650.00"); // 10 × 165.00
//! assert_eq!(usd.orgs, 1);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use billing_models::{SubscriptionOverviewUsage, TrusteeBillingOverview};
use chrono::{DateTime, Utc};
pub use rust_decimal::Decimal;
use serde::Serialize;

/// One org's overview for one billing period, or why it could not be had: the roll-up's input.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OrgPeriod {
    /// The trustor org id, as asked for.
    pub org_id: String,
    /// The `billingPeriodIndex` asked for (0 = the open period).
    pub billing_period_index: i32,
    /// The overview, or the reason it failed (an error's message).
    pub result: Result<TrusteeBillingOverview, String>,
}

impl OrgPeriod {
    /// One input of the roll-up.
    pub fn new(
        org_id: impl Into<String>,
        billing_period_index: i32,
        result: Result<TrusteeBillingOverview, String>,
    ) -> OrgPeriod {
        OrgPeriod {
            org_id: org_id.into(),
            billing_period_index,
            result,
        }
    }
}

/// Why a value could not be used. `field` is the JSON name in the overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    /// The value is not a decimal number (such as `"n/a"`).
    NotANumber {
        /// The JSON field.
        field: &'static str,
        /// The value as sent.
        value: String,
    },
    /// A price is absent while its quantity is not zero.
    Missing {
        /// The JSON field.
        field: &'static str,
    },
    /// The result does not fit a 96-bit decimal.
    Overflow {
        /// The JSON field whose computation overflowed.
        field: &'static str,
    },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::NotANumber { field, value } => {
                write!(f, "{field} is not a number: {value:?}")
            }
            Problem::Missing { field } => write!(f, "{field} is missing"),
            Problem::Overflow { field } => write!(f, "{field} is too large to compute"),
        }
    }
}

/// One usage line of one org and period, with what follows from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LineRollup {
    /// Product charge name.
    pub name: String,
    /// Product part number: the key of the per-product totals.
    pub part_number: String,
    /// Unit of measure.
    pub unit_of_measure_type: String,
    /// Usage in the period.
    pub usage_quantity: Option<Decimal>,
    /// Prepaid quantity.
    pub prepay_quantity: Option<Decimal>,
    /// max(0, usage − prepaid).
    pub overage_quantity: Option<Decimal>,
    /// Price per unit of overage.
    pub overage_price: Option<Decimal>,
    /// Price per prepaid unit.
    pub prepay_price: Option<Decimal>,
    /// Overage quantity × overage price.
    pub overage_amount: Option<Decimal>,
    /// Prepay quantity × prepay price.
    pub prepaid_amount: Option<Decimal>,
    /// What could not be read or computed; a line with problems is in no total.
    pub problems: Vec<Problem>,
}

impl LineRollup {
    /// The roll-up of one usage line.
    pub fn from_usage(usage: &SubscriptionOverviewUsage) -> LineRollup {
        let mut problems = Vec::new();
        let usage_quantity = number(&mut problems, "usageQuantity", Some(&usage.usage_quantity));
        let prepay_quantity = number(
            &mut problems,
            "prepayQuantity",
            Some(&usage.prepay_quantity),
        );
        let overage_price = number(
            &mut problems,
            "overagePrice",
            usage.overage_price.as_deref(),
        );
        let prepay_price = number(&mut problems, "prepayPrice", usage.prepay_price.as_deref());
        let overage_quantity = match (usage_quantity, prepay_quantity) {
            (Some(used), Some(prepaid)) => match used.checked_sub(prepaid) {
                Some(over) => Some(over.max(Decimal::ZERO)),
                None => {
                    problems.push(Problem::Overflow {
                        field: "usageQuantity",
                    });
                    None
                }
            },
            _ => None,
        };
        let overage_amount = amount(
            &mut problems,
            "overagePrice",
            overage_quantity,
            overage_price,
            usage.overage_price.is_some(),
        );
        let prepaid_amount = amount(
            &mut problems,
            "prepayPrice",
            prepay_quantity,
            prepay_price,
            usage.prepay_price.is_some(),
        );
        LineRollup {
            name: usage.name.clone(),
            part_number: usage.part_number.clone(),
            unit_of_measure_type: usage.unit_of_measure_type.clone(),
            usage_quantity,
            prepay_quantity,
            overage_quantity,
            overage_price,
            prepay_price,
            overage_amount,
            prepaid_amount,
            problems,
        }
    }

    /// The line's (prepaid, overage) amounts when it counts in totals: no problems.
    fn counted(&self) -> Option<(Decimal, Decimal)> {
        if !self.problems.is_empty() {
            return None;
        }
        Some((self.prepaid_amount?, self.overage_amount?))
    }
}

/// Amounts added up over lines, and how many lines they leave out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Amounts {
    /// Sum of prepaid amounts.
    pub prepaid_amount: Decimal,
    /// Sum of overage amounts.
    pub overage_amount: Decimal,
    /// Prepaid plus overage.
    pub total_amount: Decimal,
    /// Lines left out: a value could not be read, or the sum would overflow.
    pub lines_excluded: usize,
}

impl Amounts {
    /// Adds one line's amounts; `None` (or an overflow) counts it as left out.
    fn add(&mut self, amounts: Option<(Decimal, Decimal)>) {
        let sums = amounts.and_then(|(prepaid, overage)| {
            let prepaid_sum = self.prepaid_amount.checked_add(prepaid)?;
            let overage_sum = self.overage_amount.checked_add(overage)?;
            let total = prepaid_sum.checked_add(overage_sum)?;
            Some((prepaid_sum, overage_sum, total))
        });
        match sums {
            Some((prepaid, overage, total)) => {
                self.prepaid_amount = prepaid;
                self.overage_amount = overage;
                self.total_amount = total;
            }
            None => self.lines_excluded += 1,
        }
    }
}

/// One org's overview for one billing period, rolled up.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PeriodRollup {
    /// The `billingPeriodIndex` asked for.
    pub billing_period_index: i32,
    /// When the billing period starts, as the overview says.
    pub period_start: Option<DateTime<Utc>>,
    /// When the billing period ends, as the overview says.
    pub period_end: Option<DateTime<Utc>>,
    /// The currency of every amount of this period.
    pub currency: String,
    /// The minimum charged for the month, shown beside the total (not applied to it).
    pub minimum_monthly_amount: Option<Decimal>,
    /// A `minimumMonthlyAmount` that is not a number.
    pub minimum_problem: Option<Problem>,
    /// The usage lines, in the overview's order.
    pub lines: Vec<LineRollup>,
    /// The period's totals over its lines without problems.
    pub totals: Amounts,
}

impl PeriodRollup {
    /// The roll-up of one overview.
    pub fn from_overview(billing_period_index: i32, overview: &TrusteeBillingOverview) -> Self {
        let lines: Vec<LineRollup> = overview.usages.iter().map(LineRollup::from_usage).collect();
        let mut totals = Amounts::default();
        for line in &lines {
            totals.add(line.counted());
        }
        let mut problems = Vec::new();
        let minimum_monthly_amount = number(
            &mut problems,
            "minimumMonthlyAmount",
            overview.minimum_monthly_amount.as_deref(),
        );
        PeriodRollup {
            billing_period_index,
            period_start: overview.billing_period_start_date,
            period_end: overview.billing_period_end_date,
            currency: overview.currency.clone(),
            minimum_monthly_amount,
            minimum_problem: problems.pop(),
            lines,
            totals,
        }
    }

    /// How many lines have problems.
    pub fn lines_with_problems(&self) -> usize {
        self.lines.iter().filter(|l| !l.problems.is_empty()).count()
    }
}

/// One org, with each billing period that could be had.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OrgRollup {
    /// The trustor org id, as asked for.
    pub org_id: String,
    /// The org's name from its overview (the org id when no overview names it).
    pub org_name: String,
    /// Its periods, in the order of [`Rollup::periods`]; failed periods are in [`Rollup::failed`].
    pub periods: Vec<PeriodRollup>,
}

/// An org and billing period that could not be had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FailedPeriod {
    /// The trustor org id, as asked for.
    pub org_id: String,
    /// The `billingPeriodIndex` asked for.
    pub billing_period_index: i32,
    /// Why (the error's message).
    pub reason: String,
}

/// One product's totals in one currency and billing period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ProductTotals {
    /// Product part number.
    pub part_number: String,
    /// Product charge name (the first one seen for the part number).
    pub name: String,
    /// Unit of measure (the first one seen for the part number).
    pub unit_of_measure_type: String,
    /// How many orgs have counted lines of it.
    pub orgs: usize,
    /// Sum of usage over the counted lines.
    pub usage_quantity: Decimal,
    /// Sum of prepaid quantities over the counted lines.
    pub prepay_quantity: Decimal,
    /// Sum of overage quantities over the counted lines.
    pub overage_quantity: Decimal,
    /// Its amounts.
    pub amounts: Amounts,
}

/// Totals of one currency in one billing period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CurrencyTotals {
    /// The currency (as the overviews name it, e.g. `USD`).
    pub currency: String,
    /// The `billingPeriodIndex`.
    pub billing_period_index: i32,
    /// How many orgs these totals cover.
    pub orgs: usize,
    /// Sums over those orgs' counted lines.
    pub prepaid_amount: Decimal,
    /// Sum of overage amounts.
    pub overage_amount: Decimal,
    /// Prepaid plus overage.
    pub total_amount: Decimal,
    /// Lines left out (see [`Amounts::lines_excluded`]).
    pub lines_excluded: usize,
    /// Per product (part number), sorted by part number.
    pub products: Vec<ProductTotals>,
}

/// An org's place in the overage ranking of one currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RankedOrg {
    /// The currency of the ranking.
    pub currency: String,
    /// The trustor org id.
    pub org_id: String,
    /// The org's name.
    pub org_name: String,
    /// Its amounts in this currency over all the periods of the roll-up.
    pub amounts: Amounts,
}

/// The roll-up of many orgs over one or more billing periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Rollup {
    /// The billing period indexes asked for, in the order given.
    pub periods: Vec<i32>,
    /// The orgs with at least one period, in the order first seen.
    pub orgs: Vec<OrgRollup>,
    /// Org periods that could not be had.
    pub failed: Vec<FailedPeriod>,
    /// Totals per currency and period, by currency then period.
    pub currencies: Vec<CurrencyTotals>,
    /// Orgs by overage amount (over all periods), highest first, within each currency.
    pub ranking: Vec<RankedOrg>,
}

impl Rollup {
    /// Rolls up the overviews of `periods` (billing period indexes); the results may come in
    /// any order. An org appears once, with its periods in the order of `periods`.
    pub fn build(periods: &[i32], results: impl IntoIterator<Item = OrgPeriod>) -> Rollup {
        let mut orgs: Vec<OrgRollup> = Vec::new();
        let mut position: BTreeMap<String, usize> = BTreeMap::new();
        let mut failed = Vec::new();
        for input in results {
            match input.result {
                Ok(overview) => {
                    let index = *position.entry(input.org_id.clone()).or_insert_with(|| {
                        orgs.push(OrgRollup {
                            org_name: input.org_id.clone(),
                            org_id: input.org_id.clone(),
                            periods: Vec::new(),
                        });
                        orgs.len() - 1
                    });
                    let org = &mut orgs[index];
                    if let Some(name) = overview
                        .organization
                        .name
                        .as_deref()
                        .filter(|n| !n.trim().is_empty())
                    {
                        org.org_name = name.to_owned();
                    }
                    org.periods.push(PeriodRollup::from_overview(
                        input.billing_period_index,
                        &overview,
                    ));
                }
                Err(reason) => failed.push(FailedPeriod {
                    org_id: input.org_id,
                    billing_period_index: input.billing_period_index,
                    reason,
                }),
            }
        }
        // Periods in the order asked; a result for a period not asked for goes last.
        let order = |index: i32| {
            periods
                .iter()
                .position(|&p| p == index)
                .unwrap_or(usize::MAX)
        };
        for org in &mut orgs {
            org.periods.sort_by_key(|p| order(p.billing_period_index));
        }
        failed.sort_by_key(|f| {
            (
                position.get(&f.org_id).copied(),
                order(f.billing_period_index),
            )
        });
        let currencies = currency_totals(&orgs, &order);
        let ranking = ranking(&orgs);
        Rollup {
            periods: periods.to_vec(),
            orgs,
            failed,
            currencies,
            ranking,
        }
    }

    /// The distinct orgs with at least one period failed.
    pub fn failed_orgs(&self) -> usize {
        self.failed
            .iter()
            .map(|f| f.org_id.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// The currencies of the roll-up, sorted.
    pub fn currency_names(&self) -> Vec<&str> {
        self.currencies
            .iter()
            .map(|c| c.currency.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

fn currency_totals(orgs: &[OrgRollup], order: &dyn Fn(i32) -> usize) -> Vec<CurrencyTotals> {
    struct Product<'a> {
        first: &'a LineRollup,
        orgs: BTreeSet<&'a str>,
        usage: Decimal,
        prepay: Decimal,
        overage: Decimal,
        amounts: Amounts,
    }
    #[derive(Default)]
    struct Group<'a> {
        orgs: BTreeSet<&'a str>,
        amounts: Amounts,
        products: BTreeMap<&'a str, Product<'a>>,
    }
    let mut groups: BTreeMap<(&str, usize, i32), Group> = BTreeMap::new();
    for org in orgs {
        for period in &org.periods {
            let key = (
                period.currency.as_str(),
                order(period.billing_period_index),
                period.billing_period_index,
            );
            let group = groups.entry(key).or_default();
            group.orgs.insert(&org.org_id);
            for line in &period.lines {
                let counted = line.counted();
                group.amounts.add(counted);
                let product = group
                    .products
                    .entry(&line.part_number)
                    .or_insert_with(|| Product {
                        first: line,
                        orgs: BTreeSet::new(),
                        usage: Decimal::ZERO,
                        prepay: Decimal::ZERO,
                        overage: Decimal::ZERO,
                        amounts: Amounts::default(),
                    });
                let quantities = counted.and_then(|_| {
                    Some((
                        product.usage.checked_add(line.usage_quantity?)?,
                        product.prepay.checked_add(line.prepay_quantity?)?,
                        product.overage.checked_add(line.overage_quantity?)?,
                    ))
                });
                match quantities {
                    Some((usage, prepay, overage)) => {
                        let before = product.amounts.lines_excluded;
                        product.amounts.add(counted);
                        if product.amounts.lines_excluded == before {
                            product.usage = usage;
                            product.prepay = prepay;
                            product.overage = overage;
                            product.orgs.insert(&org.org_id);
                        }
                    }
                    None => product.amounts.lines_excluded += 1,
                }
            }
        }
    }
    groups
        .into_iter()
        .map(|((currency, _, index), group)| CurrencyTotals {
            currency: currency.to_owned(),
            billing_period_index: index,
            orgs: group.orgs.len(),
            prepaid_amount: group.amounts.prepaid_amount,
            overage_amount: group.amounts.overage_amount,
            total_amount: group.amounts.total_amount,
            lines_excluded: group.amounts.lines_excluded,
            products: group
                .products
                .into_values()
                .map(|p| ProductTotals {
                    part_number: p.first.part_number.clone(),
                    name: p.first.name.clone(),
                    unit_of_measure_type: p.first.unit_of_measure_type.clone(),
                    orgs: p.orgs.len(),
                    usage_quantity: p.usage,
                    prepay_quantity: p.prepay,
                    overage_quantity: p.overage,
                    amounts: p.amounts,
                })
                .collect(),
        })
        .collect()
}

fn ranking(orgs: &[OrgRollup]) -> Vec<RankedOrg> {
    let mut ranked: BTreeMap<(&str, &str), Amounts> = BTreeMap::new();
    for org in orgs {
        for period in &org.periods {
            let amounts = ranked
                .entry((period.currency.as_str(), org.org_id.as_str()))
                .or_default();
            for line in &period.lines {
                amounts.add(line.counted());
            }
        }
    }
    let names: BTreeMap<&str, &str> = orgs
        .iter()
        .map(|o| (o.org_id.as_str(), o.org_name.as_str()))
        .collect();
    let name_of = |id: &str| names.get(id).copied().unwrap_or(id).to_owned();
    let mut ranking: Vec<RankedOrg> = ranked
        .into_iter()
        .map(|((currency, org_id), amounts)| RankedOrg {
            currency: currency.to_owned(),
            org_id: org_id.to_owned(),
            org_name: name_of(org_id),
            amounts,
        })
        .collect();
    ranking.sort_by(|a, b| {
        a.currency
            .cmp(&b.currency)
            .then(b.amounts.overage_amount.cmp(&a.amounts.overage_amount))
            .then(a.org_name.cmp(&b.org_name))
            .then(a.org_id.cmp(&b.org_id))
    });
    ranking
}

/// Reads a quantity or price: an optional `-`, digits, optionally `.` and digits. Anything
/// else (`"n/a"`, `""`, `"1e3"`, `" 5"`) is `None`, never zero.
///
/// ```
/// use billing_api::rollup::parse_decimal;
/// assert_eq!(parse_decimal("198.00").map(|d| d.to_string()).as_deref(), Some("198.00"));
/// assert_eq!(parse_decimal("n/a"), None);
/// assert_eq!(parse_decimal("1e3"), None);
/// ```
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !fraction.is_none_or(digits) {
        return None;
    }
    Decimal::from_str_exact(text).ok()
}

/// Reads `value` of `field`, noting a problem when it is present and not a number.
fn number(
    problems: &mut Vec<Problem>,
    field: &'static str,
    value: Option<&str>,
) -> Option<Decimal> {
    let value = value?;
    let parsed = parse_decimal(value);
    if parsed.is_none() {
        problems.push(Problem::NotANumber {
            field,
            value: value.to_owned(),
        });
    }
    parsed
}

/// quantity × price. A zero quantity costs nothing whatever the price; otherwise an absent
/// price is a problem (an unreadable one already is).
fn amount(
    problems: &mut Vec<Problem>,
    price_field: &'static str,
    quantity: Option<Decimal>,
    price: Option<Decimal>,
    price_present: bool,
) -> Option<Decimal> {
    let quantity = quantity?;
    if quantity.is_zero() {
        return Some(Decimal::ZERO);
    }
    match price {
        Some(price) => {
            let product = quantity.checked_mul(price);
            if product.is_none() {
                problems.push(Problem::Overflow { field: price_field });
            }
            product
        }
        None => {
            if !price_present {
                problems.push(Problem::Missing { field: price_field });
            }
            None
        }
    }
}

/// An amount as text without losing a digit: at least two decimals, trailing zeros beyond
/// them dropped (`1172.8320` → `1172.832`, `5` → `5.00`).
///
/// ```
/// use billing_api::rollup::{money, parse_decimal};
/// assert_eq!(money(&parse_decimal("1172.8320").unwrap()), "1172.832");
/// assert_eq!(money(&parse_decimal("5").unwrap()), "5.00");
/// ```
pub fn money(value: &Decimal) -> String {
    let mut value = value.normalize();
    if value.scale() < 2 {
        value.rescale(2);
    }
    value.to_string()
}

#[cfg(test)]
mod tests;
