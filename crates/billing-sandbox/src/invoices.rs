//! Invoices (`BillingInvoice`), their lines (`BillingInvoiceItem`) and the document URL: one
//! invoice per trustor org for each of the last twelve closed months, newest first. The first
//! lines of an invoice are that month's usage, one per product; further lines (see
//! [`SandboxBuilder::invoice_lines_per_invoice`](crate::SandboxBuilder::invoice_lines_per_invoice))
//! are small adjustments. The invoice `amount` is the exact sum of its lines' amounts.

use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use crate::catalog::{Profile, TrustorOrg, Usage};
use crate::entities::{BillingProduct, Customer, NamedEntity, Number, price};
use crate::paging::{self, date_range, invalid_param};
use crate::reply::Reply;
use crate::router::Ctx;
use crate::wire::{ApiError, Rng, uuid_from};

/// The `paymentStatus` written by [`crate::Fault::UnknownEnumValues`]: not in the spec's enum.
pub const UNKNOWN_PAYMENT_STATUS: &str = "PartiallyPaid";

pub(crate) const INVOICES_PATH: &str = "/api/v2/billing/contracts/invoices";

/// How many closed months have an invoice.
const INVOICE_MONTHS: u32 = 12;

/// An invoice: one org, one closed billing period.
pub(crate) struct Invoice<'a> {
    org: &'a TrustorOrg,
    profile: Profile,
    /// The overview's `billingPeriodIndex` of the invoiced month (1 = last month).
    index: u32,
}

impl<'a> Invoice<'a> {
    /// Every invoice, newest month first, then in org order.
    pub(crate) fn all(orgs: &'a [TrustorOrg], today: NaiveDate) -> Vec<Self> {
        (1..=INVOICE_MONTHS)
            .flat_map(|index| {
                orgs.iter().map(move |org| Self {
                    org,
                    profile: Profile::new(org, today),
                    index,
                })
            })
            .collect()
    }

    pub(crate) fn find(orgs: &'a [TrustorOrg], today: NaiveDate, id: &str) -> Option<Self> {
        Self::all(orgs, today).into_iter().find(|i| i.id() == id)
    }

    fn seed(&self) -> u64 {
        (self.org.index as u64) << 8 ^ u64::from(self.index) ^ 0x1A70_10CE
    }

    pub(crate) fn id(&self) -> String {
        uuid_from(self.seed(), 0)
    }

    fn number(&self) -> String {
        let start = self.period_start();
        format!(
            "INV-{}{:02}-{:05}",
            start.format("%Y"),
            start.format("%m"),
            self.org.index + 1
        )
    }

    fn period_start(&self) -> NaiveDate {
        self.profile.period_start(self.index)
    }

    fn period_end(&self) -> NaiveDate {
        self.period_start() + Months::new(1) - Days::new(1)
    }

    /// Invoiced on the third day after the period.
    fn date_invoiced(&self) -> NaiveDate {
        self.period_end() + Days::new(3)
    }

    /// The two latest months are unpaid, and now and then an older one.
    fn paid(&self) -> bool {
        self.index > 2 && (self.org.index + self.index as usize) % 7 != 0
    }

    fn usage(&self) -> Vec<Usage> {
        self.profile.usage(self.org, self.index)
    }

    fn line_count(&self, configured: Option<usize>) -> usize {
        configured.unwrap_or(self.profile.products.len())
    }

    /// Line `i`: the month's usage of a product, or a small adjustment past the products.
    fn line(&self, usage: &[Usage], i: usize) -> Line {
        let at = i % usage.len().max(1);
        let Some(u) = usage.get(at) else {
            return Line::default();
        };
        let quantity = if i < usage.len() {
            u.used
        } else {
            1 + Rng::new(self.seed() ^ i as u64).below(500)
        };
        Line {
            product: Some(*u),
            quantity,
            amount: Number::money(Decimal::from(quantity) * price(u.product.prepay_price)),
        }
    }

    /// The exact sum of the lines.
    fn amount(&self, configured: Option<usize>) -> Number {
        let usage = self.usage();
        let total = (0..self.line_count(configured))
            .map(|i| self.line(&usage, i).amount.0)
            .sum();
        Number::money(total)
    }
}

#[derive(Default)]
struct Line {
    product: Option<Usage>,
    quantity: u64,
    amount: Number,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InvoiceAddress {
    date_effective: NaiveDate,
    address_type: &'static str,
    currency_iso_code: &'static str,
    line1: &'static str,
    line2: &'static str,
    line3: &'static str,
    city_name: &'static str,
    postal_code: &'static str,
    state_code: &'static str,
    country_code: &'static str,
    city_subdivision1: &'static str,
    region_subdivision1: &'static str,
    region_subdivision2: &'static str,
    country: &'static str,
}

impl InvoiceAddress {
    fn partner(address_type: &'static str, currency: &'static str) -> Self {
        Self {
            date_effective: NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default(),
            address_type,
            currency_iso_code: currency,
            line1: "1 Partner Plaza",
            line2: "Suite 400",
            line3: "Accounts Payable",
            city_name: "Indianapolis",
            postal_code: "46204",
            state_code: "IN",
            country_code: "US",
            city_subdivision1: "Downtown",
            region_subdivision1: "Marion County",
            region_subdivision2: "Center Township",
            country: "United States",
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BillingInvoice {
    id: String,
    bill_to_customer: Customer,
    ship_to_customer: Customer,
    sold_to_customer: Customer,
    date_invoiced: NaiveDate,
    bill_to_address: InvoiceAddress,
    ship_to_address: InvoiceAddress,
    currency_iso_code: &'static str,
    payment_status: &'static str,
    payment_terms: &'static str,
    payment_link: String,
    customer_po_number: String,
    customer_invoice_type: &'static str,
    amount: Number,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BillingInvoiceItem {
    id: String,
    product: BillingProduct,
    description: String,
    date_transacted: NaiveDate,
    date_start: NaiveDate,
    date_end: NaiveDate,
    organization: NamedEntity,
    quantity: u64,
    unit_of_measure: &'static str,
    amount: Number,
}

fn invoice_json(invoice: &Invoice<'_>, lines: Option<usize>, unknown: bool) -> BillingInvoice {
    let currency = invoice.profile.currency;
    let status = match (unknown, invoice.paid()) {
        (true, _) => UNKNOWN_PAYMENT_STATUS,
        (false, true) => "Paid",
        (false, false) => "Unpaid",
    };
    BillingInvoice {
        id: invoice.id(),
        bill_to_customer: Customer::partner(),
        ship_to_customer: Customer::partner(),
        sold_to_customer: Customer::partner(),
        date_invoiced: invoice.date_invoiced(),
        bill_to_address: InvoiceAddress::partner("BillTo", currency),
        ship_to_address: InvoiceAddress::partner("ShipTo", currency),
        currency_iso_code: currency,
        payment_status: status,
        payment_terms: "Net 30",
        payment_link: format!("https://billing.example.com/pay/{}", invoice.number()),
        customer_po_number: format!("PO-{:05}", invoice.org.index + 1),
        customer_invoice_type: "Invoice",
        amount: invoice.amount(lines),
    }
}

/// `GET /api/v2/billing/contracts/invoices`: `dateStart`/`dateEnd` bound `dateInvoiced`
/// (inclusive); `paymentStatus` is `Paid` or `UnPaid` (the query's spelling; the field says
/// `Unpaid`).
pub(crate) fn list(ctx: &Ctx<'_>) -> Reply {
    match try_list(ctx) {
        Ok(reply) => reply,
        Err(error) => ctx.error(&error),
    }
}

fn try_list(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let mut filters = Vec::new();
    let (from, to) = date_range(ctx, &mut filters)?;
    let paid = match ctx.param("paymentStatus") {
        None => None,
        Some(s) if s == "Paid" => Some(true),
        Some(s) if s == "UnPaid" => Some(false),
        Some(other) => return Err(invalid_param("paymentStatus", &other, "Paid, UnPaid")),
    };
    filters.extend(paid.map(|p| {
        (
            "paymentStatus",
            if p { "Paid" } else { "UnPaid" }.to_owned(),
        )
    }));
    let config = &ctx.shared.config;
    let invoices: Vec<Invoice<'_>> = Invoice::all(&config.orgs, config.today())
        .into_iter()
        .filter(|i| from.is_none_or(|d| i.date_invoiced() >= d))
        .filter(|i| to.is_none_or(|d| i.date_invoiced() <= d))
        .filter(|i| paid.is_none_or(|p| i.paid() == p))
        .collect();
    let page = paging::cursor_page(ctx, "invoices", INVOICES_PATH, &filters, invoices.len())?;
    let (lines, unknown) = (config.invoice_lines, ctx.variation.unknown_enums);
    let entities = invoices[page.range.clone()]
        .iter()
        .map(|i| invoice_json(i, lines, unknown))
        .collect();
    Ok(ctx.ok(&page.listing(entities)))
}

/// `GET /api/v2/billing/contracts/invoices/{invoiceId}/lines`.
pub(crate) fn lines(ctx: &Ctx<'_>, id: &str) -> Reply {
    let config = &ctx.shared.config;
    let Some(invoice) = Invoice::find(&config.orgs, config.today(), id) else {
        return ctx.not_found();
    };
    let total = invoice.line_count(config.invoice_lines);
    let path = format!("{INVOICES_PATH}/{id}/lines");
    let scope = format!("lines:{id}");
    let page = match paging::cursor_page(ctx, &scope, &path, &[], total) {
        Ok(page) => page,
        Err(error) => return ctx.error(&error),
    };
    let usage = invoice.usage();
    let org = NamedEntity::org(invoice.org);
    let (start, end) = (invoice.period_start(), invoice.period_end());
    let items: Vec<BillingInvoiceItem> = page
        .range
        .clone()
        .filter_map(|i| {
            let line = invoice.line(&usage, i);
            let product = line.product?.product;
            let description = if i < usage.len() {
                format!("{} usage {}", product.name, start.format("%B %Y"))
            } else {
                format!("{} adjustment {}", product.name, i + 1 - usage.len())
            };
            Some(BillingInvoiceItem {
                id: uuid_from(invoice.seed() ^ 0x11AE, i as u64),
                product: BillingProduct::of(product),
                description,
                date_transacted: end,
                date_start: start,
                date_end: end,
                organization: org.clone(),
                quantity: line.quantity,
                unit_of_measure: product.unit_of_measure,
                amount: line.amount,
            })
        })
        .collect();
    ctx.ok(&page.listing(items))
}

/// `GET /api/v2/billing/contracts/invoices/{invoiceId}/document`: a pre-signed URL on the
/// document host, which must be fetched without the API's bearer token.
pub(crate) fn document(ctx: &Ctx<'_>, id: &str) -> Reply {
    let config = &ctx.shared.config;
    if Invoice::find(&config.orgs, config.today(), id).is_none() {
        return ctx.not_found();
    }
    let url = crate::documents::signed_url(config, id);
    ctx.ok(&json!({ "url": url }))
}

/// The PDF text of an invoice, for the document host.
pub(crate) fn summary(
    orgs: &[TrustorOrg],
    today: NaiveDate,
    id: &str,
    lines: Option<usize>,
) -> Option<Vec<String>> {
    let invoice = Invoice::find(orgs, today, id)?;
    let amount = serde_json::to_string(&invoice.amount(lines)).ok()?;
    Some(vec![
        format!("Invoice {}", invoice.number()),
        format!("Customer: {}", invoice.org.name),
        format!("Invoiced: {}", invoice.date_invoiced()),
        format!("Amount: {amount} {}", invoice.profile.currency),
    ])
}
