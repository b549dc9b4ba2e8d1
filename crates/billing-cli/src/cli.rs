//! The command line as clap sees it: global connection and output flags, the two commands,
//! and the argument parsers that turn text into dates and durations.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::commands::completions::CompletionsArgs;
pub use crate::commands::contracts::ContractsArgs;
pub use crate::commands::invoices::InvoicesArgs;
pub use crate::commands::login::{LoginArgs, LogoutArgs};
pub use crate::commands::overview::OverviewArgs;
pub use crate::commands::partner::PartnerArgs;
pub use crate::commands::profiles::ProfilesArgs;
pub use crate::commands::usage::UsageArgs;

/// The exit codes, for every `--help`.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  any other error (network, server error, unreadable answer, cannot write the output)
  2  usage error: a bad argument, a bad date, missing credentials or connection settings
  3  the usage report is not Complete (--no-wait, or still InProgress when --timeout passed)
  4  overview, partner: some trustor orgs failed (the others were printed)
  5  authentication failed: the client id or secret was refused, the access token was
     refused or has expired, or the sign-in was declined
  6  rate limited: the API asked to wait longer than the tool waits (180 s)";

/// What the top-level `--help` ends with after the exit codes.
const ENVIRONMENT: &str = "\
Environment:
  GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET, GENESYSCLOUD_REGION,
  GENESYSCLOUD_API_URL, GENESYSCLOUD_LOGIN_URL, GENESYSCLOUD_ACCESS_TOKEN and
  GENESYSCLOUD_PROFILE stand in for the flags of the same meaning.
  RUST_LOG overrides what --verbose and --log-file show.

Configuration:
  Profiles are read from gc's ~/.gc/config.toml (--config for another file); flags beat
  environment variables, which beat the profile. `genesys-billing profiles show` says
  which value is used and where it comes from.

Examples:
  genesys-billing --sandbox usage --start 2026-10-01 --end 2026-11-01
  genesys-billing --region eu_west_1 usage --start 2026-10-01 --end 2026-11-01 --format csv -o usage.csv
  genesys-billing overview --trustor 5c3b0f2e-7d41-4f8a-9b6c-2e1d0a9f8c7b --period 1";

/// genesys-billing: billable usage, contracts and invoices, and partner billing from the Genesys
/// Cloud Billing API.
///
/// Signs in with an OAuth client (client credentials), an access token you hold, a gc profile
/// or `genesys-billing login` in the browser. Try it without an account:
/// `genesys-billing --sandbox usage --start 2026-10-01 --end 2026-11-01`.
#[derive(Debug, Parser)]
#[command(name = "genesys-billing", version, after_help = format!("{EXIT_CODES}\n\n{ENVIRONMENT}"))]
pub struct Cli {
    /// Where to connect and with which credentials.
    #[command(flatten, next_help_heading = "Connection")]
    pub connection: Connection,

    /// How and where to write the result.
    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,

    /// Log what the SDK does (requests, retries, token fetches) on stderr; never secrets.
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// Append the SDK's log to FILE (also the profile's log_file_path, when its
    /// logging_enabled is true); never secrets.
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// Format of log lines, on stderr and in --log-file.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Connection settings: a region or custom URLs, and OAuth client credentials.
#[derive(Debug, Clone, Default, Args)]
pub struct Connection {
    /// Genesys Cloud region, e.g. us_east_1, eu_west_1, or a domain such as mypurecloud.ie
    /// [default: us_east_1]
    #[arg(
        long,
        env = "GENESYSCLOUD_REGION",
        global = true,
        value_name = "REGION"
    )]
    pub region: Option<String>,

    /// API base URL instead of a region (a private deployment or a local server).
    #[arg(
        long,
        env = "GENESYSCLOUD_API_URL",
        global = true,
        value_name = "URL",
        help = "API base URL instead of a region, e.g. https://api.mypurecloud.com or a local server"
    )]
    pub api_url: Option<String>,

    /// Login (OAuth) base URL; derived from --api-url (api. → login.) when not given.
    #[arg(
        long,
        env = "GENESYSCLOUD_LOGIN_URL",
        global = true,
        value_name = "URL"
    )]
    pub login_url: Option<String>,

    /// OAuth client id (client-credentials grant).
    #[arg(
        long,
        env = "GENESYSCLOUD_OAUTHCLIENT_ID",
        hide_env_values = true,
        global = true,
        value_name = "ID"
    )]
    pub client_id: Option<String>,

    /// OAuth client secret; prefer the environment variable to keep it out of shell history.
    #[arg(
        long,
        env = "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        hide_env_values = true,
        global = true,
        value_name = "SECRET"
    )]
    pub client_secret: Option<String>,

    /// Run against a sandbox server started inside this process: no account needed, made-up
    /// data. Connection flags are ignored.
    #[arg(long, global = true)]
    pub sandbox: bool,

    /// Profile of the gc configuration file [default: DEFAULT]
    #[arg(
        long,
        short = 'p',
        env = billing_api::profile::PROFILE_ENV,
        global = true,
        value_name = "NAME"
    )]
    pub profile: Option<String>,

    /// gc configuration file with the profiles [default: ~/.gc/config.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// An OAuth access token you already hold: sent as it is, never refreshed.
    #[arg(
        long,
        env = "GENESYSCLOUD_ACCESS_TOKEN",
        hide_env_values = true,
        global = true,
        value_name = "TOKEN"
    )]
    pub access_token: Option<String>,

    /// The ids of the settings above whose value clap took from an environment variable
    /// (set by `billing_cli::main`), so that `profiles show` names the right source.
    #[arg(skip)]
    pub from_env: Vec<&'static str>,
}

/// The settings of [`Connection`] that have an environment variable, by clap id.
pub const CONNECTION_ENV_IDS: [&str; 7] = [
    "region",
    "api_url",
    "login_url",
    "client_id",
    "client_secret",
    "access_token",
    "profile",
];

/// The format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// One line of text per event.
    #[default]
    Text,
    /// One JSON object per event.
    Json,
}

/// Output settings.
#[derive(Debug, Clone, Default, Args)]
pub struct OutputArgs {
    /// Output format [default: table on a terminal, else json; with --output, from the file
    /// extension (.csv, .json, .ndjson/.jsonl, .txt, .html)]
    #[arg(long, short, global = true, value_enum)]
    pub format: Option<Format>,

    /// Write the result to FILE instead of stdout.
    #[arg(long, short, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for people.
    Table,
    /// CSV: one row per usage resource (usage reports), per usage line (overviews), per org ×
    /// period × usage line (partner) or per item (contracts, invoices).
    Csv,
    /// The API's JSON, pretty-printed (overviews and listings: an array).
    Json,
    /// One JSON document per line (overviews and partner: one per org; listings: one per item).
    Ndjson,
    /// One self-contained HTML page (partner only).
    Html,
}

impl Format {
    /// The format for `--output FILE` without `--format`, from the file's extension
    /// (`None` when the extension says nothing).
    pub fn from_extension(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "txt" => Some(Format::Table),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The billable usage report for a period (licences and devices in use).
    ///
    /// The service builds the report on demand and answers InProgress until it is ready; the
    /// command asks again every --interval seconds until it is Complete.
    #[command(after_help = EXIT_CODES)]
    Usage(UsageArgs),
    /// Trustee billing overviews of customer (trustor) orgs, for partners.
    ///
    /// Several orgs are fetched concurrently; an org that fails is reported on stderr and the
    /// others are still printed (exit code 4).
    #[command(after_help = EXIT_CODES)]
    Overview(OverviewArgs),
    /// A partner's billing roll-up over many trustor orgs: usage against prepaid quantities,
    /// estimated prepaid and overage amounts per org, product and currency.
    ///
    /// An estimate from the trustee billing overviews, not an invoice (no taxes, discounts or
    /// minimums applied). --format html writes one self-contained page.
    #[command(after_help = EXIT_CODES)]
    Partner(PartnerArgs),
    /// Contracts: every contract, one contract, or one billing period's charges and wallets.
    ///
    /// A preview API of Genesys Cloud: it may change without notice.
    #[command(after_help = EXIT_CODES)]
    Contracts(ContractsArgs),
    /// Invoices: every invoice, one invoice's lines, or its PDF.
    ///
    /// A preview API of Genesys Cloud: it may change without notice.
    #[command(after_help = EXIT_CODES)]
    Invoices(InvoicesArgs),
    /// Sign in as yourself in the browser (OAuth authorization code with PKCE) and keep the
    /// token for later commands of this profile and region.
    #[command(after_help = EXIT_CODES)]
    Login(LoginArgs),
    /// Forget the token `login` saved for this profile and region.
    Logout(LogoutArgs),
    /// The profiles of the gc configuration file, and the settings in effect.
    Profiles(ProfilesArgs),
    /// Print a shell completion script: `source <(genesys-billing completions bash)`.
    Completions(CompletionsArgs),
}

/// The forms a date may take, for error messages and hints.
pub const DATE_FORMS: &str = "use a date such as 2026-10-01 (midnight UTC) or an RFC 3339 date-time such as 2026-10-01T00:00:00Z or 2026-10-01T02:00:00+02:00";

/// Reads `2026-10-01` as midnight UTC, or any RFC 3339 date-time (converted to UTC).
///
/// ```
/// let t = billing_cli::cli::parse_date("2026-10-01").unwrap();
/// assert_eq!(t.to_rfc3339(), "2026-10-01T00:00:00+00:00");
/// let t = billing_cli::cli::parse_date("2026-10-01T02:00:00+02:00").unwrap();
/// assert_eq!(t.to_rfc3339(), "2026-10-01T00:00:00+00:00");
/// assert!(billing_cli::cli::parse_date("01/10/2026").is_err());
/// ```
pub fn parse_date(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(NaiveTime::MIN).and_utc());
    }
    billing_models::datetime::parse(text).map_err(|_| format!("not a date; {DATE_FORMS}"))
}

/// Reads a number of seconds, fractions allowed (`0.5`); must be positive and finite.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| "expected a number of seconds, e.g. 3 or 0.5".to_owned())?;
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 * 365.0 {
        return Err("expected a positive number of seconds".to_owned());
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dates_in_both_forms() {
        assert_eq!(
            parse_date("2026-10-01").unwrap(),
            parse_date("2026-10-01T00:00:00Z").unwrap()
        );
        assert_eq!(
            billing_models::datetime::format(&parse_date("2026-10-01T00:00:00.250-01:00").unwrap()),
            "2026-10-01T01:00:00.250Z"
        );
        for bad in [
            "2026-13-01",
            "2026-10-01T25:00:00Z",
            "yesterday",
            "",
            "2026-10-01 00:00",
        ] {
            let err = parse_date(bad).unwrap_err();
            assert!(err.contains("2026-10-01"), "{bad}: {err}");
        }
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("0.5").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_seconds("3").unwrap(), Duration::from_secs(3));
        for bad in ["0", "-1", "NaN", "inf", "x"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn format_from_extension() {
        use std::path::Path;
        assert_eq!(
            Format::from_extension(Path::new("a.CSV")),
            Some(Format::Csv)
        );
        assert_eq!(
            Format::from_extension(Path::new("a.jsonl")),
            Some(Format::Ndjson)
        );
        assert_eq!(
            Format::from_extension(Path::new("a.json")),
            Some(Format::Json)
        );
        assert_eq!(
            Format::from_extension(Path::new("a.txt")),
            Some(Format::Table)
        );
        assert_eq!(Format::from_extension(Path::new("report")), None);
    }
}
