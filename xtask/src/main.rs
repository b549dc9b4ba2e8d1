//! `cargo xtask …`: see `cargo xtask help`.

use std::process::ExitCode;

const USAGE: &str = "usage:
  cargo xtask codegen [--check]           regenerate generated code from xtask/spec/ (--check: write nothing, fail if stale)
  cargo xtask spec-extract --from FULL.json [--to OUT.json]
                                          cut the operations this SDK serves (tag Billing, the trustor lookups) out of the
                                          full Platform API swagger into xtask/spec/billing.swagger.json, with its local pins";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = xtask::codegen::workspace_root();
    let result = match args.as_slice() {
        ["codegen"] => xtask::codegen::run(&root, false),
        ["codegen", "--check"] => xtask::codegen::run(&root, true),
        ["spec-extract", rest @ ..] => spec_extract(&root, rest),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown command\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn spec_extract(root: &std::path::Path, args: &[&str]) -> Result<(), String> {
    let mut from = None;
    let mut to = root.join(xtask::codegen::SPEC_PATH);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match *arg {
            "--from" => from = it.next().map(|s| s.to_string()),
            "--to" => to = it.next().map(Into::into).ok_or("--to needs a path")?,
            other => return Err(format!("spec-extract: unknown argument `{other}`\n{USAGE}")),
        }
    }
    let from = from.ok_or("spec-extract: --from FULL.json is required")?;
    let full = std::fs::read_to_string(&from).map_err(|e| format!("{from}: {e}"))?;
    let text = xtask::extract::extract(&full, &xtask::extract::PINNED)?;
    std::fs::write(&to, text).map_err(|e| format!("{}: {e}", to.display()))?;
    eprintln!("wrote {}; run `cargo xtask codegen` next", to.display());
    Ok(())
}
