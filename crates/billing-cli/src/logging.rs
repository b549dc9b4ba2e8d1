//! Where the SDK's log goes: stderr with `--verbose`, appended to `--log-file` (or the
//! profile's `log_file_path` when its `logging_enabled` is true), as text or JSON lines. The
//! SDK logs operations, statuses, attempts, waits and correlation ids, never headers, bodies or
//! secrets.

use std::fs::OpenOptions;
use std::io::{self, IsTerminal};
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::cli::LogFormat;
use crate::exit::{Exit, Failure};

/// What is logged unless `RUST_LOG` says otherwise.
const DEFAULT_FILTER: &str = "warn,billing_api=debug,billing_transport=debug,billing_cli=debug";

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Starts logging to stderr (`verbose`) and/or appending to `file`; nothing when neither.
pub(crate) fn init(verbose: bool, file: Option<&Path>, format: LogFormat) -> Result<(), Failure> {
    let mut layers: Vec<BoxedLayer> = Vec::new();
    if verbose {
        layers.push(layer(io::stderr, format, io::stderr().is_terminal()));
    }
    if let Some(path) = file {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                Failure::new(
                    Exit::Usage,
                    format!("cannot open the log file {}: {e}", path.display()),
                )
            })?;
        layers.push(layer(Mutex::new(file), format, false));
    }
    if layers.is_empty() {
        return Ok(());
    }
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Fails only when a subscriber is set already (a program calling `run` twice): keep it.
    let _ = tracing_subscriber::registry()
        .with(layers.with_filter(filter))
        .try_init();
    Ok(())
}

fn layer<W>(writer: W, format: LogFormat, ansi: bool) -> BoxedLayer
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let layer = tracing_subscriber::fmt::layer().with_writer(writer);
    match format {
        LogFormat::Text => layer.with_ansi(ansi).boxed(),
        LogFormat::Json => layer.json().with_ansi(false).boxed(),
    }
}
