//! A 50 MB billable usage report through a slow link, with and without gzip (benchmark 5;
//! results in `docs/performance.md`).
//!
//! An in-process hyper server on 127.0.0.1 answers `GET /api/v2/billing/reports/billableusage`
//! with one ~50 MB report, paced to about 10 MB/s (64 KiB frames, each sent no sooner than the
//! rate allows): gzip-compressed (level 6, compressed once before timing) when the request
//! accepts gzip, else as it is. The full client fetches and decodes it with gzip on and off, in
//! alternating order; the figures are bytes on the wire (counted by the server) and elapsed
//! time to the decoded report.
//!
//! `cargo bench -p billing-api --bench compressed_report`; `BENCH_QUICK=1` for a 5 MB smoke
//! run; `BENCH_ROUNDS=N` (default 3), `BENCH_RATE_MB=N` (default 10).

use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use billing_api::models::BillingUsageReportStatus;
use billing_api::{Client, Environment, StaticTokenSource};
use bytes::Bytes;
use chrono::{TimeZone, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use futures_util::stream;
use http::{Request, Response, header};
use http_body_util::StreamBody;
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const FRAME: usize = 64 * 1024;

/// A report of about `target` bytes shaped like the platform's: a few usages, each with many
/// resources (user names or device ids and the date each was first seen).
fn report(target: usize) -> Vec<u8> {
    let mut out = String::with_capacity(target + 4096);
    out.push_str(r#"{"id":"b1f0e7a2-3c4d-4e5f-8a9b-0c1d2e3f4a5b","startDate":"2026-10-01T00:00:00.000Z","endDate":"2026-11-01T00:00:00.000Z","status":"Complete","usages":["#);
    let names = [
        "Genesys Cloud CX 3 Named User",
        "Genesys Cloud CX 2 Concurrent User",
        "WebRTC Phones",
        "Speech and Text Analytics",
        "Workforce Engagement Management Add-On II",
    ];
    let per_usage = target / names.len();
    for (u, name) in names.iter().enumerate() {
        if u > 0 {
            out.push(',');
        }
        let start = out.len();
        out.push_str(&format!(
            r#"{{"name":"{name}","totalUsage":"0","resources":["#
        ));
        let mut i = 0u64;
        while out.len() - start < per_usage {
            if i > 0 {
                out.push(',');
            }
            // Deterministic but varied: ids, mail domains, days and times change from line to line.
            let x = i.wrapping_mul(2_654_435_761) ^ (u as u64) << 40;
            out.push_str(&format!(
                r#"{{"name":"agent.{:05}.{:04x}@contoso-{}.example.com","date":"2026-10-{:02}T{:02}:{:02}:{:02}.{:03}Z"}}"#,
                i,
                x % 0xffff,
                x % 37,
                1 + x % 31,
                x % 24,
                (x >> 8) % 60,
                (x >> 16) % 60,
                (x >> 24) % 1000
            ));
            i += 1;
        }
        out.push_str("]}");
    }
    out.push_str(r#"],"selfUri":"/api/v2/billing/reports/billableusage"}"#);
    out.into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

/// Serves `plain` or `gzipped` at `rate` bytes per second, counting the body bytes sent.
async fn serve(
    listener: TcpListener,
    plain: Bytes,
    gzipped: Bytes,
    rate: u64,
    wire: Arc<AtomicU64>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (plain, gzipped, wire) = (plain.clone(), gzipped.clone(), wire.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let accepts_gzip = req
                    .headers()
                    .get(header::ACCEPT_ENCODING)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("gzip"));
                let body = if accepts_gzip {
                    gzipped.clone()
                } else {
                    plain.clone()
                };
                let mut response = Response::builder()
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::CONTENT_LENGTH, body.len());
                if accepts_gzip {
                    response = response.header(header::CONTENT_ENCODING, "gzip");
                }
                let wire = wire.clone();
                let started = Instant::now();
                let frames = stream::unfold(0usize, move |offset| {
                    let body = body.clone();
                    let wire = wire.clone();
                    async move {
                        if offset >= body.len() {
                            return None;
                        }
                        let end = (offset + FRAME).min(body.len());
                        // No byte leaves before the rate allows it.
                        let due = Duration::from_secs_f64(end as f64 / rate as f64);
                        tokio::time::sleep_until((started + due).into()).await;
                        wire.fetch_add((end - offset) as u64, Ordering::Relaxed);
                        Some((
                            Ok::<_, Infallible>(Frame::data(body.slice(offset..end))),
                            end,
                        ))
                    }
                });
                let response = response
                    .body(StreamBody::new(frames))
                    .expect("static response");
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| v != "0");
    let env_u64 = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let size = if quick { 5 << 20 } else { 50_000_000 };
    let rounds = env_u64("BENCH_ROUNDS").unwrap_or(if quick { 1 } else { 3 });
    let rate = env_u64("BENCH_RATE_MB").unwrap_or(10) * 1_000_000;

    let plain = report(size);
    let gzipped = gzip(&plain);
    println!(
        "report: {} bytes, gzip level 6: {} bytes ({:.1}x); link {} MB/s; {rounds} rounds",
        plain.len(),
        gzipped.len(),
        plain.len() as f64 / gzipped.len() as f64,
        rate / 1_000_000
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let wire = Arc::new(AtomicU64::new(0));
        tokio::spawn(serve(
            listener,
            Bytes::from(plain),
            Bytes::from(gzipped),
            rate,
            wire.clone(),
        ));
        let client = |gzip: bool| {
            Client::builder()
                .environment(Environment::custom(&base, &base).expect("base URL"))
                .token_source(Arc::new(StaticTokenSource::new("bench-token")))
                .gzip(gzip)
                .attempt_timeout(Duration::from_secs(600))
                .operation_timeout(Duration::from_secs(600))
                .build()
                .expect("client builds")
        };
        let (gzip_on, gzip_off) = (client(true), client(false));
        let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        println!(
            "{:>6} {:>6} {:>14} {:>10} {:>10}",
            "round", "gzip", "wire bytes", "seconds", "resources"
        );
        for round in 0..rounds {
            let order = if round % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for gzip in order {
                let client = if gzip { &gzip_on } else { &gzip_off };
                let before = wire.load(Ordering::Relaxed);
                let started = Instant::now();
                let report = client
                    .get_billing_reports_billableusage(start, end)
                    .await
                    .expect("report");
                let elapsed = started.elapsed();
                assert_eq!(report.status, Some(BillingUsageReportStatus::Complete));
                let resources: usize = report.usages.iter().map(|u| u.resources.len()).sum();
                println!(
                    "{round:>6} {:>6} {:>14} {:>10.2} {resources:>10}",
                    if gzip { "on" } else { "off" },
                    wire.load(Ordering::Relaxed) - before,
                    elapsed.as_secs_f64()
                );
            }
        }
    });
}
