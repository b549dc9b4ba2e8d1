//! `usage`: the billable usage report for a period, waiting until the service has built it.

use std::io::{self, IsTerminal};
use std::time::Duration;

use billing_api::models::{BillingUsageReport, BillingUsageReportStatus};
use chrono::{DateTime, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::Context;
use crate::cli::{parse_date, parse_seconds};
use crate::connect::ConnectOptions;
use crate::exit::{Exit, Failure};

/// How long to wait between report requests against the in-process sandbox: short, so that a
/// first try shows the report in about a second.
const SANDBOX_INTERVAL: Duration = Duration::from_millis(500);

/// Arguments of `usage`.
#[derive(Debug, Clone, Args)]
pub struct UsageArgs {
    /// Start of the period: 2026-10-01 (midnight UTC) or an RFC 3339 date-time such as
    /// 2026-10-01T00:00:00Z.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub start: DateTime<Utc>,

    /// End of the period, in the same forms as --start.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub end: DateTime<Utc>,

    /// Ask once and print what the service has; exit 3 when the report is not Complete yet.
    #[arg(long)]
    pub no_wait: bool,

    /// Seconds between requests while the report is InProgress [default: 3; 0.5 with --sandbox]
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub interval: Option<Duration>,

    /// Give up waiting after this many seconds (exit 3).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, default_value = "300")]
    pub timeout: Duration,
}

/// Runs `usage`.
pub(crate) async fn run(ctx: &Context, args: UsageArgs) -> Result<Exit, Failure> {
    // Check what needs no network before connecting.
    if args.end <= args.start {
        return Err(Failure::new(Exit::Usage, "--end must be after --start")
            .hint("the period is [--start, --end), e.g. --start 2026-10-01 --end 2026-11-01"));
    }
    let session = ctx.connect(ConnectOptions::default()).await?;
    let client = &session.client;
    let report: BillingUsageReport = if args.no_wait {
        client
            .get_billing_reports_billableusage(args.start, args.end)
            .await?
    } else {
        let interval = args.interval.unwrap_or(if session.sandbox.is_some() {
            SANDBOX_INTERVAL
        } else {
            billing_api::DEFAULT_INTERVAL
        });
        let spinner = if io::stderr().is_terminal() && !ctx.verbose {
            let spinner = ProgressBar::new_spinner();
            spinner.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.set_message("requesting the billable usage report");
            spinner.enable_steady_tick(Duration::from_millis(100));
            spinner
        } else {
            ProgressBar::hidden()
        };
        let progress = spinner.clone();
        let result = client
            .wait_for_billable_usage(args.start, args.end)
            .interval(interval)
            .deadline(args.timeout)
            .on_progress(move |p| {
                if p.status == Some(BillingUsageReportStatus::InProgress) {
                    progress.set_message(format!(
                        "the service is building the report (asked {} times)",
                        p.attempt
                    ));
                }
            })
            .wait()
            .await;
        spinner.finish_and_clear();
        result?
    };
    let complete = report.status == Some(BillingUsageReportStatus::Complete);
    ctx.destination
        .write(|out, printer| printer.report(out, &report))?;
    if complete {
        return Ok(Exit::Ok);
    }
    match &report.status {
        Some(BillingUsageReportStatus::InProgress) => eprintln!(
            "note: the report is still InProgress; run again in a few seconds (or without --no-wait)"
        ),
        Some(other) => eprintln!(
            "note: the report's status is {:?}, not Complete (a status this version does not know)",
            other.as_str()
        ),
        None => eprintln!("note: the answer has no status, so the report may be incomplete"),
    }
    Ok(Exit::NotReady)
}
