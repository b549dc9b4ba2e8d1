//! Contracts (`BillingContract`), their billing periods and the period details
//! (`BillingContractPeriodDetail`): two contracts per trustor org, the current one (the
//! overview's contract dates) and the three-year one before it. A period's charges are the
//! overview's usage of that month, so the two APIs tell the same story.

use chrono::{Datelike as _, Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::catalog::{Profile, TrustorOrg, first_of_month, months_between};
use crate::entities::{BillingProduct, Customer, NamedEntity, Number, price};
use crate::paging::{self, date_range, invalid_param};
use crate::reply::Reply;
use crate::router::Ctx;
use crate::wire::{ApiError, uuid_from};

/// The contract `status` written by [`crate::Fault::UnknownEnumValues`]: not in the spec's enum.
pub const UNKNOWN_CONTRACT_STATUS: &str = "Suspended";

pub(crate) const CONTRACTS_PATH: &str = "/api/v2/billing/contracts";

/// A contract of a trustor org: its current one (`generation` 0) or the one before (1).
pub(crate) struct Contract<'a> {
    pub(crate) org: &'a TrustorOrg,
    pub(crate) profile: Profile,
    generation: u64,
    /// First and last day, both included.
    pub(crate) start: NaiveDate,
    pub(crate) end: NaiveDate,
    ramp_end: NaiveDate,
}

/// One monthly billing period of a contract.
pub(crate) struct Period {
    pub(crate) id: String,
    pub(crate) start: NaiveDate,
    /// The last day, included.
    pub(crate) end: NaiveDate,
    /// The overview's `billingPeriodIndex` of this month.
    pub(crate) index: u32,
    pub(crate) open: bool,
    /// What the ids of the period's charges and wallet are derived from.
    seed: u64,
}

fn day_before(date: NaiveDate) -> NaiveDate {
    date - Days::new(1)
}

impl<'a> Contract<'a> {
    fn new(org: &'a TrustorOrg, today: NaiveDate, generation: u64) -> Self {
        let profile = Profile::new(org, today);
        let (start, end_exclusive) = if generation == 0 {
            (profile.effective, profile.contract_end)
        } else {
            (profile.effective - Months::new(36), profile.effective)
        };
        Self {
            ramp_end: day_before(start + Months::new(3)),
            end: day_before(end_exclusive),
            start,
            org,
            profile,
            generation,
        }
    }

    /// Both contracts of every org, in org order, the older first.
    pub(crate) fn all(orgs: &'a [TrustorOrg], today: NaiveDate) -> Vec<Self> {
        orgs.iter()
            .flat_map(|org| [Self::new(org, today, 1), Self::new(org, today, 0)])
            .collect()
    }

    /// What every id of this contract is derived from.
    fn seed(&self) -> u64 {
        ((self.org.index as u64) << 1 | self.generation) ^ 0xC0_27AC7
    }

    pub(crate) fn id(&self) -> String {
        uuid_from(self.seed(), 0)
    }

    pub(crate) fn external_number(&self) -> String {
        format!(
            "CTR-{:06}",
            1001 + self.org.index * 2 + (1 - self.generation as usize)
        )
    }

    /// Whether the contract runs in the current month.
    pub(crate) fn active(&self) -> bool {
        let current = self.profile.current;
        self.start <= current && first_of_month(self.end) >= current
    }

    fn purchase_order(&self) -> String {
        format!("PO-{}-{:05}", self.start.year(), self.org.index + 1)
    }

    /// The monthly periods from the first month up to the current one (or the last, if the
    /// contract ended); only the current month of an active contract is still open.
    pub(crate) fn periods(&self) -> Vec<Period> {
        let current = self.profile.current;
        let last = first_of_month(self.end).min(current);
        let months = months_between(self.start, last).max(-1) + 1;
        (0..months as u32)
            .map(|m| {
                let start = first_of_month(self.start) + Months::new(m);
                let index = months_between(start, current).max(0) as u32;
                // Periods of one org never overlap, so the org and the month identify one.
                let month = u64::from(start.year() as u32) << 4 | u64::from(start.month());
                let seed = (self.org.index as u64) << 24 ^ month;
                Period {
                    id: uuid_from(seed ^ 0xB111_9E21, 0),
                    seed,
                    start,
                    end: day_before(start + Months::new(1)).min(self.end),
                    index,
                    open: start == current && self.active(),
                }
            })
            .collect()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BillingContract {
    id: String,
    external_number: String,
    status: &'static str,
    commercial_model: &'static str,
    purchase_order_numbers: Vec<String>,
    bill_to_customer: Customer,
    sold_to_customer: Customer,
    end_customer: Customer,
    date_start: NaiveDate,
    date_end: NaiveDate,
    date_ramp_start: NaiveDate,
    date_ramp_end: NaiveDate,
    billing_periods: Vec<BillingContractPeriod>,
    plans: Vec<BillingPlan>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BillingContractPeriod {
    id: String,
    date_start: NaiveDate,
    date_end: NaiveDate,
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BillingPlan {
    id: String,
    name: String,
    organizations: Vec<NamedEntity>,
    product: BillingProduct,
    items: Vec<BillingPlanItem>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BillingPlanItem {
    item_number: String,
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: &'static str,
    description: &'static str,
    date_charged_through: NaiveDate,
    currency_iso_code: &'static str,
    discount_amount: Number,
    date_effective_start: NaiveDate,
    date_effective_end: NaiveDate,
    overage_price: Number,
    price: Number,
    quantity: u64,
    unit_of_measure: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BillingContractPeriodDetail {
    id: String,
    date_start: NaiveDate,
    date_end: NaiveDate,
    status: &'static str,
    charges: Vec<BillingCharge>,
    wallets: Vec<BillingWallet>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BillingCharge {
    id: String,
    name: &'static str,
    product: BillingProduct,
    organizations: Vec<NamedEntity>,
    prepaid_quantity: Number,
    fairuse_quantity: Number,
    actual_quantity: Number,
    overage_quantity: Number,
    overage_rate: Number,
    overage_charge: Number,
    overage_currency: &'static str,
    converted_token_count: Number,
    token_conversion_rate: Number,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BillingWallet {
    id: String,
    name: &'static str,
    organizations: Vec<NamedEntity>,
    product: BillingProduct,
    starting_balance: Number,
    ending_balance: Number,
    balance_increase: Number,
    balance_decrease: Number,
    balance_consumption: Number,
    balance_overage: Number,
    balance_overage_rate: Number,
    balance_overage_charge: Number,
    balance_overage_currency: &'static str,
    unit_of_measure: &'static str,
}

fn period_status(period: &Period) -> &'static str {
    if period.open { "Open" } else { "Closed" }
}

fn contract_json(contract: &Contract<'_>, unknown_enums: bool) -> BillingContract {
    let profile = &contract.profile;
    let org = NamedEntity::org(contract.org);
    let charged_through = day_before(profile.current).clamp(contract.start, contract.end);
    let plans = profile
        .products
        .iter()
        .enumerate()
        .map(|(i, product)| BillingPlan {
            id: uuid_from(contract.seed() ^ 0x91A7, i as u64),
            name: format!("{} plan", product.name),
            organizations: vec![org.clone()],
            product: BillingProduct::of(product),
            items: vec![BillingPlanItem {
                item_number: format!("{}-01", product.part_number),
                name: product.name,
                kind: "Recurring",
                function: "Prepay",
                description: product.notes,
                date_charged_through: charged_through,
                currency_iso_code: profile.currency,
                discount_amount: Number::money(Decimal::ZERO),
                date_effective_start: contract.start,
                date_effective_end: contract.end,
                overage_price: Number(price(product.overage_price)),
                price: Number(price(product.prepay_price)),
                quantity: profile.prepaid(product),
                unit_of_measure: product.unit_of_measure,
            }],
        })
        .collect();
    let status = match (unknown_enums, contract.active()) {
        (true, _) => UNKNOWN_CONTRACT_STATUS,
        (false, true) => "Active",
        (false, false) => "Inactive",
    };
    let commercial_model = if profile.subscription.contains("PREPAY") {
        "Prepay"
    } else {
        "MonthToMonth"
    };
    BillingContract {
        id: contract.id(),
        external_number: contract.external_number(),
        status,
        commercial_model,
        purchase_order_numbers: vec![contract.purchase_order()],
        bill_to_customer: Customer::partner(),
        sold_to_customer: Customer::partner(),
        end_customer: Customer::end_customer(contract.org),
        date_start: contract.start,
        date_end: contract.end,
        date_ramp_start: contract.start,
        date_ramp_end: contract.ramp_end,
        billing_periods: contract
            .periods()
            .iter()
            .map(|p| BillingContractPeriod {
                id: p.id.clone(),
                date_start: p.start,
                date_end: p.end,
                status: period_status(p),
            })
            .collect(),
        plans,
    }
}

/// The period's charges are the overview's usage lines of that month, priced with the
/// catalog's overage price; the prepaid wallet is drawn down at the prepay price.
fn period_detail(contract: &Contract<'_>, period: &Period) -> BillingContractPeriodDetail {
    let profile = &contract.profile;
    let org = NamedEntity::org(contract.org);
    let usage = profile.usage(contract.org, period.index);
    let mut consumption = Decimal::ZERO;
    let mut overage_total = Decimal::ZERO;
    let mut prepaid_total = Decimal::ZERO;
    let charges = usage
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let overage = u.used.saturating_sub(u.prepaid);
            let rate = price(u.product.overage_price);
            let prepay = price(u.product.prepay_price);
            let charge = Number::money(Decimal::from(overage) * rate);
            overage_total += charge.0;
            prepaid_total += Decimal::from(u.prepaid) * prepay;
            consumption += Decimal::from(u.used.min(u.prepaid)) * prepay;
            BillingCharge {
                id: uuid_from(period.seed ^ 0xC4A2, i as u64),
                name: u.product.name,
                product: BillingProduct::of(u.product),
                organizations: vec![org.clone()],
                prepaid_quantity: Number::whole(u.prepaid),
                fairuse_quantity: Number::whole(0),
                actual_quantity: Number::whole(u.used),
                overage_quantity: Number::whole(overage),
                overage_rate: Number(rate),
                overage_charge: charge,
                overage_currency: profile.currency,
                converted_token_count: Number::whole(0),
                token_conversion_rate: Number::whole(0),
            }
        })
        .collect();
    let starting = Number::money(prepaid_total);
    let consumed = Number::money(consumption);
    let wallets = usage
        .first()
        .map(|first| BillingWallet {
            id: uuid_from(period.seed ^ 0x003A_11E7, 0),
            name: "Prepaid commitment",
            organizations: vec![org.clone()],
            product: BillingProduct::of(first.product),
            starting_balance: starting,
            ending_balance: Number::money(starting.0 - consumed.0),
            balance_increase: Number::money(Decimal::ZERO),
            balance_decrease: consumed,
            balance_consumption: consumed,
            balance_overage: Number::money(overage_total),
            balance_overage_rate: Number::money(Decimal::ONE),
            balance_overage_charge: Number::money(overage_total),
            balance_overage_currency: profile.currency,
            unit_of_measure: "Unit",
        })
        .into_iter()
        .collect();
    BillingContractPeriodDetail {
        id: period.id.clone(),
        date_start: period.start,
        date_end: period.end,
        status: period_status(period),
        charges,
        wallets,
    }
}

/// `GET /api/v2/billing/contracts`: a contract matches `dateStart`/`dateEnd` when it runs on
/// any day between them; `status` and `externalNumber` match exactly.
pub(crate) fn list(ctx: &Ctx<'_>) -> Reply {
    match try_list(ctx) {
        Ok(reply) => reply,
        Err(error) => ctx.error(&error),
    }
}

fn try_list(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let mut filters = Vec::new();
    let (from, to) = date_range(ctx, &mut filters)?;
    let status = match ctx.param("status") {
        None => None,
        Some(s) if s == "Active" => Some(true),
        Some(s) if s == "Inactive" => Some(false),
        Some(other) => return Err(invalid_param("status", &other, "Active, Inactive")),
    };
    filters.extend(status.map(|a| ("status", if a { "Active" } else { "Inactive" }.to_owned())));
    let external = ctx.param("externalNumber");
    filters.extend(external.clone().map(|n| ("externalNumber", n)));

    let config = &ctx.shared.config;
    let contracts: Vec<Contract<'_>> = Contract::all(&config.orgs, config.today())
        .into_iter()
        .filter(|c| from.is_none_or(|d| c.end >= d))
        .filter(|c| to.is_none_or(|d| c.start <= d))
        .filter(|c| status.is_none_or(|a| c.active() == a))
        .filter(|c| external.as_ref().is_none_or(|n| c.external_number() == *n))
        .collect();
    let page = paging::cursor_page(ctx, "contracts", CONTRACTS_PATH, &filters, contracts.len())?;
    let unknown = ctx.variation.unknown_enums;
    let entities = contracts[page.range.clone()]
        .iter()
        .map(|c| contract_json(c, unknown))
        .collect();
    Ok(ctx.ok(&page.listing(entities)))
}

fn find<'a>(ctx: &Ctx<'a>, id: &str) -> Option<Contract<'a>> {
    let config = &ctx.shared.config;
    Contract::all(&config.orgs, config.today())
        .into_iter()
        .find(|c| c.id() == id)
}

/// `GET /api/v2/billing/contracts/{contractId}`.
pub(crate) fn one(ctx: &Ctx<'_>, id: &str) -> Reply {
    match find(ctx, id) {
        Some(contract) => ctx.ok(&contract_json(&contract, ctx.variation.unknown_enums)),
        None => ctx.not_found(),
    }
}

/// `GET /api/v2/billing/contracts/{contractId}/billingperiods/{billingPeriodId}`.
pub(crate) fn period(ctx: &Ctx<'_>, id: &str, period_id: &str) -> Reply {
    let Some(contract) = find(ctx, id) else {
        return ctx.not_found();
    };
    match contract.periods().iter().find(|p| p.id == period_id) {
        Some(period) => ctx.ok(&period_detail(&contract, period)),
        None => ctx.not_found(),
    }
}
