//! The committed man pages are what the command line's definition renders.

use xtask::{codegen, man};

#[test]
fn man_pages_are_fresh() {
    let root = codegen::workspace_root();
    let pages = man::pages().unwrap();
    assert!(
        pages
            .iter()
            .any(|p| p.path.ends_with("genesys-billing-login.1")),
        "one page per command"
    );
    let top = &pages[0].contents;
    assert!(
        top.contains("\\-\\-profile") && top.contains("completions"),
        "{top}"
    );
    let mut stale = codegen::stale_files(&root, &pages);
    stale.retain(|(path, _)| path.starts_with(man::MAN_DIR));
    // A page of a command that is gone.
    for entry in std::fs::read_dir(root.join(man::MAN_DIR))
        .unwrap()
        .flatten()
    {
        let path = std::path::Path::new(man::MAN_DIR).join(entry.file_name());
        if !pages.iter().any(|p| p.path == path) {
            stale.push((path, "is not generated any more"));
        }
    }
    assert!(
        stale.is_empty(),
        "stale man pages: {stale:?}; run `cargo xtask codegen`"
    );
}
