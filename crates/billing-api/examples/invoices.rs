//! The org's unpaid invoices, each with its lines added up per currency (exact decimals), and
//! the newest invoice's PDF written to `invoice.pdf`.
//!
//! `cargo run -p billing-api --example invoices`

mod common;

use std::collections::BTreeMap;

use billing_api::models::Decimal;
use billing_api::operations::GetBillingContractsInvoicesPaymentStatus;
use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The sandbox, when there is one, serves until the end of `main`.
    let common::Target {
        builder,
        sandbox: _sandbox,
    } = common::target().await?;
    let client = builder.build()?;

    // Every page of unpaid invoices, one invoice at a time.
    let mut unpaid = client
        .invoices()
        .payment_status(GetBillingContractsInvoicesPaymentStatus::UnPaid)
        .page_size(100)
        .items();
    let mut owed: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut newest = None;
    while let Some(invoice) = unpaid.try_next().await? {
        let currency = invoice.currency_iso_code.clone().unwrap_or_default();
        let amount = invoice.amount.unwrap_or_default();
        println!(
            "{}  {}  {amount:>12} {currency}",
            invoice
                .date_invoiced
                .map(|d| d.to_string())
                .unwrap_or_default(),
            invoice.id.as_deref().unwrap_or("?"),
        );
        // Never add amounts of different currencies together.
        *owed.entry(currency).or_default() += amount;
        newest = newest.or(invoice.id);
    }
    for (currency, total) in &owed {
        println!("unpaid in {currency}: {total}");
    }

    if let Some(id) = newest {
        let document = client.download_invoice(&id, "invoice.pdf").await?;
        println!(
            "invoice {id}: {} bytes of {} written to invoice.pdf",
            document.size,
            document
                .content_type
                .as_deref()
                .unwrap_or("an unknown type")
        );
    }
    Ok(())
}
