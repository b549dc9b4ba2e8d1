//! The binary started as on a clean machine: a temporary HOME and XDG directories (so no
//! `~/.gc/config.toml`, saved sign-in or log of the developer's is read or written), and none
//! of the developer's `GENESYSCLOUD_*`, proxy or log variables.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::OnceLock;

use assert_cmd::Command;
use billing_sandbox::{Sandbox, SandboxBuilder};

/// Variables besides `GENESYSCLOUD_*` that would change what the binary does.
const REMOVED: [&str; 9] = [
    "RUST_LOG",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// Starts `cmd` with `home` as HOME (and the XDG directories under it) and without any
/// `GENESYSCLOUD_*` variable of this process or the others in [`REMOVED`].
pub fn isolate(cmd: &mut StdCommand, home: &Path) {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GENESYSCLOUD_") {
            cmd.env_remove(name);
        }
    }
    for name in REMOVED {
        cmd.env_remove(name);
    }
    cmd.env("HOME", home)
        .env("USERPROFILE", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"));
}

/// The binary with `home` as its HOME, isolated as [`isolate`] says, with a 60 s timeout.
pub fn bin_in(home: &Path) -> Command {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("genesys-billing"));
    isolate(&mut cmd, home);
    let mut cmd = Command::from_std(cmd);
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd
}

/// The binary with an empty temporary HOME shared by this test binary's runs (under Cargo's
/// target tmp directory), isolated as [`isolate`] says.
pub fn bin() -> Command {
    bin_in(shared_home())
}

/// An empty directory that lives as long as this test binary.
pub fn shared_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("home-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("a temporary HOME")
            .keep()
    })
}

/// A sandbox on its own runtime, for the binary (another process) to talk to. Fields drop in
/// order: the sandbox is told to stop before its runtime goes.
pub struct Server {
    /// The sandbox.
    pub sandbox: Sandbox,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    /// Starts the sandbox `builder` describes on a runtime of its own.
    pub fn new(builder: SandboxBuilder) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime.block_on(builder.start()).unwrap();
        Server {
            sandbox,
            _runtime: runtime,
        }
    }

    /// The binary pointed at this sandbox with its client credentials.
    pub fn cmd(&self) -> Command {
        let mut cmd = bin();
        let base = self.sandbox.base_url();
        cmd.args(["--api-url", base, "--login-url", base])
            .args(["--client-id", self.sandbox.client_id()])
            .args(["--client-secret", self.sandbox.client_secret()]);
        cmd
    }
}
