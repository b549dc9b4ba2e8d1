//! `overview`: trustee billing overviews of several trustor orgs, fetched concurrently; an org
//! that fails is reported and the others are still printed.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use clap::Args;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use super::Context;
use crate::connect::{ConnectOptions, Session};
use crate::exit::{Exit, Failure, exit_for, hint_for};
use crate::format::TrustorOverview;

/// Arguments of `overview`.
#[derive(Debug, Clone, Args)]
pub struct OverviewArgs {
    /// A trustor (customer) org id; repeat for several orgs. With --sandbox and no --trustor,
    /// the sandbox's orgs.
    #[arg(long = "trustor", value_name = "ORG_ID")]
    pub trustors: Vec<String>,

    /// A file with one trustor org id per line (blank lines and # comments are skipped);
    /// `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    pub trustors_file: Option<PathBuf>,

    /// Billing period: 0 = the open period, 1 = the last closed one, 2 = the one before…
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(i32).range(0..))]
    pub period: i32,

    /// How many orgs to fetch at once.
    #[arg(long, value_name = "N", default_value_t = billing_api::DEFAULT_CONCURRENCY, value_parser = parse_concurrency)]
    pub concurrency: usize,

    /// At most this many requests per minute across all orgs (the platform's default limit
    /// for a client-credentials token is 300).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rate: Option<u32>,

    /// Every org that trusts this one (listed with the Organization Authorization API)
    /// instead of --trustor.
    #[arg(long, conflicts_with_all = ["trustors", "trustors_file"])]
    pub all_trustors: bool,

    /// With --all-trustors: include the orgs whose trust is disabled.
    #[arg(long, conflicts_with_all = ["trustors", "trustors_file"])]
    pub include_disabled: bool,
}

/// Runs `overview`.
pub(crate) async fn run(ctx: &Context, args: OverviewArgs) -> Result<Exit, Failure> {
    let session = ctx
        .connect(ConnectOptions {
            max_rate: args.max_rate,
        })
        .await?;
    let ids = trustor_ids(
        &session,
        &args.trustors,
        args.trustors_file.as_deref(),
        args.all_trustors,
        args.include_disabled,
    )
    .await?;

    let bar = if io::stderr().is_terminal() && !ctx.verbose && ids.len() > 1 {
        let bar = ProgressBar::new(ids.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} orgs ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut overviews = Vec::new();
    let mut failures = Vec::new();
    let mut stream = session
        .client
        .trustee_overviews(ids.clone())
        .billing_period_index(args.period)
        .concurrency(args.concurrency)
        .stream();
    while let Some(org) = stream.next().await {
        match org.result {
            Ok(overview) => overviews.push(TrustorOverview {
                org_id: org.org_id,
                billing_period_index: args.period,
                overview,
            }),
            Err(error) => {
                bar.suspend(|| eprintln!("error: org {}: {error}", org.org_id));
                failures.push(error);
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    drop(stream);

    let position: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    overviews.sort_by_key(|o| {
        position
            .get(o.org_id.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    if failures.is_empty() || !overviews.is_empty() {
        ctx.destination
            .write(|out, printer| printer.overviews(out, &overviews))?;
    }
    if failures.is_empty() {
        return Ok(Exit::Ok);
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
        "{} of {} orgs failed",
        failures.len(),
        overviews.len() + failures.len()
    );
    let exits: Vec<Exit> = failures.iter().map(exit_for).collect();
    Ok(if exits.contains(&Exit::Auth) {
        Exit::Auth
    } else if exits.contains(&Exit::RateLimited) {
        Exit::RateLimited
    } else {
        Exit::PartialFailure
    })
}

/// The trustor org ids a command is about: those given (`--trustor`, `--trustors-file`; trimmed,
/// duplicates dropped, in order), or with `all` (or none given with `--sandbox`) every org that
/// trusts this one.
pub(crate) async fn trustor_ids(
    session: &Session,
    given: &[String],
    file: Option<&Path>,
    all: bool,
    include_disabled: bool,
) -> Result<Vec<String>, Failure> {
    let mut ids = given.to_vec();
    if let Some(path) = file {
        ids.extend(read_trustors_file(path)?);
    }
    let mut seen = HashSet::new();
    let ids: Vec<String> = ids
        .into_iter()
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty() && seen.insert(id.clone()))
        .collect();
    if !ids.is_empty() {
        return Ok(ids);
    }
    if all || session.sandbox.is_some() {
        return all_trustors(session, include_disabled).await;
    }
    Err(Failure::new(
        Exit::Usage,
        "no trustor orgs: --trustor ORG_ID, --trustors-file FILE or --all-trustors",
    ))
}

/// Every org that trusts this one, from the Organization Authorization API (all pages).
async fn all_trustors(session: &Session, include_disabled: bool) -> Result<Vec<String>, Failure> {
    let trustors = session
        .client
        .trustors()
        .page_size(billing_api::MAX_PAGE_SIZE)
        .include_disabled(include_disabled)
        .collect_all()
        .await?;
    let listed = trustors.len();
    let mut seen = HashSet::new();
    let ids: Vec<String> = trustors
        .into_iter()
        .filter_map(|t| t.id.or_else(|| t.organization.and_then(|o| o.id)))
        .filter(|id| seen.insert(id.clone()))
        .collect();
    if ids.len() < listed {
        eprintln!(
            "warning: {} of {listed} trustors listed had no org id or repeated one; they are skipped",
            listed - ids.len()
        );
    }
    if ids.is_empty() {
        return Err(Failure::new(
            Exit::Failure,
            if include_disabled {
                "no org trusts this one"
            } else {
                "no org trusts this one (or every trust is disabled: --include-disabled)"
            },
        ));
    }
    Ok(ids)
}

/// Trustor org ids from a file (or stdin for `-`): one per line, `#` starts a comment.
fn read_trustors_file(path: &Path) -> Result<Vec<String>, Failure> {
    let cannot = |e: io::Error| {
        Failure::new(
            Exit::Usage,
            format!("cannot read --trustors-file {}: {e}", path.display()),
        )
    };
    let reader: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        Box::new(io::BufReader::new(File::open(path).map_err(cannot)?))
    };
    let mut ids = Vec::new();
    for line in reader.lines() {
        let line = line.map_err(cannot)?;
        let id = line.split('#').next().unwrap_or("").trim();
        if !id.is_empty() {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

pub(crate) fn parse_concurrency(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err("expected a number from 1 to 256".to_owned()),
    }
}
