//! What the peak-memory benchmarks share: a counting global allocator, a sandbox served from a
//! child process (`BENCH_ROLE=server`), and measurements each run in a fresh child process
//! (`BENCH_ROLE=client`) that prints one line of `key=value` pairs.

use std::alloc::System;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use billing_api::{ClientCredentials, Environment};
use billing_sandbox::SandboxBuilder;
use cap::Cap;

/// Counts live heap bytes and their high-water mark.
#[global_allocator]
pub static HEAP: Cap<System> = Cap::new(System, usize::MAX);

pub const MB: f64 = 1_000_000.0;

/// A multi-threaded runtime, as a real program would use.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// `BENCH_ROLE=server`: starts the sandbox, prints its base URL, serves until stdin closes.
pub fn serve(sandbox: SandboxBuilder) {
    runtime().block_on(async {
        let sandbox = sandbox.start().await.expect("sandbox starts");
        println!("{}", sandbox.base_url());
        // Serve until the orchestrator closes our stdin (or dies).
        let waiter = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        });
        let _ = waiter.await;
        sandbox.shutdown().await;
    });
}

/// The sandbox at `base` as both the API and the login host.
pub fn environment(base: &str) -> Environment {
    Environment::custom(base, base).expect("base URL")
}

/// The sandbox's own OAuth client.
pub fn credentials() -> ClientCredentials {
    ClientCredentials::new(
        billing_sandbox::DEFAULT_CLIENT_ID,
        billing_sandbox::DEFAULT_CLIENT_SECRET,
    )
}

/// Starts this binary as the server child, with `setting` (an environment variable) sizing
/// what it serves; answers the child and its base URL.
pub fn start_server(exe: &Path, setting: (&str, usize)) -> (Child, String) {
    let mut server = Command::new(exe)
        .env("BENCH_ROLE", "server")
        .env(setting.0, setting.1.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("server child starts");
    let mut base = String::new();
    BufReader::new(server.stdout.take().expect("server stdout"))
        .read_line(&mut base)
        .expect("server prints its URL");
    (server, base.trim().to_owned())
}

/// Closing its stdin tells the server child to stop.
pub fn stop_server(mut server: Child) {
    drop(server.stdin.take());
    let _ = server.wait();
}

/// Runs one measurement in a fresh client child; answers its result line.
pub fn measure(exe: &Path, base: &str, mode: &str) -> String {
    let output = Command::new(exe)
        .env("BENCH_ROLE", "client")
        .env("BENCH_URL", base)
        .env("BENCH_MODE", mode)
        .stderr(Stdio::inherit())
        .output()
        .expect("client child runs");
    assert!(
        output.status.success(),
        "client child failed: {:?}",
        output.status
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find(|l| l.starts_with("mode="))
        .expect("a result line")
        .to_owned()
}

/// The number after `key=` in a result line.
pub fn field(line: &str, key: &str) -> f64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
}
