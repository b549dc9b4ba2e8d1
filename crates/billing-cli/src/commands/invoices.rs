//! `invoices list|lines|download`: the org's invoices, one invoice's lines, and its PDF.

use std::path::PathBuf;

use billing_api::InvoicesRequest;
use billing_api::models::{
    BillingInvoice, BillingInvoiceItem, BillingProduct, Customer, InvoiceAddress,
};
use billing_api::operations::GetBillingContractsInvoicesPaymentStatus;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use super::Context;
use super::listing::{self, Column, Layout, PagingArgs, date, given, shown};
use crate::connect::ConnectOptions;
use crate::exit::{Exit, Failure};

/// Arguments of `invoices`.
#[derive(Debug, Clone, Args)]
pub struct InvoicesArgs {
    /// What to show.
    #[command(subcommand)]
    pub command: InvoicesCommand,
}

/// The `invoices` commands.
#[derive(Debug, Clone, Subcommand)]
pub enum InvoicesCommand {
    /// Every invoice of the org (all pages).
    List(ListArgs),
    /// Every line of one invoice (all pages).
    Lines {
        /// The invoice id.
        invoice_id: String,
        /// Paging.
        #[command(flatten)]
        paging: PagingArgs,
    },
    /// Downloads an invoice's PDF to INVOICE_ID.pdf (-o: another file, or a directory to write it in).
    Download {
        /// The invoice id.
        invoice_id: String,
    },
}

/// Arguments of `invoices list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only invoices from this date on (yyyy-mm-dd).
    #[arg(long, value_name = "DATE", value_parser = listing::parse_day)]
    pub from: Option<NaiveDate>,

    /// Only invoices up to this date (yyyy-mm-dd).
    #[arg(long, value_name = "DATE", value_parser = listing::parse_day)]
    pub to: Option<NaiveDate>,

    /// Only invoices with this payment status.
    #[arg(long, value_enum)]
    pub payment_status: Option<PaymentStatus>,

    /// Paging.
    #[command(flatten)]
    pub paging: PagingArgs,
}

/// A payment status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PaymentStatus {
    /// Paid invoices.
    Paid,
    /// Invoices not paid yet.
    Unpaid,
}

/// Runs `invoices`.
pub(crate) async fn run(ctx: &Context, args: InvoicesArgs) -> Result<Exit, Failure> {
    if let InvoicesCommand::List(list) = &args.command {
        listing::check_dates(list.from, list.to)?;
    }
    let session = ctx.connect(ConnectOptions::default()).await?;
    let client = &session.client;
    match args.command {
        InvoicesCommand::List(list) => {
            let status = list.payment_status.map(|status| match status {
                PaymentStatus::Paid => GetBillingContractsInvoicesPaymentStatus::Paid,
                PaymentStatus::Unpaid => GetBillingContractsInvoicesPaymentStatus::UnPaid,
            });
            let request = given(client.invoices(), status, InvoicesRequest::payment_status);
            let request = given(request, list.from, InvoicesRequest::date_start);
            let request = given(request, list.to, InvoicesRequest::date_end);
            listing::run(ctx, request, &list.paging, &invoices()).await
        }
        InvoicesCommand::Lines { invoice_id, paging } => {
            listing::run(ctx, client.invoice_lines(invoice_id), &paging, &lines()).await
        }
        InvoicesCommand::Download { invoice_id } => {
            let default_name = format!("{invoice_id}.pdf");
            // `-o DIR` means "into DIR", as with `cp`: the default name inside it.
            let path = match ctx.destination.file().map(PathBuf::from) {
                Some(dir) if dir.is_dir() => dir.join(default_name),
                Some(file) => file,
                None => PathBuf::from(default_name),
            };
            let document = client.download_invoice(&invoice_id, &path).await?;
            eprintln!(
                "wrote {} ({} bytes, {})",
                path.display(),
                document.size,
                document
                    .content_type
                    .as_deref()
                    .unwrap_or("no content type")
            );
            Ok(Exit::Ok)
        }
    }
}

fn customer(value: &Option<Customer>, field: fn(&Customer) -> &Option<String>) -> String {
    value.as_ref().map(|c| shown(field(c))).unwrap_or_default()
}

fn address(value: &Option<InvoiceAddress>, field: fn(&InvoiceAddress) -> String) -> String {
    value.as_ref().map(field).unwrap_or_default()
}

fn product(value: &Option<BillingProduct>, field: fn(&BillingProduct) -> String) -> String {
    value.as_ref().map(field).unwrap_or_default()
}

/// The columns of one `InvoiceAddress` field, under `$prefix.`.
macro_rules! address_columns {
    ($prefix:literal, $field:ident) => {{
        let columns: [Column<BillingInvoice>; 14] = [
            (concat!($prefix, ".dateEffective"), |i: &BillingInvoice| {
                address(&i.$field, |a| date(&a.date_effective))
            }),
            (concat!($prefix, ".addressType"), |i: &BillingInvoice| {
                address(&i.$field, |a| shown(&a.address_type))
            }),
            (
                concat!($prefix, ".currencyIsoCode"),
                |i: &BillingInvoice| address(&i.$field, |a| shown(&a.currency_iso_code)),
            ),
            (concat!($prefix, ".line1"), |i: &BillingInvoice| {
                address(&i.$field, |a| shown(&a.line1))
            }),
            (concat!($prefix, ".line2"), |i: &BillingInvoice| {
                address(&i.$field, |a| shown(&a.line2))
            }),
            (concat!($prefix, ".line3"), |i: &BillingInvoice| {
                address(&i.$field, |a| shown(&a.line3))
            }),
            (concat!($prefix, ".cityName"), |i: &BillingInvoice| {
                address(&i.$field, |a| shown(&a.city_name))
            }),
            (concat!($prefix, ".postalCode"), |i: &BillingInvoice| {
                address(&i.$field, |a| shown(&a.postal_code))
            }),
            (concat!($prefix, ".stateCode"), |i: &BillingInvoice| {
                address(&i.$field, |a| shown(&a.state_code))
            }),
            (concat!($prefix, ".countryCode"), |i: &BillingInvoice| {
                address(&i.$field, |a| shown(&a.country_code))
            }),
            (
                concat!($prefix, ".citySubdivision1"),
                |i: &BillingInvoice| address(&i.$field, |a| shown(&a.city_subdivision1)),
            ),
            (
                concat!($prefix, ".regionSubdivision1"),
                |i: &BillingInvoice| address(&i.$field, |a| shown(&a.region_subdivision1)),
            ),
            (
                concat!($prefix, ".regionSubdivision2"),
                |i: &BillingInvoice| address(&i.$field, |a| shown(&a.region_subdivision2)),
            ),
            (concat!($prefix, ".country"), |i: &BillingInvoice| {
                address(&i.$field, |a| shown(&a.country))
            }),
        ];
        columns
    }};
}

/// How invoices print.
fn invoices() -> Layout<BillingInvoice> {
    let mut csv: Vec<Column<BillingInvoice>> = vec![
        ("id", |i| shown(&i.id)),
        ("dateInvoiced", |i| date(&i.date_invoiced)),
        ("currencyIsoCode", |i| shown(&i.currency_iso_code)),
        ("amount", |i| shown(&i.amount)),
        ("paymentStatus", |i| shown(&i.payment_status)),
        ("paymentTerms", |i| shown(&i.payment_terms)),
        ("paymentLink", |i| shown(&i.payment_link)),
        ("customerPoNumber", |i| shown(&i.customer_po_number)),
        ("customerInvoiceType", |i| shown(&i.customer_invoice_type)),
        ("billToCustomer.id", |i| {
            customer(&i.bill_to_customer, |c| &c.id)
        }),
        ("billToCustomer.number", |i| {
            customer(&i.bill_to_customer, |c| &c.number)
        }),
        ("billToCustomer.name", |i| {
            customer(&i.bill_to_customer, |c| &c.name)
        }),
        ("shipToCustomer.id", |i| {
            customer(&i.ship_to_customer, |c| &c.id)
        }),
        ("shipToCustomer.number", |i| {
            customer(&i.ship_to_customer, |c| &c.number)
        }),
        ("shipToCustomer.name", |i| {
            customer(&i.ship_to_customer, |c| &c.name)
        }),
        ("soldToCustomer.id", |i| {
            customer(&i.sold_to_customer, |c| &c.id)
        }),
        ("soldToCustomer.number", |i| {
            customer(&i.sold_to_customer, |c| &c.number)
        }),
        ("soldToCustomer.name", |i| {
            customer(&i.sold_to_customer, |c| &c.name)
        }),
    ];
    csv.extend(address_columns!("billToAddress", bill_to_address));
    csv.extend(address_columns!("shipToAddress", ship_to_address));
    Layout {
        noun: "invoices",
        csv,
        table: vec![
            ("Invoice", |i| shown(&i.id)),
            ("Date", |i| date(&i.date_invoiced)),
            ("Bill to", |i| customer(&i.bill_to_customer, |c| &c.name)),
            ("Amount", |i| shown(&i.amount)),
            ("Currency", |i| shown(&i.currency_iso_code)),
            ("Payment", |i| shown(&i.payment_status)),
            ("Terms", |i| shown(&i.payment_terms)),
        ],
        right: &["Amount"],
    }
}

/// How invoice lines print.
fn lines() -> Layout<BillingInvoiceItem> {
    Layout {
        noun: "invoice lines",
        csv: vec![
            ("id", |l| shown(&l.id)),
            ("product.id", |l| product(&l.product, |p| shown(&p.id))),
            ("product.sku", |l| product(&l.product, |p| shown(&p.sku))),
            ("product.name", |l| product(&l.product, |p| shown(&p.name))),
            ("product.unitOfMeasure", |l| {
                product(&l.product, |p| shown(&p.unit_of_measure))
            }),
            ("description", |l| shown(&l.description)),
            ("dateTransacted", |l| date(&l.date_transacted)),
            ("dateStart", |l| date(&l.date_start)),
            ("dateEnd", |l| date(&l.date_end)),
            ("organization.id", |l| {
                l.organization
                    .as_ref()
                    .map(|o| shown(&o.id))
                    .unwrap_or_default()
            }),
            ("organization.name", |l| {
                l.organization
                    .as_ref()
                    .map(|o| shown(&o.name))
                    .unwrap_or_default()
            }),
            ("quantity", |l| shown(&l.quantity)),
            ("unitOfMeasure", |l| shown(&l.unit_of_measure)),
            ("amount", |l| shown(&l.amount)),
        ],
        table: vec![
            ("Product", |l| product(&l.product, |p| shown(&p.name))),
            ("Description", |l| shown(&l.description)),
            ("Org", |l| {
                l.organization
                    .as_ref()
                    .map(|o| shown(&o.name))
                    .unwrap_or_default()
            }),
            ("From", |l| date(&l.date_start)),
            ("To", |l| date(&l.date_end)),
            ("Quantity", |l| shown(&l.quantity)),
            ("Unit", |l| shown(&l.unit_of_measure)),
            ("Amount", |l| shown(&l.amount)),
        ],
        right: &["Quantity", "Amount"],
    }
}
