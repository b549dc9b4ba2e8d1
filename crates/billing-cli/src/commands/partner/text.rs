//! The partner roll-up as a table for people, CSV (one row per org × period × usage line),
//! and JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use billing_api::rollup::{Decimal, Rollup, money};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, modifiers, presets};

use super::PartnerReport;

/// Header of the partner CSV.
pub const CSV_HEADER: [&str; 19] = [
    "org_id",
    "org_name",
    "billing_period_index",
    "period_start",
    "period_end",
    "currency",
    "minimum_monthly_amount",
    "name",
    "part_number",
    "unit_of_measure_type",
    "usage_quantity",
    "prepay_quantity",
    "overage_quantity",
    "overage_price",
    "prepay_price",
    "overage_amount",
    "prepaid_amount",
    "problems",
    "error",
];

/// The label of each billing period of a roll-up, worked out once (a report of thousands of
/// orgs asks for them tens of thousands of times).
pub(super) struct PeriodLabels(BTreeMap<i32, String>);

impl PeriodLabels {
    /// "0 (open period, 2026-11)", "1 (2026-10)": the period index with the months the
    /// overviews gave for it (several when orgs' billing periods start in different months).
    pub(super) fn new(rollup: &Rollup) -> PeriodLabels {
        let mut months: BTreeMap<i32, BTreeSet<String>> = rollup
            .periods
            .iter()
            .map(|&p| (p, BTreeSet::new()))
            .collect();
        for period in rollup.orgs.iter().flat_map(|o| &o.periods) {
            if let Some(start) = period.period_start {
                months
                    .entry(period.billing_period_index)
                    .or_default()
                    .insert(start.format("%Y-%m").to_string());
            }
        }
        let labels = months
            .into_iter()
            .map(|(index, months)| {
                let mut parts: Vec<String> = Vec::new();
                if index == 0 {
                    parts.push("open period".to_owned());
                }
                if !months.is_empty() {
                    parts.push(months.into_iter().collect::<Vec<_>>().join(", "));
                }
                let label = if parts.is_empty() {
                    index.to_string()
                } else {
                    format!("{index} ({})", parts.join(", "))
                };
                (index, label)
            })
            .collect();
        PeriodLabels(labels)
    }

    /// The label of `index`.
    pub(super) fn get(&self, index: i32) -> String {
        self.0
            .get(&index)
            .cloned()
            .unwrap_or_else(|| index.to_string())
    }
}

/// A quantity without trailing zeros (`150000`, `7.5`).
pub(super) fn quantity(value: &Decimal) -> String {
    value.normalize().to_string()
}

fn opt(value: Option<Decimal>, f: fn(&Decimal) -> String) -> String {
    value.as_ref().map(f).unwrap_or_default()
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(modifiers::UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    table
}

fn right(text: impl ToString) -> Cell {
    Cell::new(text.to_string()).set_alignment(CellAlignment::Right)
}

/// Tables: totals per currency and period, orgs by overage, unreadable lines, failures.
pub(super) fn table(out: &mut dyn Write, report: &PartnerReport) -> io::Result<()> {
    let rollup = &report.rollup;
    let labels = PeriodLabels::new(rollup);
    let periods: Vec<String> = rollup.periods.iter().map(|&p| labels.get(p)).collect();
    writeln!(
        out,
        "Partner billing estimate, {} UTC; billing periods {}",
        report.generated_at.format("%Y-%m-%d %H:%M"),
        periods.join("; ")
    )?;
    writeln!(
        out,
        "An estimate from the trustee billing overviews, not an invoice: no taxes, discounts or minimums applied."
    )?;
    writeln!(
        out,
        "{} orgs rolled up, {} failed for at least one period.\n",
        rollup.orgs.len(),
        rollup.failed_orgs()
    )?;

    let mut totals = new_table(&[
        "Currency",
        "Period",
        "Orgs",
        "Prepaid",
        "Overage",
        "Total",
        "Lines left out",
    ]);
    for c in &rollup.currencies {
        totals.add_row(vec![
            Cell::new(&c.currency),
            Cell::new(labels.get(c.billing_period_index)),
            right(c.orgs),
            right(money(&c.prepaid_amount)),
            right(money(&c.overage_amount)),
            right(money(&c.total_amount)),
            right(c.lines_excluded),
        ]);
    }
    writeln!(out, "Totals per currency\n{totals}\n")?;

    let mut ranking = new_table(&[
        "Currency", "Rank", "Org", "Org id", "Overage", "Prepaid", "Total",
    ]);
    let mut rank = 0;
    let mut currency = "";
    for r in &rollup.ranking {
        if r.currency != currency {
            currency = &r.currency;
            rank = 0;
        }
        rank += 1;
        ranking.add_row(vec![
            Cell::new(&r.currency),
            right(rank),
            Cell::new(&r.org_name),
            Cell::new(&r.org_id),
            right(money(&r.amounts.overage_amount)),
            right(money(&r.amounts.prepaid_amount)),
            right(money(&r.amounts.total_amount)),
        ]);
    }
    writeln!(
        out,
        "Orgs by overage (all periods shown, per currency)\n{ranking}"
    )?;

    let mut problems = new_table(&["Org", "Period", "Part number", "Problem"]);
    let mut any_problem = false;
    for org in &rollup.orgs {
        for period in &org.periods {
            if let Some(problem) = &period.minimum_problem {
                any_problem = true;
                problems.add_row(vec![
                    Cell::new(&org.org_name),
                    right(period.billing_period_index),
                    Cell::new(""),
                    Cell::new(problem),
                ]);
            }
            for line in period.lines.iter().filter(|l| !l.problems.is_empty()) {
                any_problem = true;
                let text: Vec<String> = line.problems.iter().map(|p| p.to_string()).collect();
                problems.add_row(vec![
                    Cell::new(&org.org_name),
                    right(period.billing_period_index),
                    Cell::new(&line.part_number),
                    Cell::new(text.join("; ")),
                ]);
            }
        }
    }
    if any_problem {
        writeln!(
            out,
            "\nLines left out of the totals (a value could not be read)\n{problems}"
        )?;
    }
    if !rollup.failed.is_empty() {
        let mut failed = new_table(&["Org id", "Period", "Reason"]);
        for f in &rollup.failed {
            failed.add_row(vec![
                Cell::new(&f.org_id),
                right(f.billing_period_index),
                Cell::new(&f.reason),
            ]);
        }
        writeln!(out, "\nFailed (not in any total)\n{failed}")?;
    }
    Ok(())
}

/// One row per org × period × usage line, and one per failed org period (`error` set).
pub(super) fn csv(out: &mut dyn Write, report: &PartnerReport) -> io::Result<()> {
    let rollup = &report.rollup;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    let day = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| billing_api::models::datetime::format(&t))
            .unwrap_or_default()
    };
    for org in &rollup.orgs {
        for period in &org.periods {
            let minimum_problem = period
                .minimum_problem
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default();
            for line in &period.lines {
                let mut problems: Vec<String> =
                    line.problems.iter().map(|p| p.to_string()).collect();
                if !minimum_problem.is_empty() {
                    problems.push(minimum_problem.clone());
                }
                w.write_record([
                    org.org_id.as_str(),
                    &org.org_name,
                    &period.billing_period_index.to_string(),
                    &day(period.period_start),
                    &day(period.period_end),
                    &period.currency,
                    &opt(period.minimum_monthly_amount, money),
                    &line.name,
                    &line.part_number,
                    &line.unit_of_measure_type,
                    &opt(line.usage_quantity, quantity),
                    &opt(line.prepay_quantity, quantity),
                    &opt(line.overage_quantity, quantity),
                    &opt(line.overage_price, Decimal::to_string),
                    &opt(line.prepay_price, Decimal::to_string),
                    &opt(line.overage_amount, money),
                    &opt(line.prepaid_amount, money),
                    &problems.join("; "),
                    "",
                ])?;
            }
        }
    }
    for f in &rollup.failed {
        let mut row = vec![String::new(); CSV_HEADER.len()];
        row[0] = f.org_id.clone();
        row[2] = f.billing_period_index.to_string();
        row[CSV_HEADER.len() - 1] = f.reason.clone();
        w.write_record(&row)?;
    }
    w.flush()
}

/// The whole report, pretty-printed; amounts are exact decimal strings.
pub(super) fn json(out: &mut dyn Write, report: &PartnerReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// One org per line (its periods and lines), then one line per failed org period.
pub(super) fn ndjson(out: &mut dyn Write, report: &PartnerReport) -> io::Result<()> {
    for org in &report.rollup.orgs {
        serde_json::to_writer(&mut *out, org)?;
        writeln!(out)?;
    }
    for failed in &report.rollup.failed {
        serde_json::to_writer(&mut *out, failed)?;
        writeln!(out)?;
    }
    Ok(())
}
