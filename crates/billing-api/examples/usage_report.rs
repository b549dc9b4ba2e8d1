//! Fetch last month's billable usage report, waiting while the service builds it.
//!
//! `cargo run -p billing-api --example usage_report`

mod common;

use std::time::Duration;

use chrono::{Datelike, TimeZone, Utc};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let client = target.builder.build()?;

    let today = Utc::now();
    let this_month = Utc
        .with_ymd_and_hms(today.year(), today.month(), 1, 0, 0, 0)
        .unwrap();
    let last_month = (this_month - chrono::Duration::days(1))
        .with_day(1)
        .unwrap();

    let interval = if target.sandbox.is_some() {
        Duration::from_millis(200)
    } else {
        Duration::from_secs(5)
    };
    let report = client
        .wait_for_billable_usage(last_month, this_month)
        .interval(interval)
        .on_progress(|p| {
            eprintln!(
                "request {}: {:?} after {:?}",
                p.attempt, p.status, p.elapsed
            )
        })
        .wait()
        .await?;

    println!(
        "Billable usage {} – {}",
        report.start_date.date_naive(),
        report.end_date.date_naive()
    );
    for usage in &report.usages {
        println!(
            "{:>8}  {} ({} resources)",
            usage.total_usage,
            usage.name,
            usage.resources.len()
        );
    }
    Ok(())
}
