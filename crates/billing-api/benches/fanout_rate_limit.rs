//! Fan-out under a rate limit (benchmark 3; results in `docs/performance.md`).
//!
//! 1,000 trustee billing overviews, one per trustor org, through
//! [`Client::trustee_overviews`] against the sandbox limited to 100 API requests per second
//! (per token, fixed one-second windows). The floor is 1,000 / 100 = 10 s. The client
//! authenticates with client credentials against the sandbox and carries a client-wide rate
//! limit; the figures are elapsed / floor, the share of attempts answered 429, and whether every
//! org came back with its overview.
//!
//! 429s are counted by a layer inside the retry loop (`TransportBuilder::attempt_layer`), so a
//! 429 that the client retried is counted too; the sandbox's own record of API requests is the
//! cross-check (every request beyond one per org is a retry).
//!
//! `cargo bench -p billing-api --bench fanout_rate_limit`. Two client limits are run, twice each:
//! 98/s (the setting we recommend against a 100/s server: 2 % headroom for timer jitter) and
//! 100/s (exactly the server's limit, to show what the headroom buys). `BENCH_QUICK=1`: 200 orgs
//! at 98/s, once.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use billing_api::{ClientBuilder, RateLimit};
use billing_sandbox::Sandbox;
use bytes::Bytes;
use futures_util::StreamExt;
use http::Response;
use tower::util::MapResponseLayer;

const SERVER_LIMIT: u32 = 100;
const CONCURRENCY: usize = 16;

/// Attempts seen inside the retry loop, by outcome.
#[derive(Default)]
struct Attempts {
    total: AtomicUsize,
    too_many: AtomicUsize,
    other_errors: AtomicUsize,
    /// When each attempt was answered: the gaps show how evenly the client paced them.
    answered_at: Mutex<Vec<Instant>>,
}

struct Outcome {
    elapsed: Duration,
    ok_orgs: usize,
    all_accounted: bool,
    attempts: usize,
    too_many: usize,
    other_errors: usize,
    recorded_api_requests: usize,
    /// Median and mean gap between consecutive answers, in ms.
    gap_median_ms: f64,
    gap_mean_ms: f64,
}

async fn run(orgs: usize, client_limit: u32) -> Outcome {
    let sandbox = Sandbox::builder()
        .rate_limit(SERVER_LIMIT, Duration::from_secs(1))
        .trustor_orgs(orgs)
        .start()
        .await
        .expect("sandbox starts");
    let attempts = Arc::new(Attempts::default());
    let seen = attempts.clone();
    // The client's own stack, plus a counting layer inside the retry loop.
    let client = ClientBuilder::from_env_vars(sandbox.client_env())
        .expect("sandbox settings")
        .transport(|t| {
            t.attempt_layer(MapResponseLayer::new(move |response: Response<Bytes>| {
                // Token requests go through the token source's own path, so this sees API
                // attempts only.
                seen.total.fetch_add(1, Ordering::Relaxed);
                seen.answered_at
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(Instant::now());
                match response.status().as_u16() {
                    200 => {}
                    429 => {
                        seen.too_many.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        seen.other_errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                response
            }))
        })
        .rate_limit(RateLimit::new(client_limit, Duration::from_secs(1)).expect("limit"))
        .build()
        .expect("client builds");
    let ids: Vec<String> = sandbox.trustor_org_ids().to_vec();

    let start = Instant::now();
    let mut stream = client
        .trustee_overviews(ids.clone())
        .billing_period_index(1)
        .concurrency(CONCURRENCY)
        .stream();
    let mut ok = HashSet::new();
    let mut failed = Vec::new();
    while let Some(org) = stream.next().await {
        match org.result {
            Ok(overview) => {
                std::hint::black_box(&overview);
                ok.insert(org.org_id);
            }
            Err(e) => failed.push(format!("{}: {e}", org.org_id)),
        }
    }
    let elapsed = start.elapsed();
    for f in failed.iter().take(5) {
        eprintln!("  failed: {f}");
    }
    let recorded_api_requests = sandbox
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/api/"))
        .count();
    let all_accounted = ids.iter().all(|id| ok.contains(id)) && ok.len() == ids.len();
    sandbox.shutdown().await;
    let mut times = attempts
        .answered_at
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    times.sort();
    let mut gaps: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64() * 1000.0)
        .collect();
    gaps.sort_by(f64::total_cmp);
    let gap_mean_ms = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
    let gap_median_ms = gaps.get(gaps.len() / 2).copied().unwrap_or(0.0);
    Outcome {
        gap_median_ms,
        gap_mean_ms,
        elapsed,
        ok_orgs: ok.len(),
        all_accounted,
        attempts: attempts.total.load(Ordering::Relaxed),
        too_many: attempts.too_many.load(Ordering::Relaxed),
        other_errors: attempts.other_errors.load(Ordering::Relaxed),
        recorded_api_requests,
    }
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| v != "0");
    let (orgs, limits, rounds): (usize, &[u32], usize) = if quick {
        (200, &[98], 1)
    } else {
        (1000, &[98, 100], 2)
    };
    let floor = orgs as f64 / f64::from(SERVER_LIMIT);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "fan-out: {orgs} orgs, server limit {SERVER_LIMIT}/s per token (floor {floor:.1} s), concurrency {CONCURRENCY}"
    );
    println!(
        "{:>12} {:>6} {:>10} {:>12} {:>9} {:>10} {:>8} {:>12} {:>10}",
        "client limit",
        "round",
        "elapsed s",
        "elapsed/floor",
        "attempts",
        "429s",
        "429 %",
        "other errors",
        "orgs ok"
    );
    for &limit in limits {
        for round in 1..=rounds {
            let o = runtime.block_on(run(orgs, limit));
            println!(
                "{:>10}/s {:>6} {:>10.2} {:>12.3} {:>9} {:>10} {:>7.2}% {:>12} {:>6}/{orgs}{}",
                limit,
                round,
                o.elapsed.as_secs_f64(),
                o.elapsed.as_secs_f64() / floor,
                o.attempts,
                o.too_many,
                100.0 * o.too_many as f64 / o.attempts.max(1) as f64,
                o.other_errors,
                o.ok_orgs,
                if o.all_accounted {
                    ""
                } else {
                    "  NOT ALL ACCOUNTED"
                },
            );
            println!(
                "{:>19} gap between answers: median {:.2} ms, mean {:.2} ms (the limit's period: {:.2} ms)",
                "",
                o.gap_median_ms,
                o.gap_mean_ms,
                1000.0 / f64::from(limit)
            );
            if o.recorded_api_requests != o.attempts {
                println!(
                    "  note: the sandbox recorded {} API requests, the client counted {} attempts",
                    o.recorded_api_requests, o.attempts
                );
            }
        }
    }
}
