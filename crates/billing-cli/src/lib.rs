//! `genesys-billing`, the command-line tool for the Genesys Cloud Billing API, as a library:
//! the command line ([`cli`]), one module per command with its arguments ([`commands`]), exit
//! codes and hints ([`exit`]), output formats ([`mod@format`]) and [`run`], which executes a
//! parsed command line. The binary (`src/main.rs`) only calls
//! [`main`].
//!
//! ```text
//! genesys-billing --sandbox usage --start 2026-10-01 --end 2026-11-01
//! genesys-billing overview --trustor ORG_ID [--trustor ORG_ID…] [--period 1] --format csv
//! ```
//!
//! The formatters are plain functions over [`std::io::Write`]:
//!
//! ```
//! use billing_cli::cli::Format;
//! use billing_cli::format::Printer;
//! use billing_models::BillingUsageReport;
//!
//! let report: BillingUsageReport = serde_json::from_str(
//!     r#"{"startDate":"2026-10-01T00:00:00.000Z","endDate":"2026-11-01T00:00:00.000Z",
//!         "status":"Complete","usages":[{"name":"WebRTC Phones","totalUsage":"1",
//!         "resources":[{"name":"phone-1","date":"2026-10-02T00:00:00.000Z"}]}]}"#,
//! )?;
//! let mut csv = Vec::new();
//! Printer::new(Format::Csv).report(&mut csv, &report)?;
//! assert_eq!(
//!     String::from_utf8(csv)?.lines().nth(1),
//!     Some("WebRTC Phones,1,phone-1,2026-10-02T00:00:00.000Z,2026-10-01T00:00:00.000Z,2026-11-01T00:00:00.000Z")
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod cli;
pub mod commands;
mod connect;
pub mod exit;
pub mod format;
mod run;

pub use run::run;

/// Parses the process's arguments and runs them: what the `genesys-billing` binary does.
/// Argument errors, `--help` and `--version` are handled by clap (exit code 2, 0 and 0).
pub fn main() -> std::process::ExitCode {
    use clap::Parser;
    run(cli::Cli::parse()).into()
}
