//! `partner`: the trustee billing overviews of many trustor orgs over one or more billing
//! periods, rolled up ([`billing_api::rollup`]) into exact prepaid and overage amounts per org,
//! product and currency; written as a table, CSV, JSON or a self-contained HTML report.

pub mod html;
mod text;

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use billing_api::Error;
use billing_api::rollup::{OrgPeriod, Rollup};
use chrono::{DateTime, Utc};
use clap::Args;
use futures_util::{StreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::Context;
use super::overview::{parse_concurrency, trustor_ids};
use crate::cli::Format;
use crate::connect::ConnectOptions;
use crate::exit::{Exit, Failure, exit_for, hint_for};

/// Arguments of `partner`.
#[derive(Debug, Clone, Args)]
pub struct PartnerArgs {
    /// How many billing periods: 1 = the open period only, 3 = the open period and the two
    /// before it.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..=36))]
    pub periods: i32,

    /// A trustor (customer) org id; repeat for several orgs. Without --trustor and
    /// --trustors-file: every org that trusts this one.
    #[arg(long = "trustor", value_name = "ORG_ID")]
    pub trustors: Vec<String>,

    /// A file with one trustor org id per line (blank lines and # comments are skipped);
    /// `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    pub trustors_file: Option<PathBuf>,

    /// With every trustor org (no --trustor): include the orgs whose trust is disabled.
    #[arg(long, conflicts_with_all = ["trustors", "trustors_file"])]
    pub include_disabled: bool,

    /// How many requests to have in flight at once.
    #[arg(long, value_name = "N", default_value_t = billing_api::DEFAULT_CONCURRENCY, value_parser = parse_concurrency)]
    pub concurrency: usize,

    /// At most this many requests per minute (the platform's default limit for a
    /// client-credentials token is 300).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rate: Option<u32>,
}

/// A roll-up with when it was made: what every format writes.
#[derive(Debug, Serialize)]
pub struct PartnerReport {
    /// When the overviews were asked for.
    pub generated_at: DateTime<Utc>,
    /// The roll-up.
    #[serde(flatten)]
    pub rollup: Rollup,
}

/// Runs `partner`.
pub(crate) async fn run(ctx: &Context, args: PartnerArgs) -> Result<Exit, Failure> {
    let session = ctx
        .connect(ConnectOptions {
            max_rate: args.max_rate,
        })
        .await?;
    let ids = trustor_ids(
        &session,
        &args.trustors,
        args.trustors_file.as_deref(),
        args.trustors.is_empty() && args.trustors_file.is_none(),
        args.include_disabled,
    )
    .await?;
    let periods: Vec<i32> = (0..args.periods).collect();
    let generated_at = Utc::now();

    let jobs: Vec<(usize, i32)> = (0..ids.len())
        .flat_map(|org| periods.iter().map(move |&p| (org, p)))
        .collect();
    let bar = if io::stderr().is_terminal() && !ctx.verbose && jobs.len() > 1 {
        let bar = ProgressBar::new(jobs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} overviews ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let client = &session.client;
    // Borrowed by each request's `async move` block.
    let org_ids = &ids;
    let mut results: Vec<(usize, i32, Result<_, Error>)> = stream::iter(jobs)
        .map(|(org, period)| async move {
            let result = client
                .get_billing_trusteebillingoverview_trustor_org_id(&org_ids[org], Some(period))
                .await;
            (org, period, result)
        })
        .buffer_unordered(args.concurrency)
        .inspect(|(org, period, result)| {
            if let Err(error) = result {
                bar.suspend(|| eprintln!("error: org {} period {period}: {error}", ids[*org]));
            }
            bar.inc(1);
        })
        .collect()
        .await;
    bar.finish_and_clear();
    results.sort_by_key(|(org, period, _)| (*org, *period));

    let mut failures = Vec::new();
    let inputs: Vec<OrgPeriod> = results
        .into_iter()
        .map(|(org, period, result)| {
            let result = result.map_err(|error| {
                let reason = error.to_string();
                failures.push(error);
                reason
            });
            OrgPeriod::new(ids[org].clone(), period, result)
        })
        .collect();
    let report = PartnerReport {
        generated_at,
        rollup: Rollup::build(&periods, inputs),
    };
    ctx.destination.write(|out, printer| match printer.format {
        Format::Table => text::table(out, &report),
        Format::Csv => text::csv(out, &report),
        Format::Json => text::json(out, &report),
        Format::Ndjson => text::ndjson(out, &report),
        Format::Html => html::render(out, &report),
    })?;
    Ok(exit_after(
        &failures,
        report.rollup.failed_orgs(),
        ids.len(),
    ))
}

/// The exit code once the report is written: 0, or what the failures call for.
fn exit_after(failures: &[Error], failed_orgs: usize, orgs: usize) -> Exit {
    if failures.is_empty() {
        return Exit::Ok;
    }
    let mut hints: Vec<String> = Vec::new();
    for hint in failures.iter().filter_map(hint_for) {
        if !hints.contains(&hint) {
            hints.push(hint);
        }
    }
    for hint in hints {
        eprintln!("hint: {hint}");
    }
    eprintln!(
        "{failed_orgs} of {orgs} orgs failed for at least one period ({} overviews); the report lists them",
        failures.len()
    );
    let exits: Vec<Exit> = failures.iter().map(exit_for).collect();
    if exits.contains(&Exit::Auth) {
        Exit::Auth
    } else if exits.contains(&Exit::RateLimited) {
        Exit::RateLimited
    } else {
        Exit::PartialFailure
    }
}
