//! Writing results: tables for people (comfy-table), CSV for spreadsheets, the API's JSON as
//! served, and NDJSON for pipelines. Pure functions over a `Write`, so they test without a
//! server. `Destination` decides the format and writes to stdout or a file.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use billing_models::{BillingUsageReport, TrusteeBillingOverview, datetime};
use chrono::{DateTime, Timelike, Utc};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, modifiers, presets};
use serde::Serialize;

use crate::cli::Format;
use crate::exit::{Exit, Failure};

/// Header of the usage report CSV: one row per usage resource.
pub const REPORT_CSV_HEADER: [&str; 6] = [
    "usage_name",
    "total_usage",
    "resource_name",
    "resource_date",
    "start_date",
    "end_date",
];

/// Header of the overview CSV: one row per usage line, with the org and period first and then
/// the `SubscriptionOverviewUsage` fields.
pub const OVERVIEW_CSV_HEADER: [&str; 16] = [
    "org_id",
    "org_name",
    "billing_period_index",
    "currency",
    "name",
    "part_number",
    "grouping",
    "unit_of_measure_type",
    "usage_quantity",
    "overage_price",
    "prepay_quantity",
    "prepay_price",
    "usage_notes",
    "is_cancellable",
    "bundle_quantity",
    "is_third_party",
];

/// One trustor org's overview, with what was asked for it.
#[derive(Debug, Clone)]
pub struct TrustorOverview {
    /// The trustor org id as given on the command line.
    pub org_id: String,
    /// The `billingPeriodIndex` asked for.
    pub billing_period_index: i32,
    /// The overview as the API served it.
    pub overview: TrusteeBillingOverview,
}

/// How to write a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Printer {
    /// The format.
    pub format: Format,
    /// Fit tables to the terminal's width (only when writing to a terminal).
    pub fit_terminal: bool,
}

impl Printer {
    /// A printer for `format` that does not fit tables to a terminal.
    pub fn new(format: Format) -> Printer {
        Printer {
            format,
            fit_terminal: false,
        }
    }

    /// Writes a billable usage report.
    pub fn report(&self, out: &mut dyn Write, report: &BillingUsageReport) -> io::Result<()> {
        match self.format {
            Format::Table => self.report_table(out, report),
            Format::Csv => report_csv(out, report),
            Format::Json => json_pretty(out, report),
            Format::Ndjson => json_line(out, report),
            Format::Html => Err(html_is_for_partner()),
        }
    }

    /// Writes trustee billing overviews, in the order given.
    pub fn overviews(&self, out: &mut dyn Write, overviews: &[TrustorOverview]) -> io::Result<()> {
        match self.format {
            Format::Table => self.overview_tables(out, overviews),
            Format::Csv => overview_csv(out, overviews),
            Format::Json => {
                let all: Vec<&TrusteeBillingOverview> =
                    overviews.iter().map(|o| &o.overview).collect();
                json_pretty(out, &all)
            }
            Format::Ndjson => overviews
                .iter()
                .try_for_each(|o| json_line(out, &o.overview)),
            Format::Html => Err(html_is_for_partner()),
        }
    }

    pub(crate) fn table(&self) -> Table {
        let mut table = Table::new();
        // A terminal that reports no usable width (0 under some multiplexers and `script`)
        // would squeeze every column to one character: draw at full width instead.
        let fit = self.fit_terminal && table.width().is_some_and(|w| w >= 40);
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .apply_modifier(modifiers::UTF8_ROUND_CORNERS)
            .set_content_arrangement(if fit {
                ContentArrangement::Dynamic
            } else {
                ContentArrangement::Disabled
            });
        table
    }

    fn report_table(&self, out: &mut dyn Write, report: &BillingUsageReport) -> io::Result<()> {
        let status = report.status.as_ref().map_or("no status", |s| s.as_str());
        writeln!(
            out,
            "Billable usage report {} to {}: {status}",
            day_or_time(&report.start_date),
            day_or_time(&report.end_date)
        )?;
        if report.usages.is_empty() {
            let why = if status == "InProgress" {
                "no usages yet: the service is still building the report"
            } else {
                "no billable usage in this period"
            };
            return writeln!(out, "{why}");
        }
        let mut table = self.table();
        table.set_header([
            "Usage",
            "Total usage",
            "Resources",
            "First seen",
            "Last seen",
        ]);
        let mut resources = 0;
        for usage in &report.usages {
            resources += usage.resources.len();
            let first = usage.resources.iter().map(|r| r.date).min();
            let last = usage.resources.iter().map(|r| r.date).max();
            table.add_row(vec![
                Cell::new(&usage.name),
                Cell::new(&usage.total_usage).set_alignment(CellAlignment::Right),
                Cell::new(usage.resources.len()).set_alignment(CellAlignment::Right),
                Cell::new(first.map(day).unwrap_or_default()),
                Cell::new(last.map(day).unwrap_or_default()),
            ]);
        }
        writeln!(out, "{table}")?;
        writeln!(out, "{} usages, {resources} resources", report.usages.len())
    }

    fn overview_tables(
        &self,
        out: &mut dyn Write,
        overviews: &[TrustorOverview],
    ) -> io::Result<()> {
        for (i, item) in overviews.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            let o = &item.overview;
            let org_name = o.organization.name.as_deref().unwrap_or("(no name)");
            let org_id = o.organization.id.as_deref().unwrap_or(&item.org_id);
            writeln!(out, "{org_name} (org {org_id})")?;
            let period = match (&o.billing_period_start_date, &o.billing_period_end_date) {
                (Some(start), Some(end)) => format!("{} to {}", day(*start), day(*end)),
                _ => "dates not given".to_owned(),
            };
            let mut facts = vec![
                format!("period {}: {period}", item.billing_period_index),
                o.currency.clone(),
                o.subscription_type.as_str().to_owned(),
            ];
            if let Some(minimum) = &o.minimum_monthly_amount {
                facts.push(format!("minimum monthly {minimum} {}", o.currency));
            }
            if o.in_ramp_period == Some(true) {
                facts.push("in ramp period".to_owned());
            }
            writeln!(out, "{}", facts.join(" · "))?;
            if o.usages.is_empty() {
                writeln!(out, "no usage lines")?;
                continue;
            }
            let mut table = self.table();
            table.set_header([
                "Product",
                "Part number",
                "Grouping",
                "Unit",
                "Usage",
                "Prepaid",
                "Prepay price",
                "Overage price",
                "Bundle",
            ]);
            for u in &o.usages {
                let right = |text: &str| Cell::new(text).set_alignment(CellAlignment::Right);
                table.add_row(vec![
                    Cell::new(&u.name),
                    Cell::new(&u.part_number),
                    Cell::new(&u.grouping),
                    Cell::new(&u.unit_of_measure_type),
                    right(&u.usage_quantity),
                    right(&u.prepay_quantity),
                    right(u.prepay_price.as_deref().unwrap_or("")),
                    right(u.overage_price.as_deref().unwrap_or("")),
                    right(u.bundle_quantity.as_deref().unwrap_or("")),
                ]);
            }
            writeln!(out, "{table}")?;
        }
        Ok(())
    }
}

/// Where the result goes and in which format.
pub(crate) struct Destination {
    file: Option<PathBuf>,
    format: Format,
    fit_terminal: bool,
}

impl Destination {
    pub(crate) fn new(file: Option<PathBuf>, format: Option<Format>) -> Destination {
        let stdout_is_terminal = io::stdout().is_terminal();
        let format = format.unwrap_or_else(|| match &file {
            Some(path) => Format::from_extension(path).unwrap_or(Format::Json),
            None if stdout_is_terminal => Format::Table,
            None => Format::Json,
        });
        Destination {
            fit_terminal: file.is_none() && stdout_is_terminal,
            file,
            format,
        }
    }

    /// The format chosen (by `--format` or the file's extension).
    pub(crate) fn format(&self) -> Format {
        self.format
    }

    /// The file named by `--output`, if any.
    pub(crate) fn file(&self) -> Option<&std::path::Path> {
        self.file.as_deref()
    }

    /// Refuses an `--output` whose folder does not exist before anything is fetched, so a long
    /// listing or roll-up is not lost at the last step. (The file itself is still created only
    /// when the result is written.)
    pub(crate) fn check_folder(&self) -> Result<(), Failure> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => std::path::Path::new("."),
        };
        if folder.is_dir() {
            return Ok(());
        }
        Err(Failure::new(
            Exit::Usage,
            format!(
                "cannot write {}: the folder {} does not exist",
                path.display(),
                folder.display()
            ),
        ))
    }

    /// Writes with `f`; the file is created only now, so a failed command leaves none behind.
    pub(crate) fn write(
        &self,
        f: impl FnOnce(&mut dyn Write, &Printer) -> io::Result<()>,
    ) -> Result<(), Failure> {
        let printer = Printer {
            format: self.format,
            fit_terminal: self.fit_terminal,
        };
        match &self.file {
            Some(path) => {
                let cannot = |e: io::Error| {
                    Failure::new(
                        Exit::Failure,
                        format!("cannot write {}: {e}", path.display()),
                    )
                };
                let mut out = BufWriter::new(File::create(path).map_err(cannot)?);
                f(&mut out, &printer).map_err(cannot)?;
                out.flush().map_err(cannot)
            }
            None => {
                let mut out = BufWriter::new(io::stdout().lock());
                match f(&mut out, &printer).and_then(|()| out.flush()) {
                    // A reader that stopped early (`| head`) is not an error.
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                    Err(e) => Err(Failure::new(
                        Exit::Failure,
                        format!("cannot write to stdout: {e}"),
                    )),
                    Ok(()) => Ok(()),
                }
            }
        }
    }
}

/// The commands other than `partner` have no HTML form (`run` refuses it before connecting).
pub(crate) fn html_is_for_partner() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "HTML is written by the partner command only",
    )
}

fn report_csv(out: &mut dyn Write, report: &BillingUsageReport) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(REPORT_CSV_HEADER)?;
    let start = datetime::format(&report.start_date);
    let end = datetime::format(&report.end_date);
    for usage in &report.usages {
        if usage.resources.is_empty() {
            w.write_record([&usage.name, &usage.total_usage, "", "", &start, &end])?;
        }
        for resource in &usage.resources {
            w.write_record([
                usage.name.as_str(),
                &usage.total_usage,
                &resource.name,
                &datetime::format(&resource.date),
                &start,
                &end,
            ])?;
        }
    }
    w.flush()
}

/// One row per usage line of every org.
fn overview_csv(out: &mut dyn Write, overviews: &[TrustorOverview]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(OVERVIEW_CSV_HEADER)?;
    let flag = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
    for item in overviews {
        let o = &item.overview;
        let period = item.billing_period_index.to_string();
        for u in &o.usages {
            w.write_record([
                item.org_id.as_str(),
                o.organization.name.as_deref().unwrap_or(""),
                &period,
                &o.currency,
                &u.name,
                &u.part_number,
                &u.grouping,
                &u.unit_of_measure_type,
                &u.usage_quantity,
                u.overage_price.as_deref().unwrap_or(""),
                &u.prepay_quantity,
                u.prepay_price.as_deref().unwrap_or(""),
                u.usage_notes.as_deref().unwrap_or(""),
                &flag(u.is_cancellable),
                u.bundle_quantity.as_deref().unwrap_or(""),
                &flag(u.is_third_party),
            ])?;
        }
    }
    w.flush()
}

fn json_pretty(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

fn json_line(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// `2026-10-01` for midnight, the full server form otherwise.
fn day_or_time(t: &DateTime<Utc>) -> String {
    if t.num_seconds_from_midnight() == 0 && t.nanosecond() == 0 {
        day(*t)
    } else {
        datetime::format(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use billing_models::{
        BillingUsage, BillingUsageReportStatus, BillingUsageResource, NamedEntity,
        SubscriptionOverviewUsage,
    };

    fn at(text: &str) -> DateTime<Utc> {
        datetime::parse(text).unwrap()
    }

    fn report() -> BillingUsageReport {
        BillingUsageReport::default()
            .with_start_date(at("2026-10-01T00:00:00Z"))
            .with_end_date(at("2026-11-01T00:00:00Z"))
            .with_status(BillingUsageReportStatus::Complete)
            .with_usages(vec![
                BillingUsage::default()
                    .with_name("Genesys Cloud CX 3")
                    .with_total_usage("2")
                    .with_resources(vec![
                        BillingUsageResource::default()
                            .with_name("ava.kim@example.com")
                            .with_date(at("2026-10-03T08:00:00Z")),
                        BillingUsageResource::default()
                            .with_name("levi, \"the\" novak")
                            .with_date(at("2026-10-02T13:45:10.5Z")),
                    ]),
                BillingUsage::default()
                    .with_name("WebRTC Phones")
                    .with_total_usage("0"),
            ])
    }

    fn render(printer: Printer, report: &BillingUsageReport) -> String {
        let mut out = Vec::new();
        printer.report(&mut out, report).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn report_table() {
        insta::assert_snapshot!(render(Printer::new(Format::Table), &report()), @r"
        Billable usage report 2026-10-01 to 2026-11-01: Complete
        ╭────────────────────┬─────────────┬───────────┬────────────┬────────────╮
        │ Usage              ┆ Total usage ┆ Resources ┆ First seen ┆ Last seen  │
        ╞════════════════════╪═════════════╪═══════════╪════════════╪════════════╡
        │ Genesys Cloud CX 3 ┆           2 ┆         2 ┆ 2026-10-02 ┆ 2026-10-03 │
        │ WebRTC Phones      ┆           0 ┆         0 ┆            ┆            │
        ╰────────────────────┴─────────────┴───────────┴────────────┴────────────╯
        2 usages, 2 resources
        ");
    }

    #[test]
    fn report_csv_keeps_usages_without_resources_and_quotes() {
        insta::assert_snapshot!(render(Printer::new(Format::Csv), &report()), @r#"
        usage_name,total_usage,resource_name,resource_date,start_date,end_date
        Genesys Cloud CX 3,2,ava.kim@example.com,2026-10-03T08:00:00.000Z,2026-10-01T00:00:00.000Z,2026-11-01T00:00:00.000Z
        Genesys Cloud CX 3,2,"levi, ""the"" novak",2026-10-02T13:45:10.500Z,2026-10-01T00:00:00.000Z,2026-11-01T00:00:00.000Z
        WebRTC Phones,0,,,2026-10-01T00:00:00.000Z,2026-11-01T00:00:00.000Z
        "#);
    }

    #[test]
    fn report_json_is_the_model_as_served() {
        let text = render(Printer::new(Format::Json), &report());
        let back: BillingUsageReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report());
        let line = render(Printer::new(Format::Ndjson), &report());
        assert_eq!(line.lines().count(), 1);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&line).unwrap(),
            serde_json::from_str::<serde_json::Value>(&text).unwrap()
        );
    }

    #[test]
    fn in_progress_table_says_so() {
        let report = BillingUsageReport::default()
            .with_start_date(at("2026-10-01T12:00:00Z"))
            .with_end_date(at("2026-11-01T00:00:00Z"))
            .with_status(BillingUsageReportStatus::InProgress);
        insta::assert_snapshot!(render(Printer::new(Format::Table), &report), @r"
        Billable usage report 2026-10-01T12:00:00.000Z to 2026-11-01: InProgress
        no usages yet: the service is still building the report
        ");
    }

    fn overview() -> TrustorOverview {
        TrustorOverview {
            org_id: "org-1".into(),
            billing_period_index: 1,
            overview: TrusteeBillingOverview::default()
                .with_organization(NamedEntity::default().with_id("org-1").with_name("Acme"))
                .with_currency("EUR")
                .with_billing_period_start_date(at("2026-09-01T00:00:00Z"))
                .with_billing_period_end_date(at("2026-09-30T23:59:59.999Z"))
                .with_minimum_monthly_amount("1200.00")
                .with_usages(vec![
                    SubscriptionOverviewUsage::default()
                        .with_name("Genesys Cloud CX 3 Named User")
                        .with_part_number("PC-170-NV-USR3N")
                        .with_grouping("user")
                        .with_unit_of_measure_type("named-user")
                        .with_usage_quantity("12")
                        .with_prepay_quantity("10")
                        .with_prepay_price("155.00")
                        .with_is_cancellable(false),
                ]),
        }
    }

    #[test]
    fn overview_csv_has_org_and_period_columns() {
        let mut out = Vec::new();
        Printer::new(Format::Csv)
            .overviews(&mut out, &[overview(), overview()])
            .unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r"
        org_id,org_name,billing_period_index,currency,name,part_number,grouping,unit_of_measure_type,usage_quantity,overage_price,prepay_quantity,prepay_price,usage_notes,is_cancellable,bundle_quantity,is_third_party
        org-1,Acme,1,EUR,Genesys Cloud CX 3 Named User,PC-170-NV-USR3N,user,named-user,12,,10,155.00,,false,,
        org-1,Acme,1,EUR,Genesys Cloud CX 3 Named User,PC-170-NV-USR3N,user,named-user,12,,10,155.00,,false,,
        ");
    }

    #[test]
    fn overview_json_is_an_array_of_models() {
        let mut out = Vec::new();
        Printer::new(Format::Json)
            .overviews(&mut out, &[overview()])
            .unwrap();
        let back: Vec<TrusteeBillingOverview> = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, vec![overview().overview]);
    }
}
