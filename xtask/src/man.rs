//! The man pages of `genesys-billing`, rendered by clap_mangen from the command line's own
//! definition: `docs/man/genesys-billing.1` and one page per command
//! (`genesys-billing-usage.1`, …). `cargo xtask codegen` writes them with the generated code,
//! and `--check` fails when the command line changed without them.

use std::path::Path;

use clap::CommandFactory;

use crate::codegen::GeneratedFile;

/// Where the pages go, relative to the workspace root.
pub const MAN_DIR: &str = "docs/man";

/// Every page, in memory.
pub fn pages() -> Result<Vec<GeneratedFile>, String> {
    let mut command = billing_cli::cli::Cli::command();
    // Global flags reach the commands' pages only once the definition is built.
    command.build();
    let mut pages = vec![render(&command, "genesys-billing")?];
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("genesys-billing-{}", sub.get_name());
        pages.push(render(&sub.clone().name(name.clone()), &name)?);
    }
    Ok(pages)
}

fn render(command: &clap::Command, name: &str) -> Result<GeneratedFile, String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut out)
        .map_err(|e| format!("{name}.1: {e}"))?;
    let contents = String::from_utf8(out).map_err(|e| format!("{name}.1: {e}"))?;
    Ok(GeneratedFile {
        path: Path::new(MAN_DIR).join(format!("{name}.1")),
        contents,
    })
}
