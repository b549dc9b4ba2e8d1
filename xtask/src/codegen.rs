//! `cargo xtask codegen [--check]`: reads the pinned spec, lowers it, and writes (or checks)
//! every generated file of the workspace.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{emit_docs, emit_models, emit_ops, ir, spec::Spec};

/// The pinned spec, relative to the workspace root.
pub const SPEC_PATH: &str = "xtask/spec/billing.swagger.json";

/// Directories the generator owns completely: a file there that it does not write is stale.
pub const MODELS_DIR: &str = "crates/billing-models/src/generated";

/// The generated reference pages.
pub const DOCS_DIR: &str = "docs/reference";

/// The API crate's generated operations.
pub const API_DIR: &str = "crates/billing-api/src/generated";

/// One generated file: path relative to the workspace root, and its contents.
#[derive(Debug)]
pub struct GeneratedFile {
    /// Relative path.
    pub path: PathBuf,
    /// Contents.
    pub contents: String,
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Generates every file from the spec text, in memory.
pub fn generate(spec_text: &str) -> Result<Vec<GeneratedFile>, String> {
    let spec = Spec::from_json(spec_text)?;
    let api = ir::lower(&spec)?;
    let mut files = Vec::new();
    for (name, contents) in emit_models::model_files(&api, SPEC_PATH)? {
        files.push(GeneratedFile {
            path: Path::new(MODELS_DIR).join(name),
            contents,
        });
    }
    for (name, contents) in emit_ops::api_files(&api, SPEC_PATH)? {
        files.push(GeneratedFile {
            path: Path::new(API_DIR).join(name),
            contents,
        });
    }
    for (name, contents) in emit_docs::reference_files(&api) {
        files.push(GeneratedFile {
            path: Path::new(DOCS_DIR).join(name),
            contents,
        });
    }
    Ok(files)
}

/// Files that differ from what the generator writes: (path, reason).
pub fn stale_files(root: &Path, files: &[GeneratedFile]) -> Vec<(PathBuf, &'static str)> {
    let mut stale = Vec::new();
    for file in files {
        match fs::read_to_string(root.join(&file.path)) {
            Ok(on_disk) if on_disk == file.contents => {}
            Ok(_) => stale.push((file.path.clone(), "differs from the generator's output")),
            Err(_) => stale.push((file.path.clone(), "is missing")),
        }
    }
    for dir in owned_dirs() {
        let Ok(entries) = fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = Path::new(dir).join(entry.file_name());
            if !files.iter().any(|f| f.path == path) {
                stale.push((path, "is not generated any more"));
            }
        }
    }
    stale.sort();
    stale
}

fn owned_dirs() -> [&'static str; 3] {
    [MODELS_DIR, API_DIR, "docs/reference/models"]
}

/// Runs the command: writes the files, or with `check` only reports what is stale.
pub fn run(root: &Path, check: bool) -> Result<(), String> {
    let spec_text =
        fs::read_to_string(root.join(SPEC_PATH)).map_err(|e| format!("{SPEC_PATH}: {e}"))?;
    let mut files = generate(&spec_text)?;
    files.extend(crate::man::pages()?);
    let stale = stale_files(root, &files);
    if check {
        if stale.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = stale
            .iter()
            .map(|(p, why)| format!("  {} {why}", p.display()))
            .collect();
        return Err(format!(
            "generated code is stale:\n{}\nrun `cargo xtask codegen` and commit the result",
            list.join("\n")
        ));
    }
    for (path, why) in &stale {
        let full = root.join(path);
        if *why == "is not generated any more" {
            fs::remove_file(&full).map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!("removed {}", path.display());
            continue;
        }
        let contents = &files
            .iter()
            .find(|f| &f.path == path)
            .expect("stale file is generated")
            .contents;
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        fs::write(&full, contents).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
