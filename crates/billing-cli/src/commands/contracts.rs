//! `contracts list|show|period`: the org's contracts, one contract, and one billing period's
//! charges and wallets.

use std::io::{self, Write};

use billing_api::ContractsRequest;
use billing_api::models::{
    BillingCharge, BillingContract, BillingContractPeriodDetail, BillingWallet,
};
use billing_api::operations::GetBillingContractsStatus;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use super::Context;
use super::listing::{self, Column, Layout, PagingArgs, date, given, json, shown};
use crate::cli::Format;
use crate::connect::ConnectOptions;
use crate::exit::{Exit, Failure};
use crate::format::Printer;

/// Arguments of `contracts`.
#[derive(Debug, Clone, Args)]
pub struct ContractsArgs {
    /// What to show.
    #[command(subcommand)]
    pub command: ContractsCommand,
}

/// The `contracts` commands.
#[derive(Debug, Clone, Subcommand)]
pub enum ContractsCommand {
    /// Every contract of the org (all pages).
    List(ListArgs),
    /// One contract, with its billing periods and plans.
    Show {
        /// The contract id.
        contract_id: String,
    },
    /// One billing period of a contract: its charges and prepaid wallets.
    Period {
        /// The contract id.
        contract_id: String,
        /// The billing period id (see `contracts show`).
        period_id: String,
    },
}

/// Arguments of `contracts list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only contracts with this status.
    #[arg(long, value_enum)]
    pub status: Option<Status>,

    /// Only contracts from this date on (yyyy-mm-dd).
    #[arg(long, value_name = "DATE", value_parser = listing::parse_day)]
    pub from: Option<NaiveDate>,

    /// Only contracts up to this date (yyyy-mm-dd).
    #[arg(long, value_name = "DATE", value_parser = listing::parse_day)]
    pub to: Option<NaiveDate>,

    /// Only the contract with this external number.
    #[arg(long, value_name = "N")]
    pub external_number: Option<String>,

    /// Paging.
    #[command(flatten)]
    pub paging: PagingArgs,
}

/// A contract status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Status {
    /// Active contracts.
    Active,
    /// Inactive contracts.
    Inactive,
}

/// Runs `contracts`.
pub(crate) async fn run(ctx: &Context, args: ContractsArgs) -> Result<Exit, Failure> {
    if let ContractsCommand::List(list) = &args.command {
        listing::check_dates(list.from, list.to)?;
    }
    let session = ctx.connect(ConnectOptions::default()).await?;
    let client = &session.client;
    match args.command {
        ContractsCommand::List(list) => {
            let status = list.status.map(|status| match status {
                Status::Active => GetBillingContractsStatus::Active,
                Status::Inactive => GetBillingContractsStatus::Inactive,
            });
            let request = given(client.contracts(), status, ContractsRequest::status);
            let request = given(request, list.from, ContractsRequest::date_start);
            let request = given(request, list.to, ContractsRequest::date_end);
            let request = given(request, list.external_number, |r, n: String| {
                r.external_number(n)
            });
            listing::run(ctx, request, &list.paging, &contracts()).await
        }
        ContractsCommand::Show { contract_id } => {
            let contract = client.get_billing_contract(&contract_id).await?;
            ctx.destination
                .write(|out, printer| contract_out(out, printer, &contract))?;
            Ok(Exit::Ok)
        }
        ContractsCommand::Period {
            contract_id,
            period_id,
        } => {
            let period = client
                .get_billing_contract_billingperiod(&contract_id, &period_id)
                .await?;
            ctx.destination
                .write(|out, printer| period_out(out, printer, &period))?;
            Ok(Exit::Ok)
        }
    }
}

/// How contracts print.
fn contracts() -> Layout<BillingContract> {
    Layout {
        noun: "contracts",
        csv: vec![
            ("id", |c| shown(&c.id)),
            ("externalNumber", |c| shown(&c.external_number)),
            ("status", |c| shown(&c.status)),
            ("commercialModel", |c| shown(&c.commercial_model)),
            ("purchaseOrderNumbers", |c| json(&c.purchase_order_numbers)),
            ("billToCustomer.id", |c| {
                customer(&c.bill_to_customer, |x| &x.id)
            }),
            ("billToCustomer.number", |c| {
                customer(&c.bill_to_customer, |x| &x.number)
            }),
            ("billToCustomer.name", |c| {
                customer(&c.bill_to_customer, |x| &x.name)
            }),
            ("soldToCustomer.id", |c| {
                customer(&c.sold_to_customer, |x| &x.id)
            }),
            ("soldToCustomer.number", |c| {
                customer(&c.sold_to_customer, |x| &x.number)
            }),
            ("soldToCustomer.name", |c| {
                customer(&c.sold_to_customer, |x| &x.name)
            }),
            ("endCustomer.id", |c| customer(&c.end_customer, |x| &x.id)),
            ("endCustomer.number", |c| {
                customer(&c.end_customer, |x| &x.number)
            }),
            ("endCustomer.name", |c| {
                customer(&c.end_customer, |x| &x.name)
            }),
            ("dateStart", |c| date(&c.date_start)),
            ("dateEnd", |c| date(&c.date_end)),
            ("dateRampStart", |c| date(&c.date_ramp_start)),
            ("dateRampEnd", |c| date(&c.date_ramp_end)),
            ("billingPeriods", |c| json(&c.billing_periods)),
            ("plans", |c| json(&c.plans)),
        ],
        table: vec![
            ("Contract", |c| shown(&c.id)),
            ("External number", |c| shown(&c.external_number)),
            ("Status", |c| shown(&c.status)),
            ("Bill to", |c| customer(&c.bill_to_customer, |x| &x.name)),
            ("Start", |c| date(&c.date_start)),
            ("End", |c| date(&c.date_end)),
            ("Periods", |c| count(&c.billing_periods)),
            ("Plans", |c| count(&c.plans)),
        ],
        right: &["Periods", "Plans"],
    }
}

fn customer(
    value: &Option<billing_api::models::Customer>,
    field: fn(&billing_api::models::Customer) -> &Option<String>,
) -> String {
    value.as_ref().map(|c| shown(field(c))).unwrap_or_default()
}

fn count<T>(value: &Option<Vec<T>>) -> String {
    value.as_ref().map_or(0, Vec::len).to_string()
}

/// One contract: JSON as served, one CSV row, or its facts with its periods and plans.
fn contract_out(
    out: &mut dyn Write,
    printer: &Printer,
    contract: &BillingContract,
) -> io::Result<()> {
    let layout = &contracts();
    match printer.format {
        // Refused before connecting (run.rs); HTML is the partner report's.
        Format::Html => Err(crate::format::html_is_for_partner()),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, contract)?;
            writeln!(out)
        }
        Format::Ndjson => {
            serde_json::to_writer(&mut *out, contract)?;
            writeln!(out)
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(layout.csv.iter().map(|(name, _)| name))?;
            csv.write_record(layout.csv.iter().map(|(_, read)| read(contract)))?;
            csv.flush()
        }
        Format::Table => {
            writeln!(
                out,
                "{}",
                listing::table(
                    printer,
                    &layout.table,
                    layout.right,
                    std::slice::from_ref(contract)
                )
            )?;
            let periods = contract.billing_periods.as_deref().unwrap_or_default();
            if !periods.is_empty() {
                let columns: &[Column<billing_api::models::BillingContractPeriod>] = &[
                    ("Billing period", |p| shown(&p.id)),
                    ("Start", |p| date(&p.date_start)),
                    ("End", |p| date(&p.date_end)),
                    ("Status", |p| shown(&p.status)),
                ];
                writeln!(out, "{}", listing::table(printer, columns, &[], periods))?;
            }
            let plans = contract.plans.as_deref().unwrap_or_default();
            if !plans.is_empty() {
                let columns: &[Column<billing_api::models::BillingPlan>] = &[
                    ("Plan", |p| shown(&p.name)),
                    ("Product", |p| {
                        shown(&p.product.as_ref().and_then(|x| x.name.clone()))
                    }),
                    ("Items", |p| count(&p.items)),
                    ("Orgs", |p| count(&p.organizations)),
                ];
                writeln!(
                    out,
                    "{}",
                    listing::table(printer, columns, &["Items", "Orgs"], plans)
                )?;
            }
            Ok(())
        }
    }
}

/// Charges and wallets of one period share one CSV: a `record` column says which a row is,
/// and each row fills the columns of its kind.
const PERIOD_CSV_HEADER: [&str; 26] = [
    "record",
    "id",
    "name",
    "product.id",
    "product.sku",
    "product.name",
    "product.unitOfMeasure",
    "organizations",
    "prepaidQuantity",
    "fairuseQuantity",
    "actualQuantity",
    "overageQuantity",
    "overageRate",
    "overageCharge",
    "overageCurrency",
    "convertedTokenCount",
    "tokenConversionRate",
    "startingBalance",
    "endingBalance",
    "balanceIncrease",
    "balanceDecrease",
    "balanceConsumption",
    "balanceOverage",
    "balanceOverageRate",
    "balanceOverageCharge",
    "balanceOverageCurrency",
];

fn product(value: &Option<billing_api::models::BillingProduct>) -> [String; 4] {
    match value {
        Some(p) => [
            shown(&p.id),
            shown(&p.sku),
            shown(&p.name),
            shown(&p.unit_of_measure),
        ],
        None => Default::default(),
    }
}

fn charge_row(c: &BillingCharge) -> Vec<String> {
    let mut row = vec!["charge".to_owned(), shown(&c.id), shown(&c.name)];
    row.extend(product(&c.product));
    row.push(json(&c.organizations));
    row.extend(
        [
            &c.prepaid_quantity,
            &c.fairuse_quantity,
            &c.actual_quantity,
            &c.overage_quantity,
            &c.overage_rate,
            &c.overage_charge,
        ]
        .map(shown),
    );
    row.push(shown(&c.overage_currency));
    row.push(shown(&c.converted_token_count));
    row.push(shown(&c.token_conversion_rate));
    row.resize(PERIOD_CSV_HEADER.len(), String::new());
    row
}

fn wallet_row(w: &BillingWallet) -> Vec<String> {
    let mut row = vec!["wallet".to_owned(), shown(&w.id), shown(&w.name)];
    row.extend(product(&w.product));
    row.push(json(&w.organizations));
    row.resize(17, String::new());
    row.extend(
        [
            &w.starting_balance,
            &w.ending_balance,
            &w.balance_increase,
            &w.balance_decrease,
            &w.balance_consumption,
            &w.balance_overage,
            &w.balance_overage_rate,
            &w.balance_overage_charge,
        ]
        .map(shown),
    );
    row.push(shown(&w.balance_overage_currency));
    row
}

/// One billing period: JSON as served, a CSV row per charge and wallet, or two tables.
fn period_out(
    out: &mut dyn Write,
    printer: &Printer,
    period: &BillingContractPeriodDetail,
) -> io::Result<()> {
    let charges = period.charges.as_deref().unwrap_or_default();
    let wallets = period.wallets.as_deref().unwrap_or_default();
    match printer.format {
        // Refused before connecting (run.rs); HTML is the partner report's.
        Format::Html => Err(crate::format::html_is_for_partner()),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, period)?;
            writeln!(out)
        }
        Format::Ndjson => {
            serde_json::to_writer(&mut *out, period)?;
            writeln!(out)
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(PERIOD_CSV_HEADER)?;
            for c in charges {
                csv.write_record(charge_row(c))?;
            }
            for w in wallets {
                csv.write_record(wallet_row(w))?;
            }
            csv.flush()
        }
        Format::Table => {
            writeln!(
                out,
                "Billing period {}: {} to {}, {}",
                shown(&period.id),
                date(&period.date_start),
                date(&period.date_end),
                shown(&period.status)
            )?;
            if charges.is_empty() {
                writeln!(out, "no charges")?;
            } else {
                let columns: &[Column<BillingCharge>] = &[
                    ("Charge", |c| shown(&c.name)),
                    ("Product", |c| product(&c.product)[2].clone()),
                    ("Prepaid", |c| shown(&c.prepaid_quantity)),
                    ("Actual", |c| shown(&c.actual_quantity)),
                    ("Overage", |c| shown(&c.overage_quantity)),
                    ("Overage rate", |c| shown(&c.overage_rate)),
                    ("Overage charge", |c| shown(&c.overage_charge)),
                    ("Currency", |c| shown(&c.overage_currency)),
                ];
                let right = [
                    "Prepaid",
                    "Actual",
                    "Overage",
                    "Overage rate",
                    "Overage charge",
                ];
                writeln!(out, "{}", listing::table(printer, columns, &right, charges))?;
            }
            if wallets.is_empty() {
                writeln!(out, "no wallets")
            } else {
                let columns: &[Column<BillingWallet>] = &[
                    ("Wallet", |w| shown(&w.name)),
                    ("Product", |w| product(&w.product)[2].clone()),
                    ("Start balance", |w| shown(&w.starting_balance)),
                    ("Consumed", |w| shown(&w.balance_consumption)),
                    ("End balance", |w| shown(&w.ending_balance)),
                    ("Overage charge", |w| shown(&w.balance_overage_charge)),
                    ("Currency", |w| shown(&w.balance_overage_currency)),
                ];
                let right = ["Start balance", "Consumed", "End balance", "Overage charge"];
                writeln!(out, "{}", listing::table(printer, columns, &right, wallets))
            }
        }
    }
}
