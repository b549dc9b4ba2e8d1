//! Soak: many calls through one client against the sandbox, about 5 % of them with a random
//! fault, at concurrency 32. Nothing may be lost (every call ends in a value or a typed error),
//! open sockets and memory stay flat, and the token endpoint is hit only when tokens expire or
//! are revoked.
//!
//! 10,000 calls by default (a few seconds); `SOAK_CALLS=100000 cargo test -p billing-tests
//! --test soak -- --nocapture` for a longer run. The faults are drawn from a fixed seed
//! (`SOAK_SEED` to change it), so a failure can be replayed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use billing_api::{ClientBuilder, Error, RetryConfig};
use billing_sandbox::{Fault, FaultRule, Sandbox};
use billing_transport::TransportError;
use chrono::{TimeZone, Utc};

const DEFAULT_CALLS: usize = 10_000;
const CONCURRENCY: usize = 32;
const FAULT_RATE: f64 = 0.05;
const DEFAULT_SEED: u64 = 0x5eed_b111_1ab1_e5ed;
/// Tokens live 4 s; the client replaces them at half their lifetime (its refresh margin is
/// capped at half), so one token serves about 2 s of calls.
const TOKEN_LIFETIME: Duration = Duration::from_secs(4);
const TOKEN_REFRESH_EVERY: Duration = Duration::from_secs(2);
/// The client's body cap, under the padded size of the oversized-body fault.
const BODY_CAP: usize = 128 * 1024;
/// One call may take this long before it counts as lost.
const LOST_AFTER: Duration = Duration::from_secs(30);

/// The faults drawn from, all on `/api/` (the token endpoint is left alone, so its count
/// measures expiry and revocation only). Waits stay short so the run stays short; the
/// fault matrix covers the long ones.
fn faults() -> Vec<Fault> {
    vec![
        Fault::TooManyRequests {
            retry_after_secs: None,
        },
        Fault::TooManyRequests {
            retry_after_secs: Some(1),
        },
        Fault::InternalServerError,
        Fault::BadGateway,
        Fault::ServiceUnavailable {
            retry_after_secs: None,
        },
        Fault::GatewayTimeout,
        Fault::Delay(Duration::from_millis(100)),
        Fault::ConnectionReset,
        Fault::TruncatedBody,
        Fault::MalformedJson,
        Fault::UnknownEnumValues,
        Fault::ExtraFields,
        Fault::OversizedBody {
            bytes: 2 * BODY_CAP,
        },
        Fault::RevokeTokens,
    ]
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// How a call ended, as a tally key.
fn outcome<T>(result: &Result<T, Error>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(Error::Service(e)) => format!("service {}", e.status.as_u16()),
        Err(Error::Decode(_)) => "decode".into(),
        Err(Error::Transport(TransportError::Io { .. })) => "transport io".into(),
        Err(Error::Transport(TransportError::Timeout { kind, .. })) => {
            format!("transport timeout ({kind})")
        }
        Err(Error::Transport(TransportError::BodyTooLarge { .. })) => {
            "transport body too large".into()
        }
        Err(Error::Transport(TransportError::Auth(_))) => "transport auth".into(),
        Err(Error::Transport(TransportError::Connect { .. })) => "transport connect".into(),
        Err(Error::Transport(other)) => format!("transport other: {other}"),
        Err(Error::InvalidInput { .. }) => "invalid input".into(),
        Err(Error::Config { .. }) => "config".into(),
        Err(Error::NotReady { .. }) => "not ready".into(),
        Err(Error::Other(e)) => format!("UNTYPED: {e}"),
        Err(e) => format!("UNKNOWN VARIANT: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak() {
    let calls: usize = env_or("SOAK_CALLS", DEFAULT_CALLS);
    let seed: u64 = env_or("SOAK_SEED", DEFAULT_SEED);
    let sandbox = Sandbox::builder()
        .no_rate_limit()
        .in_progress_polls(0)
        .report_usages(3)
        .report_resources_per_usage(10)
        .token_expires_in(TOKEN_LIFETIME)
        .max_recorded_requests(256)
        .start()
        .await
        .unwrap();
    let client = ClientBuilder::from_env_vars(sandbox.client_env())
        .unwrap()
        .retry(
            RetryConfig::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(50)),
        )
        .attempt_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(20))
        .max_body_bytes(BODY_CAP)
        .build()
        .unwrap();
    let org = sandbox.trustor_org_ids()[0].clone();
    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();

    // Warm up at the soak's concurrency: a token, a full pool of connections, the sandbox's
    // report cache, the allocator's arenas. The baselines are taken after it.
    for _ in 0..4 {
        let mut warm = tokio::task::JoinSet::new();
        for _ in 0..CONCURRENCY {
            let client = client.clone();
            warm.spawn(async move { client.get_billing_reports_billableusage(start, end).await });
        }
        while let Some(r) = warm.join_next().await {
            r.unwrap().expect("warm-up calls succeed");
        }
    }
    let fds_before = open_fds();
    let rss_before = rss_kib();
    let tokens_before = sandbox.token_requests();

    let next = Arc::new(AtomicUsize::new(0));
    let injected = Arc::new(AtomicUsize::new(0));
    let revokes = Arc::new(AtomicUsize::new(0));
    let tally: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let faults = Arc::new(faults());
    let started = Instant::now();
    let peak_fds = Arc::new(AtomicUsize::new(fds_before));
    let sampler = tokio::spawn({
        let peak_fds = peak_fds.clone();
        async move {
            loop {
                peak_fds.fetch_max(open_fds(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    });
    let mut lanes = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (client, org, next, injected, revokes, tally, faults, armed) = (
            client.clone(),
            org.clone(),
            next.clone(),
            injected.clone(),
            revokes.clone(),
            tally.clone(),
            faults.clone(),
            sandbox.faults(),
        );
        lanes.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= calls {
                    break;
                }
                let mut rng = fastrand::Rng::with_seed(seed ^ (i as u64).wrapping_mul(0x9e37_79b9));
                if rng.f64() < FAULT_RATE {
                    let fault = faults[rng.usize(..faults.len())].clone();
                    if fault == Fault::RevokeTokens {
                        revokes.fetch_add(1, Ordering::Relaxed);
                    }
                    injected.fetch_add(1, Ordering::Relaxed);
                    armed.inject(FaultRule::new(fault).path_prefix("/api/"));
                }
                let key = if i % 2 == 0 {
                    let call = client.get_billing_reports_billableusage(start, end);
                    match tokio::time::timeout(LOST_AFTER, call).await {
                        Ok(result) => outcome(&result),
                        Err(_) => "LOST (no outcome in time)".into(),
                    }
                } else {
                    let call = client.get_billing_trusteebillingoverview_trustor_org_id(&org, None);
                    match tokio::time::timeout(LOST_AFTER, call).await {
                        Ok(result) => outcome(&result),
                        Err(_) => "LOST (no outcome in time)".into(),
                    }
                };
                *tally.lock().unwrap().entry(key).or_default() += 1;
            }
        });
    }
    while let Some(lane) = lanes.join_next().await {
        lane.expect("no lane panics");
    }
    let elapsed = started.elapsed();
    sampler.abort();
    let peak_fds = peak_fds.load(Ordering::Relaxed);
    // Let connections the server or the client gave up on finish closing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let fds_after = open_fds();
    let rss_after = rss_kib();
    let token_requests = sandbox.token_requests() - tokens_before;
    let revokes = revokes.load(Ordering::Relaxed);
    let injected = injected.load(Ordering::Relaxed);
    let tally = tally.lock().unwrap().clone();
    let total: usize = tally.values().sum();

    println!(
        "soak: {calls} calls in {elapsed:.2?} ({:.0}/s), {injected} faults injected ({revokes} revocations), seed {seed:#x}",
        calls as f64 / elapsed.as_secs_f64()
    );
    println!("soak outcomes: {tally:?}");
    println!("soak open fds: {fds_before} before, {peak_fds} at most during, {fds_after} after");
    println!("soak VmRSS: {rss_before} KiB before, {rss_after} KiB after");
    println!("soak token requests: {token_requests}");

    assert_eq!(total, calls, "every call ends in exactly one outcome");
    assert!(
        tally.keys().all(|k| !k.starts_with("LOST")
            && !k.starts_with("UNTYPED")
            && !k.starts_with("UNKNOWN")),
        "every call ends in a value or a typed error: {tally:?}"
    );
    let ok = tally.get("ok").copied().unwrap_or(0);
    assert!(
        ok as f64 >= calls as f64 * (1.0 - 2.0 * FAULT_RATE),
        "most faults are recovered from: {tally:?}"
    );
    assert!(
        injected as f64 > calls as f64 * FAULT_RATE / 2.0,
        "the faults were injected ({injected})"
    );

    // Both ends of every connection live in this process: the client's pool (at most one
    // connection per concurrent call) and the sandbox's side of each.
    // A faulted connection is replaced, so the peak may briefly hold a few more.
    let margin = 2 * CONCURRENCY + 16;
    assert!(
        fds_after <= fds_before + margin && peak_fds <= fds_before + margin,
        "open fds grew from {fds_before} to {fds_after} (peak {peak_fds}, margin {margin})"
    );
    let rss_margin_kib = 64 * 1024;
    assert!(
        rss_after <= rss_before + rss_margin_kib,
        "VmRSS grew from {rss_before} KiB to {rss_after} KiB (margin {rss_margin_kib} KiB)"
    );

    // One token per lifetime (replaced at half of it) and one per revocation, plus one for a
    // refresh that was due just as the run started or ended.
    let expiries = (elapsed.as_secs_f64() / TOKEN_REFRESH_EVERY.as_secs_f64()).ceil() as usize;
    let allowed = expiries + revokes + 1;
    assert!(
        token_requests <= allowed,
        "{token_requests} token requests for {expiries} expiries and {revokes} revocations (allowed {allowed})"
    );
    let lifetimes = (elapsed.as_secs_f64() / TOKEN_LIFETIME.as_secs_f64()).floor() as usize;
    assert!(
        token_requests >= lifetimes.max(revokes.min(1)),
        "expired and revoked tokens were replaced ({token_requests} token requests)"
    );
}
