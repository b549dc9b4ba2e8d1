//! One module per command: its clap arguments and the function that runs it. Every command
//! gets a `Context`: the connection flags (it connects when its own checks have passed),
//! where the output goes, and whether `--verbose` is on.

pub mod completions;
pub mod contracts;
pub mod invoices;
pub mod listing;
pub mod login;
pub mod overview;
pub mod partner;
pub mod profiles;
pub mod usage;

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::cli::Connection;
use crate::connect::{AuthKind, ConnectOptions, Session, connect};
use crate::exit::Failure;
use crate::format::Destination;

/// What every command runs with.
pub(crate) struct Context {
    /// The connection flags, read but not yet used: see `Context::connect`.
    pub connection: Connection,
    /// Where the result goes and in which format.
    pub destination: Destination,
    /// `--verbose`: the SDK logs on stderr, so progress bars stay hidden.
    pub verbose: bool,
    /// `--log-file`.
    pub log_file: Option<PathBuf>,
    /// How the command's client authenticated, once it connected: a refusal is explained
    /// for the kind of credentials used.
    pub auth: OnceLock<AuthKind>,
}

impl Context {
    /// Connects (to Genesys Cloud, or to an in-process sandbox with `--sandbox`).
    pub async fn connect(&self, options: ConnectOptions) -> Result<Session, Failure> {
        let session = connect(&self.connection, options).await?;
        let _ = self.auth.set(session.auth.clone());
        Ok(session)
    }
}
