//! Running a parsed command line: start the runtime, hand the command to its module under
//! [`crate::commands`], and say what went wrong on stderr with an exit code.

use std::io;

use crate::cli::{Cli, Command, Format};
use crate::commands::{self, Context};
use crate::exit::{Exit, Failure};
use crate::format::Destination;

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

async fn run_async(cli: Cli) -> Result<Exit, Failure> {
    let ctx = Context {
        destination: Destination::new(cli.output.output, cli.output.format),
        connection: cli.connection,
        verbose: cli.verbose,
    };
    if ctx.destination.format() == Format::Html && !matches!(cli.command, Command::Partner(_)) {
        return Err(Failure::new(
            Exit::Usage,
            "HTML output is for the partner command; use --format table, csv, json or ndjson",
        ));
    }
    match cli.command {
        Command::Usage(args) => commands::usage::run(&ctx, args).await,
        Command::Overview(args) => commands::overview::run(&ctx, args).await,
        Command::Partner(args) => commands::partner::run(&ctx, args).await,
        Command::Contracts(args) => commands::contracts::run(&ctx, args).await,
        Command::Invoices(args) => commands::invoices::run(&ctx, args).await,
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
