//! Peak memory of fetching and decoding a 50 MB billable usage report through the client
//! (benchmark 4; results in `docs/performance.md`).
//!
//! The sandbox serves the report from a second process (this same binary, started with
//! `BENCH_ROLE=server`), so that its cached copy of the report is not counted. Each measurement
//! runs in a fresh child process (`BENCH_ROLE=client`) whose global allocator counts live heap
//! bytes and their high-water mark ([`cap::Cap`] with `stats`); the child also reads `VmHWM`
//! (peak resident set) from `/proc/self/status`. Figures are the peak minus what was live
//! before the call, divided by the body size. Modes:
//!
//! - `client`: `Client::get_billing_reports_billableusage`, the whole call (token, fetch, decode);
//! - `phases`: the transport alone (`Transport::send`, body buffered), then the typed decode of
//!   that body, each phase's peak apart: where the memory goes.
//!
//! `cargo bench -p billing-api --bench memory`; `BENCH_QUICK=1` uses a 5 MB report, one round.

use std::alloc::System;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use billing_api::models::BillingUsageReport;
use billing_api::{Client, ClientCredentials, Environment};
use billing_sandbox::Sandbox;
use billing_transport::{RequestMeta, Transport};
use bytes::Bytes;
use cap::Cap;
use chrono::{TimeZone, Utc};

#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

const MB: f64 = 1_000_000.0;
const START: (i32, u32) = (2026, 10);

/// A line of `/proc/self/status`, in bytes (`VmHWM`, `VmRSS`).
fn proc_status(field: &str) -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<usize>().ok())
            })
        })
        .map_or(0, |kb| kb * 1024)
}

fn period() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let start = Utc
        .with_ymd_and_hms(START.0, START.1, 1, 0, 0, 0)
        .single()
        .expect("date");
    let end = Utc
        .with_ymd_and_hms(START.0, START.1 + 1, 1, 0, 0, 0)
        .single()
        .expect("date");
    (start, end)
}

/// `BENCH_ROLE=server`: a sandbox without rate limit whose reports are `BENCH_BYTES` long;
/// prints its base URL, serves until stdin closes.
fn server(bytes: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::builder()
            .report_target_bytes(bytes)
            .in_progress_polls(0)
            .no_rate_limit()
            .max_recorded_requests(0)
            .start()
            .await
            .expect("sandbox starts");
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

fn environment(base: &str) -> Environment {
    Environment::custom(base, base).expect("base URL")
}

fn credentials() -> ClientCredentials {
    ClientCredentials::new(
        billing_sandbox::DEFAULT_CLIENT_ID,
        billing_sandbox::DEFAULT_CLIENT_SECRET,
    )
}

/// `BENCH_ROLE=client`: one measurement, printed as `key=value` pairs on one line.
fn client(base: &str, mode: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (start, end) = period();
    runtime.block_on(async {
        match mode {
            "client" => {
                let client = Client::builder()
                    .environment(environment(base))
                    .credentials(credentials())
                    .build()
                    .expect("client builds");
                let live_before = HEAP.allocated();
                let peak_before = HEAP.max_allocated();
                let hwm_before = proc_status("VmHWM:");
                let rss_before = proc_status("VmRSS:");
                let report = client
                    .get_billing_reports_billableusage(start, end)
                    .await
                    .expect("report");
                let peak = HEAP.max_allocated();
                let live_after = HEAP.allocated();
                let hwm = proc_status("VmHWM:");
                // The body size, measured the same way the server sent it.
                let body = serde_json::to_vec(&report).expect("encode").len();
                let resources: usize = report.usages.iter().map(|u| u.resources.len()).sum();
                assert!(peak_before < peak, "the call sets the high-water mark");
                println!(
                    "mode=client body={body} resources={resources} live_before={live_before} peak={peak} \
                     report_live={} hwm_before={hwm_before} rss_before={rss_before} hwm={hwm}",
                    live_after - live_before
                );
                drop(report);
            }
            "phases" => {
                let transport = Transport::builder()
                    .environment(environment(base))
                    .credentials(credentials())
                    .build()
                    .expect("transport builds");
                let uri = format!(
                    "/api/v2/billing/reports/billableusage?startDate={}&endDate={}",
                    billing_api::models::datetime::format(&start).replace(':', "%3A"),
                    billing_api::models::datetime::format(&end).replace(':', "%3A"),
                );
                let request = http::Request::get(uri)
                    .extension(RequestMeta::new(
                        "getBillingReportsBillableusage",
                        "/api/v2/billing/reports/billableusage",
                        true,
                    ))
                    .body(Bytes::new())
                    .expect("request");
                let live_before = HEAP.allocated();
                let hwm_before = proc_status("VmHWM:");
                let response = transport.send(request).await.expect("response");
                assert!(response.status().is_success(), "{}", response.status());
                let fetch_peak = HEAP.max_allocated();
                let body_live = HEAP.allocated();
                let hwm_fetch = proc_status("VmHWM:");
                let body = response.body().len();
                let report: BillingUsageReport =
                    serde_json::from_slice(response.body()).expect("decode");
                let decode_peak = HEAP.max_allocated();
                let report_live = HEAP.allocated() - body_live;
                let hwm = proc_status("VmHWM:");
                println!(
                    "mode=phases body={body} live_before={live_before} fetch_peak={fetch_peak} \
                     body_live={body_live} decode_peak={decode_peak} report_live={report_live} \
                     hwm_before={hwm_before} hwm_fetch={hwm_fetch} hwm={hwm} resources={}",
                    report.usages.iter().map(|u| u.resources.len()).sum::<usize>()
                );
            }
            other => panic!("unknown BENCH_MODE {other}"),
        }
    });
}

fn field(line: &str, key: &str) -> f64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
}

fn measure(exe: &std::path::Path, base: &str, mode: &str) -> String {
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

fn orchestrate(quick: bool) {
    let bytes: usize = if quick { 5_000_000 } else { 50_000_000 };
    let rounds = if quick { 1 } else { 3 };
    let exe = std::env::current_exe().expect("own path");
    // The sandbox sizes reports from a linear estimate that can be off by 10-15 %; measure what
    // it serves and start it again once with a corrected target, so the body is about `bytes`.
    let (mut server, mut base) = start_server(&exe, bytes);
    // Let the first request build the server's copy; it is not measured.
    let mut warm = measure(&exe, &base, "phases");
    let served = field(&warm, "body");
    if (served - bytes as f64).abs() / bytes as f64 > 0.03 {
        stop_server(server);
        let corrected = (bytes as f64 * bytes as f64 / served) as usize;
        (server, base) = start_server(&exe, corrected);
        warm = measure(&exe, &base, "phases");
    }
    println!(
        "memory: report of {:.1} MB from a sandbox in another process; {rounds} rounds, each in a fresh process",
        field(&warm, "body") / MB
    );
    println!(
        "{:>6} {:>6} {:>9} {:>11} {:>9} {:>11} {:>9} {:>11} {:>9}",
        "mode",
        "round",
        "body MB",
        "heap peak",
        "x body",
        "report MB",
        "x body",
        "VmHWM +MB",
        "x body"
    );
    for round in 1..=rounds {
        for mode in ["client", "phases"] {
            let line = measure(&exe, &base, mode);
            let body = field(&line, "body");
            let before = field(&line, "live_before");
            let hwm_growth = field(&line, "hwm") - field(&line, "hwm_before");
            let report = field(&line, "report_live");
            if mode == "client" {
                let peak = field(&line, "peak") - before;
                println!(
                    "{:>6} {:>6} {:>9.1} {:>9.1}MB {:>8.2}x {:>9.1}MB {:>8.2}x {:>9.1}MB {:>8.2}x",
                    mode,
                    round,
                    body / MB,
                    peak / MB,
                    peak / body,
                    report / MB,
                    report / body,
                    hwm_growth / MB,
                    hwm_growth / body
                );
            } else {
                let fetch = field(&line, "fetch_peak") - before;
                let body_live = field(&line, "body_live") - before;
                let decode = field(&line, "decode_peak") - before;
                println!(
                    "{:>6} {:>6} {:>9.1} {:>9.1}MB {:>8.2}x {:>9.1}MB {:>8.2}x {:>9.1}MB {:>8.2}x   \
                     (fetch phase peak {:.1} MB = {:.2}x, body held {:.1} MB)",
                    mode,
                    round,
                    body / MB,
                    decode.max(fetch) / MB,
                    decode.max(fetch) / body,
                    report / MB,
                    report / body,
                    hwm_growth / MB,
                    hwm_growth / body,
                    fetch / MB,
                    fetch / body,
                    body_live / MB,
                );
            }
        }
    }
    stop_server(server);
}

fn start_server(exe: &std::path::Path, bytes: usize) -> (Child, String) {
    let mut server = Command::new(exe)
        .env("BENCH_ROLE", "server")
        .env("BENCH_BYTES", bytes.to_string())
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
fn stop_server(mut server: Child) {
    drop(server.stdin.take());
    let _ = server.wait();
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| v != "0");
    match std::env::var("BENCH_ROLE").as_deref() {
        Ok("server") => server(
            std::env::var("BENCH_BYTES")
                .ok()
                .and_then(|b| b.parse().ok())
                .unwrap_or(50_000_000),
        ),
        Ok("client") => client(
            &std::env::var("BENCH_URL").expect("BENCH_URL"),
            &std::env::var("BENCH_MODE").unwrap_or_else(|_| "client".to_owned()),
        ),
        _ => orchestrate(quick),
    }
}
