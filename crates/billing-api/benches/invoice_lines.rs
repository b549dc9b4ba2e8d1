//! Streaming an invoice's lines in pages of 200 to NDJSON: items per second and peak heap,
//! against collecting every line first and writing them after (results in
//! `docs/performance.md`, "Streaming invoice lines").
//!
//! The sandbox runs in another process (this binary with `BENCH_ROLE=server`), so only the
//! client's memory is counted. Each measurement runs in a fresh child process
//! (`BENCH_ROLE=client`) whose global allocator counts live heap bytes and their high-water
//! mark ([`cap::Cap`] with `stats`). The figure is the peak minus what was live before the
//! listing started. Modes:
//!
//! - `stream`: `client.invoice_lines(id).page_size(200).pages()`, each page written as NDJSON
//!   and dropped before the next one is asked for;
//! - `collect`: `collect_all()` with the same page size, then every line written as NDJSON.
//!
//! `cargo bench -p billing-api --bench invoice_lines`; `BENCH_QUICK=1` runs fewer sizes and one
//! round.

mod common;

use std::io::{self, Write};
use std::time::Instant;

use billing_api::Client;
use billing_sandbox::Sandbox;
use futures_util::{StreamExt, TryStreamExt};

use common::{
    HEAP, MB, credentials, environment, field, measure, runtime, serve, start_server, stop_server,
};

const PAGE_SIZE: u32 = 200;

/// A writer that keeps nothing and counts the bytes, standing in for a file or a pipe.
#[derive(Default)]
struct Counting(u64);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `BENCH_ROLE=server`: a sandbox without rate limit whose invoices have `lines` lines each.
fn server(lines: usize) {
    serve(
        Sandbox::builder()
            .invoice_lines_per_invoice(lines)
            .no_rate_limit()
            .max_recorded_requests(0),
    );
}

/// `BENCH_ROLE=client`: one measurement, printed as `key=value` pairs on one line.
fn client(base: &str, mode: &str) {
    runtime().block_on(async {
        let client = Client::builder()
            .environment(environment(base))
            .credentials(credentials())
            .build()
            .expect("client builds");
        // The first invoice, and a token, before anything is measured.
        let invoice = client
            .invoices()
            .page_size(1)
            .items()
            .try_next()
            .await
            .expect("invoices")
            .expect("an invoice");
        let id = invoice.id.expect("an invoice id");
        let mut out = Counting::default();
        let live_before = HEAP.allocated();
        let started = Instant::now();
        let mut lines = 0usize;
        let mut pages = 0usize;
        let request = client.invoice_lines(&id).page_size(PAGE_SIZE);
        match mode {
            "stream" => {
                let mut stream = request.pages();
                while let Some(page) = stream.next().await {
                    let page = page.expect("page");
                    pages += 1;
                    for line in &page.items {
                        serde_json::to_writer(&mut out, line).expect("write");
                        out.write_all(b"\n").expect("write");
                    }
                    lines += page.items.len();
                }
            }
            "collect" => {
                let all = request.collect_all().await.expect("lines");
                pages = all.len().div_ceil(PAGE_SIZE as usize);
                for line in &all {
                    serde_json::to_writer(&mut out, line).expect("write");
                    out.write_all(b"\n").expect("write");
                }
                lines = all.len();
            }
            other => panic!("unknown BENCH_MODE {other}"),
        }
        let elapsed = started.elapsed().as_secs_f64();
        let peak = HEAP.max_allocated();
        println!(
            "mode={mode} lines={lines} pages={pages} bytes={} seconds={elapsed} peak_growth={}",
            out.0,
            peak.saturating_sub(live_before)
        );
    });
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn orchestrate(quick: bool) {
    let sizes: &[usize] = if quick {
        &[2_000, 10_000]
    } else {
        &[2_000, 10_000, 40_000]
    };
    let rounds = if quick { 1 } else { 5 };
    let exe = std::env::current_exe().expect("own path");
    println!(
        "invoice lines to NDJSON, pages of {PAGE_SIZE}, sandbox in another process; \
         median of {rounds} rounds, each in a fresh process"
    );
    println!(
        "{:>7} {:>6} {:>8} {:>10} {:>12} {:>14}",
        "lines", "pages", "mode", "NDJSON MB", "lines/s", "heap peak MB"
    );
    for &size in sizes {
        let (server, base) = start_server(&exe, ("BENCH_LINES", size));
        // One unmeasured run so that the server has built what it serves.
        measure(&exe, &base, "stream");
        for mode in ["stream", "collect"] {
            let runs: Vec<String> = (0..rounds).map(|_| measure(&exe, &base, mode)).collect();
            let line = &runs[0];
            assert_eq!(
                field(line, "lines") as usize,
                size,
                "every line came: {line}"
            );
            let rate = median(
                runs.iter()
                    .map(|r| field(r, "lines") / field(r, "seconds"))
                    .collect(),
            );
            let peak = median(runs.iter().map(|r| field(r, "peak_growth")).collect());
            println!(
                "{:>7} {:>6} {:>8} {:>10.1} {:>12.0} {:>14.2}",
                size,
                field(line, "pages"),
                mode,
                field(line, "bytes") / MB,
                rate,
                peak / MB
            );
        }
        stop_server(server);
    }
}

fn main() {
    match std::env::var("BENCH_ROLE").as_deref() {
        Ok("server") => {
            let lines = std::env::var("BENCH_LINES")
                .ok()
                .and_then(|v| v.parse().ok())
                .expect("BENCH_LINES");
            server(lines);
        }
        Ok("client") => {
            let base = std::env::var("BENCH_URL").expect("BENCH_URL");
            let mode = std::env::var("BENCH_MODE").expect("BENCH_MODE");
            client(&base, &mode);
        }
        _ => {
            // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing else either.
            let quick = std::env::var_os("BENCH_QUICK").is_some();
            orchestrate(quick);
        }
    }
}
