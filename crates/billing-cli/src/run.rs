//! Running a parsed command line: start the runtime, hand the command to its module under
//! [`crate::commands`], and say what went wrong on stderr with an exit code.

use std::sync::OnceLock;

use crate::cli::{Cli, Command, Format};
use crate::commands::{self, Context};
use crate::connect::{AuthKind, resolve};
use crate::exit::{Exit, Failure};
use crate::format::Destination;

/// Runs `cli` to the end and says how the process should exit. Errors are already reported on
/// stderr when this returns.
pub fn run(cli: Cli) -> Exit {
    if let Err(failure) = start_logging(&cli) {
        return failure.report();
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
        log_file: cli.log_file,
        auth: OnceLock::new(),
    };
    if ctx.destination.format() == Format::Html && !matches!(cli.command, Command::Partner(_)) {
        return Err(Failure::new(
            Exit::Usage,
            "HTML output is for the partner command; use --format table, csv, json or ndjson",
        ));
    }
    ctx.destination.check_folder()?;
    let outcome = match cli.command {
        Command::Usage(args) => commands::usage::run(&ctx, args).await,
        Command::Overview(args) => commands::overview::run(&ctx, args).await,
        Command::Partner(args) => commands::partner::run(&ctx, args).await,
        Command::Contracts(args) => commands::contracts::run(&ctx, args).await,
        Command::Invoices(args) => commands::invoices::run(&ctx, args).await,
        Command::Login(args) => commands::login::run(&ctx, args).await,
        Command::Logout(args) => commands::login::logout(&ctx, args).await,
        Command::Profiles(args) => commands::profiles::run(&ctx, &args),
        Command::Completions(args) => commands::completions::run(&args),
    };
    explain_refusal(ctx.auth.get(), outcome)
}

/// An auth failure with a token the user gave or saved is a refused or expired token, not a
/// wrong client secret: say so, and what to do.
fn explain_refusal(
    auth: Option<&AuthKind>,
    outcome: Result<Exit, Failure>,
) -> Result<Exit, Failure> {
    let (what, hint) = match auth {
        Some(AuthKind::AccessToken(source)) => (
            format!("the access token from {source} was not accepted"),
            "access tokens are sent as they are and never refreshed: get a new one, or use \
             client credentials or `genesys-billing login`",
        ),
        Some(AuthKind::SavedSignIn(path)) => (
            format!("the saved sign-in ({}) was not accepted", path.display()),
            "run `genesys-billing login` again",
        ),
        _ => return outcome,
    };
    match outcome {
        Err(failure) if failure.exit() == Exit::Auth => Err(failure.token_refused(&what, hint)),
        Ok(Exit::Auth) => {
            eprintln!("error: token refused or expired: {what}");
            eprintln!("hint: {hint}");
            Ok(Exit::Auth)
        }
        other => other,
    }
}

/// Logging as the flags and the profile say. The profile is read only when a command may use
/// it (not for `completions`, nor with `--sandbox`).
fn start_logging(cli: &Cli) -> Result<(), Failure> {
    let log_file = if cli.connection.sandbox || matches!(cli.command, Command::Completions(_)) {
        cli.log_file.clone()
    } else {
        resolve(&cli.connection, cli.log_file.as_deref())?
            .settings
            .log_file
            .map(|file| file.value)
    };
    crate::logging::init(cli.verbose, log_file.as_deref(), cli.log_format)
}
