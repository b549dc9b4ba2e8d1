//! Running a parsed command line: connect (to Genesys Cloud or an in-process sandbox), run the
//! command, write the result, and say what went wrong on stderr with an exit code.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use billing_api::models::{BillingUsageReport, BillingUsageReportStatus};
use billing_api::{Client, ClientBuilder, ClientCredentials, Environment, RateLimit};
use billing_sandbox::Sandbox;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{Cli, Command, Connection, Format, OverviewArgs, UsageArgs};
use crate::exit::{Exit, exit_for, hint_for};
use crate::format::{Printer, TrustorOverview};

/// How long to wait between report requests against the in-process sandbox: short, so that a
/// first try shows the report in about a second.
const SANDBOX_INTERVAL: Duration = Duration::from_millis(500);

/// Runs `cli` to the end and says how the process should exit. Errors are already reported on
/// stderr when this returns.
pub fn run(cli: Cli) -> Exit {
    if cli.verbose {
        init_tracing();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return Failure::new(
                Exit::Failure,
                format!("cannot start the async runtime: {e}"),
            )
            .report();
        }
    };
    match runtime.block_on(run_async(cli)) {
        Ok(exit) => exit,
        Err(failure) => failure.report(),
    }
}

/// A failure to report: one line, an optional hint, an exit code.
#[derive(Debug)]
struct Failure {
    exit: Exit,
    message: String,
    hint: Option<String>,
}

impl Failure {
    fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    fn report(self) -> Exit {
        eprintln!("error: {}", self.message);
        if let Some(hint) = self.hint {
            eprintln!("hint: {hint}");
        }
        self.exit
    }
}

impl From<billing_api::Error> for Failure {
    fn from(error: billing_api::Error) -> Failure {
        Failure {
            exit: exit_for(&error),
            message: error.to_string(),
            hint: hint_for(&error),
        }
    }
}

/// A client, and the sandbox it talks to when `--sandbox` is on (kept alive until the end).
struct Session {
    client: Client,
    sandbox: Option<Sandbox>,
}

async fn run_async(cli: Cli) -> Result<Exit, Failure> {
    let destination = Destination::new(cli.output.output.clone(), cli.output.format);
    let max_rate = match &cli.command {
        Command::Overview(args) => args.max_rate,
        Command::Usage(_) => None,
    };
    // Check what needs no network before connecting.
    if let Command::Usage(args) = &cli.command {
        if args.end <= args.start {
            return Err(Failure::new(Exit::Usage, "--end must be after --start")
                .hint("the period is [--start, --end), e.g. --start 2026-10-01 --end 2026-11-01"));
        }
    }
    let session = connect(&cli.connection, max_rate).await?;
    match cli.command {
        Command::Usage(args) => usage(&session, &args, &destination, cli.verbose).await,
        Command::Overview(args) => overview(&session, &args, &destination, cli.verbose).await,
    }
}

async fn connect(connection: &Connection, max_rate: Option<u32>) -> Result<Session, Failure> {
    let (builder, sandbox) = if connection.sandbox {
        let sandbox = Sandbox::builder()
            .in_progress_polls(1)
            .no_rate_limit()
            .start()
            .await
            .map_err(|e| Failure::new(Exit::Failure, format!("cannot start the sandbox: {e}")))?;
        tracing::debug!(base_url = sandbox.base_url(), "sandbox started in-process");
        let environment = Environment::custom(sandbox.base_url(), sandbox.base_url())
            .map_err(|e| Failure::new(Exit::Failure, format!("sandbox URL: {e}")))?;
        let builder =
            Client::builder()
                .environment(environment)
                .credentials(ClientCredentials::new(
                    sandbox.client_id(),
                    sandbox.client_secret(),
                ));
        (builder, Some(sandbox))
    } else {
        (builder_from(connection)?, None)
    };
    let builder = match max_rate.and_then(NonZeroU32::new) {
        Some(n) => builder.rate_limit(RateLimit::per_minute(n)),
        None => builder,
    };
    let client = builder.build()?;
    Ok(Session { client, sandbox })
}

/// A client builder from the flags (clap has already read the environment variables into
/// them), with the SDK's own rules for regions and URLs.
fn builder_from(connection: &Connection) -> Result<ClientBuilder, Failure> {
    let missing = |flag: &str, var: &str| {
        Failure::new(Exit::Usage, format!("no OAuth client {flag}: pass --client-{flag} or set {var}"))
            .hint("create an OAuth client of the client-credentials type in Genesys Cloud Admin; or try --sandbox to see the tool without an account")
    };
    if blank(&connection.client_id) {
        return Err(missing("id", "GENESYSCLOUD_OAUTHCLIENT_ID"));
    }
    if blank(&connection.client_secret) {
        return Err(missing("secret", "GENESYSCLOUD_OAUTHCLIENT_SECRET"));
    }
    let builder = ClientBuilder::from_env_with(|name| match name {
        "GENESYSCLOUD_OAUTHCLIENT_ID" => connection.client_id.clone(),
        "GENESYSCLOUD_OAUTHCLIENT_SECRET" => connection.client_secret.clone(),
        "GENESYSCLOUD_REGION" => connection.region.clone(),
        "GENESYSCLOUD_API_URL" => connection.api_url.clone(),
        "GENESYSCLOUD_LOGIN_URL" => connection.login_url.clone(),
        _ => None,
    })
    .map_err(|e| {
        // The SDK names environment variables; the flags mean the same.
        let message = e
            .to_string()
            .replace("GENESYSCLOUD_REGION", "--region / GENESYSCLOUD_REGION")
            .replace("GENESYSCLOUD_API_URL", "--api-url / GENESYSCLOUD_API_URL")
            .replace("GENESYSCLOUD_LOGIN_URL", "--login-url / GENESYSCLOUD_LOGIN_URL");
        Failure::new(Exit::Usage, message).hint(
            "--region takes a name such as us_east_1 or eu_west_1 or a domain such as mypurecloud.ie; \
             --api-url/--login-url take absolute URLs",
        )
    })?;
    tracing::debug!(
        region = connection.region.as_deref().unwrap_or(""),
        api_url = connection.api_url.as_deref().unwrap_or(""),
        login_url = connection.login_url.as_deref().unwrap_or(""),
        "connection settings"
    );
    Ok(builder)
}

fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

async fn usage(
    session: &Session,
    args: &UsageArgs,
    destination: &Destination,
    verbose: bool,
) -> Result<Exit, Failure> {
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
        let spinner = if io::stderr().is_terminal() && !verbose {
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
    destination.write(|out, printer| printer.report(out, &report))?;
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

async fn overview(
    session: &Session,
    args: &OverviewArgs,
    destination: &Destination,
    verbose: bool,
) -> Result<Exit, Failure> {
    let mut ids = args.trustors.clone();
    if let Some(path) = &args.trustors_file {
        ids.extend(read_trustors_file(path)?);
    }
    let mut seen = HashSet::new();
    let mut ids: Vec<String> = ids
        .into_iter()
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty() && seen.insert(id.clone()))
        .collect();
    if ids.is_empty() {
        match &session.sandbox {
            Some(sandbox) => ids = sandbox.trustor_org_ids().to_vec(),
            None => {
                return Err(Failure::new(
                    Exit::Usage,
                    "overview needs at least one trustor org: --trustor ORG_ID or --trustors-file FILE",
                ));
            }
        }
    }

    let bar = if io::stderr().is_terminal() && !verbose && ids.len() > 1 {
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

    let position = |id: &str| ids.iter().position(|i| i == id).unwrap_or(usize::MAX);
    overviews.sort_by_key(|o| position(&o.org_id));
    if failures.is_empty() || !overviews.is_empty() {
        destination.write(|out, printer| printer.overviews(out, &overviews))?;
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

/// Where the result goes and in which format.
struct Destination {
    file: Option<PathBuf>,
    format: Format,
    fit_terminal: bool,
}

impl Destination {
    fn new(file: Option<PathBuf>, format: Option<Format>) -> Destination {
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

    /// Writes with `f`; the file is created only now, so a failed command leaves none behind.
    fn write(
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

/// `--verbose`: the SDK's debug log on stderr (`RUST_LOG` overrides the filter). The SDK logs
/// operations, statuses, attempts, waits and correlation ids, never headers or bodies.
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("warn,billing_api=debug,billing_transport=debug,billing_cli=debug")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .try_init();
}
