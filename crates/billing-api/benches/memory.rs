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

mod common;

use billing_api::Client;
use billing_api::models::BillingUsageReport;
use billing_sandbox::Sandbox;
use billing_transport::{RequestMeta, Transport};
use bytes::Bytes;
use chrono::{TimeZone, Utc};

use common::{
    HEAP, MB, credentials, environment, field, measure, runtime, serve, start_server, stop_server,
};

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

/// `BENCH_ROLE=server`: a sandbox without rate limit whose reports are `bytes` long.
fn server(bytes: usize) {
    serve(
        Sandbox::builder()
            .report_target_bytes(bytes)
            .in_progress_polls(0)
            .no_rate_limit()
            .max_recorded_requests(0),
    );
}

/// `BENCH_ROLE=client`: one measurement, printed as `key=value` pairs on one line.
fn client(base: &str, mode: &str) {
    let (start, end) = period();
    runtime().block_on(async {
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

fn orchestrate(quick: bool) {
    let bytes: usize = if quick { 5_000_000 } else { 50_000_000 };
    let rounds = if quick { 1 } else { 3 };
    let exe = std::env::current_exe().expect("own path");
    // The sandbox sizes reports from a linear estimate that can be off by 10-15 %; measure what
    // it serves and start it again once with a corrected target, so the body is about `bytes`.
    let (mut server, mut base) = start_server(&exe, ("BENCH_BYTES", bytes));
    // Let the first request build the server's copy; it is not measured.
    let mut warm = measure(&exe, &base, "phases");
    let served = field(&warm, "body");
    if (served - bytes as f64).abs() / bytes as f64 > 0.03 {
        stop_server(server);
        let corrected = (bytes as f64 * bytes as f64 / served) as usize;
        (server, base) = start_server(&exe, ("BENCH_BYTES", corrected));
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
