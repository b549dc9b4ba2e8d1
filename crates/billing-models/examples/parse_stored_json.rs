//! Read a stored billable usage report with the models alone: no HTTP, no async runtime.
//!
//! `cargo run -p billing-models --example parse_stored_json [FILE]`
//! (without FILE it reads the report fixture shipped with the tests).

use std::collections::BTreeMap;

use billing_models::{BillingUsageReport, BillingUsageReportStatus};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/report_complete.json"
        )
        .into()
    });
    let text = std::fs::read_to_string(&path)?;
    let report: BillingUsageReport = serde_json::from_str(&text)?;

    if report.status != Some(BillingUsageReportStatus::Complete) {
        println!("report is {:?}: ask again in a few seconds", report.status);
        return Ok(());
    }
    // Resources first seen per day, over all licence types.
    let mut per_day: BTreeMap<_, usize> = BTreeMap::new();
    for resource in report.usages.iter().flat_map(|u| &u.resources) {
        *per_day.entry(resource.date.date_naive()).or_default() += 1;
    }
    println!("{} usages, first seen:", report.usages.len());
    for (day, count) in per_day {
        println!("  {day}  {count}");
    }
    // Everything the server sent survives: write it back unchanged.
    let again = serde_json::to_value(&report)?;
    assert_eq!(again, serde_json::from_str::<serde_json::Value>(&text)?);
    Ok(())
}
