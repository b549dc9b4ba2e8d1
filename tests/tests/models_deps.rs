//! `billing-models` stays free of HTTP and async: someone parsing stored JSON depends on it
//! alone. Checked on the resolved dependency graph, so a transitive addition is caught too.

use std::process::Command;

#[test]
fn models_crate_depends_on_serde_serde_json_chrono_and_rust_decimal_only() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            "billing-models",
            "-e",
            "normal",
            "--prefix",
            "depth",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    let crate_name = |line: &str| {
        line.trim_start_matches(|c: char| c.is_ascii_digit())
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let mut direct: Vec<String> = tree
        .lines()
        .filter(|l| l.starts_with('1'))
        .map(crate_name)
        .collect();
    direct.sort();
    assert_eq!(
        direct,
        ["chrono", "rust_decimal", "serde", "serde_json"],
        "{tree}"
    );
    let forbidden = [
        "http",
        "hyper",
        "tokio",
        "tower",
        "reqwest",
        "futures",
        "mio",
        "async-trait",
        "billing-transport",
    ];
    for line in tree.lines() {
        let name = crate_name(line);
        assert!(
            !forbidden.contains(&name.as_str()),
            "billing-models pulls in {name}:\n{tree}"
        );
    }
}
