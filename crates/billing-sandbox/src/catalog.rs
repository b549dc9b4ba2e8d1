//! What the sandbox knows about each trustor org, shared by every endpoint that shows it: the
//! products it can buy, the orgs, and each org's contract profile and monthly usage. The
//! overview, the contracts, the invoices and the trustors all derive from here, so they agree.

use chrono::{Datelike, Months, NaiveDate};

use crate::wire::{Rng, uuid_from};

/// The subscription types of the spec's enum, most common first.
const SUBSCRIPTION_TYPES: &[&str] = &[
    "PREPAY_MONTHLY_COMMITMENT",
    "MONTH_TO_MONTH",
    "PREPAY",
    "PREPAY_MONTHLY_COMMITMENT",
    "MONTH_TO_MONTH",
    "FREE_TRIAL_MONTH_TO_MONTH",
    "DEV_ORG_MONTH_TO_MONTH",
    "DEV_ORG_PREPAY_MONTHLY_COMMITMENT",
    "DEV_ORG_PREPAY",
    "ININ",
];

const ORG_NAMES: &[&str] = &[
    "Acme Insurance",
    "Northwind Telecom",
    "Contoso Health",
    "Globex Retail",
    "Initech Banking",
    "Umbrella Logistics",
    "Stark Energy",
    "Wayne Travel",
    "Hooli Support",
    "Tyrell Airlines",
];

/// A product on a subscription.
#[derive(Debug)]
pub(crate) struct Product {
    pub(crate) short_name: &'static str,
    pub(crate) name: &'static str,
    pub(crate) part_number: &'static str,
    pub(crate) grouping: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) prepay_price: &'static str,
    pub(crate) overage_price: &'static str,
    pub(crate) bundle: &'static str,
    pub(crate) cancellable: bool,
    pub(crate) third_party: bool,
    /// The `unitOfMeasure` of the contract and invoice API (its own enum, unlike `unit`).
    pub(crate) unit_of_measure: &'static str,
    /// Typical quantity per 100 seats.
    per_hundred: u64,
    pub(crate) notes: &'static str,
}

const PRODUCTS: &[Product] = &[
    Product {
        short_name: "cx3",
        name: "Genesys Cloud CX 3 Named User",
        part_number: "PC-170-NV-USR3N",
        grouping: "user",
        unit: "named-user",
        prepay_price: "155.00",
        overage_price: "186.00",
        bundle: "1",
        cancellable: false,
        third_party: false,
        unit_of_measure: "User",
        per_hundred: 100,
        notes: "Billed on peak named users in the period.",
    },
    Product {
        short_name: "cx2",
        name: "Genesys Cloud CX 2 Concurrent User",
        part_number: "PC-170-NV-USR2C",
        grouping: "user",
        unit: "concurrent-user",
        prepay_price: "165.00",
        overage_price: "198.00",
        bundle: "1",
        cancellable: false,
        third_party: false,
        unit_of_measure: "User",
        per_hundred: 60,
        notes: "Billed on the highest hourly concurrent users.",
    },
    Product {
        short_name: "wem",
        name: "Workforce Engagement Management Add-on",
        part_number: "PC-170-NV-WEMAO",
        grouping: "add-on",
        unit: "named-user",
        prepay_price: "25.00",
        overage_price: "30.00",
        bundle: "1",
        cancellable: true,
        third_party: false,
        unit_of_measure: "User",
        per_hundred: 80,
        notes: "Forecasting, scheduling and quality management per named user.",
    },
    Product {
        short_name: "sta",
        name: "Speech and Text Analytics Add-on",
        part_number: "PC-170-NV-STAAO",
        grouping: "add-on",
        unit: "named-user",
        prepay_price: "20.00",
        overage_price: "24.00",
        bundle: "1",
        cancellable: true,
        third_party: false,
        unit_of_measure: "User",
        per_hundred: 50,
        notes: "Speech and text analytics per named user.",
    },
    Product {
        short_name: "gcv-minutes",
        name: "Genesys Cloud Voice Metered Minutes",
        part_number: "PC-170-NV-GCVMIN",
        grouping: "telephony",
        unit: "minute",
        prepay_price: "0.0080",
        overage_price: "0.0095",
        bundle: "1000",
        cancellable: false,
        third_party: false,
        unit_of_measure: "Minute",
        per_hundred: 180_000,
        notes: "Inbound and outbound PSTN minutes.",
    },
    Product {
        short_name: "byoc-cloud",
        name: "BYOC Cloud Minutes",
        part_number: "PC-170-NV-BYOCCM",
        grouping: "telephony",
        unit: "minute",
        prepay_price: "0.0030",
        overage_price: "0.0040",
        bundle: "1000",
        cancellable: false,
        third_party: false,
        unit_of_measure: "Minute",
        per_hundred: 90_000,
        notes: "Minutes over your own carrier trunks.",
    },
    Product {
        short_name: "edge-device",
        name: "Genesys Cloud Edge Device Rental",
        part_number: "PC-170-NV-EDGE1",
        grouping: "hardware",
        unit: "device",
        prepay_price: "400.00",
        overage_price: "450.00",
        bundle: "1",
        cancellable: true,
        third_party: false,
        unit_of_measure: "Each",
        per_hundred: 2,
        notes: "Hardware rental, shipped separately.",
    },
    Product {
        short_name: "nuance-asr",
        name: "Third-Party Speech Recognition",
        part_number: "PC-170-NV-3PASR",
        grouping: "third-party",
        unit: "session",
        prepay_price: "0.0200",
        overage_price: "0.0250",
        bundle: "1",
        cancellable: true,
        third_party: true,
        unit_of_measure: "Session",
        per_hundred: 12_000,
        notes: "Resold third-party service.",
    },
];

/// A trustor organization known to the sandbox.
#[derive(Debug, Clone)]
pub(crate) struct TrustorOrg {
    pub(crate) index: usize,
    pub(crate) id: String,
    pub(crate) name: String,
}

impl TrustorOrg {
    pub(crate) fn new(index: usize) -> Self {
        let base = ORG_NAMES[index % ORG_NAMES.len()];
        let name = if index < ORG_NAMES.len() {
            base.to_owned()
        } else {
            format!("{base} {}", index / ORG_NAMES.len() + 1)
        };
        Self {
            index,
            id: uuid_from(index as u64, 0x7257_7275_7374),
            name,
        }
    }
}

pub(crate) fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// Months from `from` to `to` (first days of month), negative if `to` is earlier.
pub(crate) fn months_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (i64::from(to.year()) * 12 + i64::from(to.month0()))
        - (i64::from(from.year()) * 12 + i64::from(from.month0()))
}

pub(crate) fn millis(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|dt| dt.and_utc().timestamp_millis())
        .unwrap_or_default()
}

/// The currency an org is billed in: the third org (index 2) in EUR, so that a roll-up meets
/// two currencies; every other org in USD.
fn billing_currency(index: usize) -> &'static str {
    if index == 2 { "EUR" } else { "USD" }
}

/// An org's contract and subscription, fixed for a given `today`.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    /// The day the sandbox takes for today.
    pub(crate) today: NaiveDate,
    /// First day of the month `today` is in: billing period 0.
    pub(crate) current: NaiveDate,
    pub(crate) effective: NaiveDate,
    pub(crate) contract_end: NaiveDate,
    pub(crate) ramp_end: NaiveDate,
    pub(crate) amended: NaiveDate,
    pub(crate) currency: &'static str,
    pub(crate) subscription: &'static str,
    pub(crate) seats: u64,
    pub(crate) products: Vec<&'static Product>,
}

/// One product's usage in one billing period.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Usage {
    pub(crate) product: &'static Product,
    pub(crate) used: u64,
    pub(crate) prepaid: u64,
}

impl Profile {
    pub(crate) fn new(org: &TrustorOrg, today: NaiveDate) -> Self {
        let mut rng = Rng::new(org.index as u64 ^ 0x0F0F_5EED);
        let current = first_of_month(today);
        // The contract: effective 6 to 48 months before the current period, three or five years
        // long, with a three-month ramp and one amendment.
        let contract_age = 6 + rng.below(43) as u32;
        let effective = current - Months::new(contract_age);
        let contract_end = effective + Months::new(if rng.below(2) == 0 { 36 } else { 60 });
        let ramp_end = effective + Months::new(3);
        // Amended some time after signing, never in the future.
        let amended = effective
            + Months::new(contract_age / 2 + rng.below(u64::from(contract_age / 2)) as u32);
        // One draw for the currency whatever the rule, so that the values after it stay put.
        rng.next_u64();
        let currency = billing_currency(org.index);
        let subscription = *rng.pick(SUBSCRIPTION_TYPES);
        let seats = 40 + rng.below(960);
        // The two first user licences are exclusive; add-ons and telephony vary per org.
        let mut products: Vec<&Product> = vec![&PRODUCTS[rng.below(2) as usize]];
        for product in &PRODUCTS[2..] {
            if rng.below(3) != 0 {
                products.push(product);
            }
        }
        Self {
            today,
            current,
            effective,
            contract_end,
            ramp_end,
            amended,
            currency,
            subscription,
            seats,
            products,
        }
    }

    /// The quantity of `product` prepaid each month.
    pub(crate) fn prepaid(&self, product: &Product) -> u64 {
        self.seats * product.per_hundred / 100 * 9 / 10
    }

    /// The smallest amount billed per month.
    pub(crate) fn minimum_monthly(&self) -> u64 {
        self.seats * 120
    }

    /// First day of billing period `index` (0 = the current month, 1 = the month before…).
    pub(crate) fn period_start(&self, index: u32) -> NaiveDate {
        self.current - Months::new(index)
    }

    /// Whether period `index` falls in the contract's ramp.
    pub(crate) fn in_ramp(&self, index: u32) -> bool {
        let start = self.period_start(index);
        start >= first_of_month(self.effective) && start < self.ramp_end
    }

    /// Usage of each product in billing period `index`: seeded by the period too, and lower
    /// while the period is still open (pro rata of today's day) or in the ramp.
    pub(crate) fn usage(&self, org: &TrustorOrg, index: u32) -> Vec<Usage> {
        let mut period_rng = Rng::new(
            (org.index as u64).wrapping_mul(0x1_0000_0001) ^ u64::from(index).wrapping_mul(0x9E37),
        );
        let in_ramp = self.in_ramp(index);
        self.products
            .iter()
            .map(|product| {
                let base = self.seats * product.per_hundred / 100;
                let prepaid = self.prepaid(product);
                let mut used = base * (80 + period_rng.below(45)) / 100;
                if index == 0 {
                    used = used * u64::from(self.today.day()) / 31;
                }
                if in_ramp {
                    used /= 2;
                }
                Usage {
                    product,
                    used,
                    prepaid,
                }
            })
            .collect()
    }
}
