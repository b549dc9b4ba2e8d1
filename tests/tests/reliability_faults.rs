//! The fault matrix: every fault the sandbox can inject, against both operations, with the
//! outcome (recovered, or which typed error), the number of requests that reached the server
//! and a bound on the elapsed time.
//!
//! The table below is the source of `docs/reliability.md`'s matrix: `matrix_doc_is_current`
//! fails when the two differ (`UPDATE_RELIABILITY_DOC=1` rewrites the doc's table).
//!
//! Every case gets its own sandbox and client, and all cases run at once, each inside a
//! `tokio::time::timeout`, so a hang is a failure and not a stuck CI job. The clock is real:
//! the sandbox's timers and token expiry use `std::time`, so a paused tokio clock would
//! fire timeouts while real sockets are still working.

use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use billing_api::models::{BillingUsageReportStatus, TrusteeBillingOverviewSubscriptionType};
use billing_api::{Client, ClientBuilder, Error, RetryConfig};
use billing_sandbox::{
    Fault, FaultRule, Sandbox, UNKNOWN_REPORT_STATUS, UNKNOWN_SUBSCRIPTION_TYPE,
};
use billing_transport::{AuthError, TimeoutKind, TransportError};
use chrono::{TimeZone, Utc};

/// Retries with the real shape (4 attempts, exponential backoff, full jitter) but short waits.
fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

/// The attempt timeout of the delay cases; the sandbox delays by `DELAY`.
const ATTEMPT: Duration = Duration::from_millis(300);
const DELAY: Duration = Duration::from_millis(1500);
/// The client-side body cap of the oversized-body case; the sandbox pads to `PADDED` bytes.
const BODY_CAP: usize = 64 * 1024;
const PADDED: usize = 256 * 1024;
/// How long any one case may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Report,
    Overview,
}

impl Op {
    const BOTH: [Op; 2] = [Op::Report, Op::Overview];

    fn name(self) -> &'static str {
        match self {
            Op::Report => "billable usage",
            Op::Overview => "trustee overview",
        }
    }
}

/// What a case must end in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// `Ok`, with the spec's enum values and no unknown fields.
    Recovered,
    /// `Ok`, with the sandbox's unknown enum value kept as `Unknown`.
    RecoveredUnknownEnum,
    /// `Ok`, with the extra fields kept in `unknown_fields`.
    RecoveredExtraFields,
    /// `Error::Service` with this status (and, for 429/503 with `Retry-After`, the wait).
    Service(u16, Option<u64>),
    /// `Error::Decode`.
    Decode,
    /// `Error::Transport(TransportError::Timeout { kind })`.
    Timeout(TimeoutKind),
    /// `Error::Transport(TransportError::Io)`.
    Io,
    /// `Error::Transport(TransportError::BodyTooLarge)`.
    BodyTooLarge,
    /// `Error::Transport(TransportError::Auth(AuthError::TokenEndpoint { status }))`, with
    /// `is_auth()` only for a 4xx (a failing token endpoint is not a refused secret).
    TokenEndpoint(u16),
    /// `Error::Transport(TransportError::Auth(AuthError::InvalidTokenReply))`.
    InvalidTokenReply,
}

impl Expect {
    fn describe(self) -> String {
        match self {
            Expect::Recovered => "recovered".into(),
            Expect::RecoveredUnknownEnum => "recovered; value kept as `Unknown(..)`".into(),
            Expect::RecoveredExtraFields => "recovered; fields kept in `unknown_fields`".into(),
            Expect::Service(status, None) => format!("`Error::Service` {status}"),
            Expect::Service(status, Some(wait)) => {
                format!("`Error::Service` {status}, `retry_after()` = {wait} s")
            }
            Expect::Decode => "`Error::Decode`".into(),
            Expect::Timeout(kind) => format!("`Error::Transport(Timeout {{ kind: {kind:?} }})`"),
            Expect::Io => "`Error::Transport(Io)`".into(),
            Expect::BodyTooLarge => "`Error::Transport(BodyTooLarge)`".into(),
            Expect::TokenEndpoint(status) => {
                format!("`Error::Transport(Auth(TokenEndpoint {{ status: {status} }}))`")
            }
            Expect::InvalidTokenReply => "`Error::Transport(Auth(InvalidTokenReply))`".into(),
        }
    }
}

/// One row of the matrix (run once per operation).
struct Case {
    fault: &'static str,
    rules: Vec<FaultRule>,
    /// Changes to the default test client (fast retries, 5 s attempts, 10 s operations).
    client: fn(ClientBuilder) -> ClientBuilder,
    expect: Expect,
    /// Requests that reached `/api/`.
    api: RangeInclusive<usize>,
    /// Requests that reached `/oauth/token`.
    token: RangeInclusive<usize>,
    /// Elapsed time of the call.
    time: (Duration, Duration),
}

fn api(rule: Fault, times: u32) -> FaultRule {
    FaultRule::new(rule).times(times).path_prefix("/api/")
}

fn oauth(rule: Fault, times: u32) -> FaultRule {
    FaultRule::new(rule).times(times).path_prefix("/oauth/")
}

fn same(c: ClientBuilder) -> ClientBuilder {
    c
}

fn cap_1s(c: ClientBuilder) -> ClientBuilder {
    c.retry(fast_retry().retry_after_cap(Duration::from_secs(1)))
}

fn short_attempts(c: ClientBuilder) -> ClientBuilder {
    c.attempt_timeout(ATTEMPT)
}

fn short_operation(c: ClientBuilder) -> ClientBuilder {
    c.attempt_timeout(ATTEMPT)
        .operation_timeout(Duration::from_millis(700))
}

fn small_body_cap(c: ClientBuilder) -> ClientBuilder {
    c.max_body_bytes(BODY_CAP)
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Upper bound of the cases that involve no deliberate wait: a few local round trips and
/// backoffs of at most 20 ms, with room for a loaded 2-core CI machine.
const QUICK: (Duration, Duration) = (ms(0), ms(2_000));

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Expect::*;
    let once = 1;
    let always = 50;
    let c = |fault, rules, client, expect, api, token, time| Case {
        fault,
        rules,
        client,
        expect,
        api,
        token,
        time,
    };
    let too_many = |secs| Fault::TooManyRequests {
        retry_after_secs: secs,
    };
    let unavailable = |secs| Fault::ServiceUnavailable {
        retry_after_secs: secs,
    };
    vec![
        c("429 with `Retry-After: 1`, once", vec![api(too_many(Some(1)), once)], same, Recovered, 2..=2, 1..=1, (ms(1_000), ms(3_000))),
        c("429 without `Retry-After`, once", vec![api(too_many(None), once)], same, Recovered, 2..=2, 1..=1, QUICK),
        c("429 without `Retry-After`, every attempt", vec![api(too_many(None), always)], same, Service(429, None), 4..=4, 1..=1, QUICK),
        c("429 with `Retry-After: 30` over a 1 s cap", vec![api(too_many(Some(30)), once)], cap_1s, Service(429, Some(30)), 1..=1, 1..=1, QUICK),
        c("500, once", vec![api(Fault::InternalServerError, once)], same, Recovered, 2..=2, 1..=1, QUICK),
        c("500, every attempt", vec![api(Fault::InternalServerError, always)], same, Service(500, None), 4..=4, 1..=1, QUICK),
        c("502 with an HTML body, once", vec![api(Fault::BadGateway, once)], same, Recovered, 2..=2, 1..=1, QUICK),
        c("502 with an HTML body, every attempt", vec![api(Fault::BadGateway, always)], same, Service(502, None), 4..=4, 1..=1, QUICK),
        c("503, once", vec![api(unavailable(None), once)], same, Recovered, 2..=2, 1..=1, QUICK),
        c("503 with `Retry-After: 1`, once", vec![api(unavailable(Some(1)), once)], same, Recovered, 2..=2, 1..=1, (ms(1_000), ms(3_000))),
        c("503 with `Retry-After: 30` over a 1 s cap", vec![api(unavailable(Some(30)), once)], cap_1s, Service(503, Some(30)), 1..=1, 1..=1, QUICK),
        c("503, every attempt", vec![api(unavailable(None), always)], same, Service(503, None), 4..=4, 1..=1, QUICK),
        c("504, once", vec![api(Fault::GatewayTimeout, once)], same, Recovered, 2..=2, 1..=1, QUICK),
        c("504, every attempt", vec![api(Fault::GatewayTimeout, always)], same, Service(504, None), 4..=4, 1..=1, QUICK),
        c("delay 1.5 s past a 300 ms attempt timeout, once", vec![api(Fault::Delay(DELAY), once)], short_attempts, Recovered, 2..=2, 1..=1, (ATTEMPT, ms(2_500))),
        c("delay 1.5 s past a 300 ms attempt timeout, every attempt", vec![api(Fault::Delay(DELAY), always)], short_attempts, Timeout(TimeoutKind::Attempt), 4..=4, 1..=1, (ATTEMPT * 4, ms(4_000))),
        c("delay 1.5 s, attempts 300 ms, operation timeout 700 ms", vec![api(Fault::Delay(DELAY), always)], short_operation, Timeout(TimeoutKind::Operation), 2..=3, 1..=1, (ms(700), ms(2_500))),
        c("connection reset, once", vec![api(Fault::ConnectionReset, once)], same, Recovered, 2..=2, 1..=1, QUICK),
        c("connection reset, every attempt", vec![api(Fault::ConnectionReset, always)], same, Io, 4..=4, 1..=1, QUICK),
        c("truncated body, once", vec![api(Fault::TruncatedBody, once)], same, Recovered, 2..=2, 1..=1, QUICK),
        c("truncated body, every attempt", vec![api(Fault::TruncatedBody, always)], same, Io, 4..=4, 1..=1, QUICK),
        c("malformed JSON (200)", vec![api(Fault::MalformedJson, once)], same, Decode, 1..=1, 1..=1, QUICK),
        c("unknown enum values", vec![api(Fault::UnknownEnumValues, once)], same, RecoveredUnknownEnum, 1..=1, 1..=1, QUICK),
        c("extra fields", vec![api(Fault::ExtraFields, once)], same, RecoveredExtraFields, 1..=1, 1..=1, QUICK),
        c("tokens revoked, once", vec![api(Fault::RevokeTokens, once)], same, Recovered, 2..=2, 2..=2, QUICK),
        c("tokens revoked on every request", vec![api(Fault::RevokeTokens, always)], same, Service(401, None), 2..=2, 2..=2, QUICK),
        c("token endpoint 503, once", vec![oauth(unavailable(None), once)], same, Recovered, 1..=1, 2..=2, QUICK),
        c("token endpoint 500, every attempt", vec![oauth(Fault::InternalServerError, always)], same, TokenEndpoint(500), 0..=0, 4..=4, QUICK),
        c("token endpoint 429 with `Retry-After: 30` over a 1 s cap", vec![oauth(too_many(Some(30)), once)], cap_1s, TokenEndpoint(429), 0..=0, 1..=1, QUICK),
        c("token endpoint connection reset, once", vec![oauth(Fault::ConnectionReset, once)], same, Recovered, 1..=1, 2..=2, QUICK),
        c("token endpoint malformed JSON (200)", vec![oauth(Fault::MalformedJson, once)], same, InvalidTokenReply, 0..=0, 1..=1, QUICK),
        c("token endpoint delay 1.5 s past a 300 ms attempt timeout, once", vec![oauth(Fault::Delay(DELAY), once)], short_attempts, Recovered, 1..=1, 2..=2, (ATTEMPT, ms(2_500))),
        c("body of 256 KiB over a 64 KiB cap", vec![api(Fault::OversizedBody { bytes: PADDED }, once)], small_body_cap, BodyTooLarge, 1..=1, 1..=1, QUICK),
    ]
}

/// What a call ended in, reduced to what the matrix checks.
#[derive(Debug)]
enum Got {
    Ok {
        unknown_enum: bool,
        extra_fields: bool,
    },
    Err(Error),
}

fn check(expect: Expect, got: &Got) -> Result<(), String> {
    let ok = match (expect, got) {
        (
            Expect::Recovered,
            Got::Ok {
                unknown_enum: false,
                extra_fields: false,
            },
        ) => true,
        (
            Expect::RecoveredUnknownEnum,
            Got::Ok {
                unknown_enum: true, ..
            },
        ) => true,
        (
            Expect::RecoveredExtraFields,
            Got::Ok {
                extra_fields: true, ..
            },
        ) => true,
        (Expect::Service(status, wait), Got::Err(e @ Error::Service(service))) => {
            service.status.as_u16() == status
                && e.retry_after() == wait.map(Duration::from_secs)
                && service_body_is_sane(service)
        }
        (Expect::Decode, Got::Err(Error::Decode(d))) => d.status == 200 && !d.excerpt.is_empty(),
        (Expect::Timeout(kind), Got::Err(Error::Transport(t))) => t.is_timeout(kind),
        (Expect::Io, Got::Err(Error::Transport(TransportError::Io { .. }))) => true,
        (
            Expect::BodyTooLarge,
            Got::Err(Error::Transport(TransportError::BodyTooLarge { limit })),
        ) => *limit == BODY_CAP,
        (
            Expect::TokenEndpoint(status),
            Got::Err(
                e @ Error::Transport(TransportError::Auth(AuthError::TokenEndpoint {
                    status: s,
                    ..
                })),
            ),
        ) => s.as_u16() == status && e.is_auth() == (400..500).contains(&status),
        (
            Expect::InvalidTokenReply,
            Got::Err(Error::Transport(TransportError::Auth(AuthError::InvalidTokenReply {
                ..
            }))),
        ) => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("expected {}, got {got:?}", expect.describe()))
    }
}

/// A service error keeps what the server said: the `ErrorBody` when the body is JSON (the
/// sandbox's are), the raw HTML of a 502 otherwise, and the correlation id always.
fn service_body_is_sane(service: &billing_api::ServiceError) -> bool {
    let has_id = service.correlation_id.is_some();
    if service.status == 502 {
        has_id && service.body.is_none() && service.raw_body.starts_with(b"<html>")
    } else {
        has_id
            && service
                .body
                .as_ref()
                .is_some_and(|b| b.status == Some(i32::from(service.status.as_u16())))
    }
}

async fn call(client: &Client, op: Op, org: &str) -> Got {
    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    match op {
        Op::Report => match client.get_billing_reports_billableusage(start, end).await {
            Ok(report) => Got::Ok {
                unknown_enum: match &report.status {
                    Some(BillingUsageReportStatus::Unknown(s)) => s == UNKNOWN_REPORT_STATUS,
                    _ => false,
                },
                extra_fields: !report.unknown_fields.is_empty()
                    && report.usages.iter().any(|u| !u.unknown_fields.is_empty()),
            },
            Err(e) => Got::Err(e),
        },
        Op::Overview => match client
            .get_billing_trusteebillingoverview_trustor_org_id(org, Some(1))
            .await
        {
            Ok(overview) => Got::Ok {
                unknown_enum: match &overview.subscription_type {
                    TrusteeBillingOverviewSubscriptionType::Unknown(s) => {
                        s == UNKNOWN_SUBSCRIPTION_TYPE
                    }
                    _ => false,
                },
                extra_fields: !overview.unknown_fields.is_empty(),
            },
            Err(e) => Got::Err(e),
        },
    }
}

/// A sandbox with the case's faults armed and a client for it.
struct Prepared {
    sandbox: Sandbox,
    client: Client,
    org: String,
}

/// Starts a sandbox of the case's own and builds its client. Kept apart from the timed call:
/// building a client loads the system's TLS roots, blocking work that would otherwise stall
/// the other cases' calls on the same worker thread.
async fn prepare(case: &Case) -> Prepared {
    let sandbox = Sandbox::builder()
        .no_rate_limit()
        .in_progress_polls(0)
        .report_usages(3)
        .report_resources_per_usage(10)
        .start()
        .await
        .expect("sandbox starts");
    let builder = ClientBuilder::from_env_vars(sandbox.client_env())
        .unwrap()
        .retry(fast_retry())
        .attempt_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(10));
    let client = (case.client)(builder).build().expect("client builds");
    for rule in &case.rules {
        sandbox.inject(rule.clone());
    }
    let org = sandbox.trustor_org_ids()[0].clone();
    Prepared {
        sandbox,
        client,
        org,
    }
}

/// Makes the call and checks outcome, request counts and time.
async fn run(case: &Case, op: Op, prepared: Prepared) -> Result<(), String> {
    let Prepared {
        sandbox,
        client,
        org,
    } = prepared;
    let started = Instant::now();
    let got = tokio::time::timeout(HANG, call(&client, op, &org))
        .await
        .map_err(|_| format!("no outcome after {HANG:?}: the call hung"))?;
    let elapsed = started.elapsed();
    let mut problems = Vec::new();
    if let Err(e) = check(case.expect, &got) {
        problems.push(e);
    }
    let requests = sandbox.requests();
    let api = requests
        .iter()
        .filter(|r| r.path().starts_with("/api/"))
        .count();
    let token = sandbox.token_requests();
    if !case.api.contains(&api) {
        problems.push(format!("expected {:?} API requests, saw {api}", case.api));
    }
    if !case.token.contains(&token) {
        problems.push(format!(
            "expected {:?} token requests, saw {token}",
            case.token
        ));
    }
    if elapsed < case.time.0 || elapsed > case.time.1 {
        problems.push(format!(
            "took {elapsed:?}, outside {:?}..={:?}",
            case.time.0, case.time.1
        ));
    }
    // Shown with `--nocapture`: the measured numbers behind the documented bounds.
    println!(
        "{} / {}: {api} + {token} requests in {elapsed:.1?}",
        case.fault,
        op.name()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    let cases = std::sync::Arc::new(cases());
    let mut prepared = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        for op in Op::BOTH {
            prepared.push((index, op, prepare(case).await));
        }
    }
    let mut set = tokio::task::JoinSet::new();
    for (index, op, prepared) in prepared {
        let cases = cases.clone();
        set.spawn(async move {
            let case = &cases[index];
            (case.fault, op, run(case, op, prepared).await)
        });
    }
    let mut failures = Vec::new();
    let mut ran = 0;
    while let Some(joined) = set.join_next().await {
        let (fault, op, result) = joined.expect("a case panicked");
        ran += 1;
        if let Err(e) = result {
            failures.push(format!("{fault} / {}: {e}", op.name()));
        }
    }
    assert_eq!(ran, cases.len() * 2);
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn range(r: &RangeInclusive<usize>) -> String {
    if r.start() == r.end() {
        r.start().to_string()
    } else {
        format!("{}–{}", r.start(), r.end())
    }
}

fn bound(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The matrix as a Markdown table, one row per case and operation.
fn render_matrix() -> String {
    let mut out = String::from(
        "| fault | operation | outcome | requests (API + token) | time bound |\n|---|---|---|---|---|\n",
    );
    for case in cases() {
        for op in Op::BOTH {
            let time = if case.time.0.is_zero() {
                format!("≤ {}", bound(case.time.1))
            } else {
                format!("{} – {}", bound(case.time.0), bound(case.time.1))
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} + {} | {} |\n",
                case.fault,
                op.name(),
                case.expect.describe(),
                range(&case.api),
                range(&case.token),
                time
            ));
        }
    }
    out
}

const START: &str =
    "<!-- fault-matrix:start (generated by tests/tests/reliability_faults.rs) -->\n";
const END: &str = "<!-- fault-matrix:end -->";

#[test]
fn matrix_doc_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/reliability.md");
    let doc = std::fs::read_to_string(&path).expect("docs/reliability.md exists");
    let (Some(a), Some(b)) = (doc.find(START), doc.find(END)) else {
        panic!("docs/reliability.md lacks the fault-matrix markers");
    };
    let current = &doc[a + START.len()..b];
    let wanted = render_matrix();
    if current != wanted {
        if std::env::var_os("UPDATE_RELIABILITY_DOC").is_some() {
            let updated = format!("{}{START}{wanted}{}", &doc[..a], &doc[b..]);
            std::fs::write(&path, updated).unwrap();
        } else {
            panic!(
                "docs/reliability.md's fault matrix is stale; run \
                 `UPDATE_RELIABILITY_DOC=1 cargo test -p billing-tests --test reliability_faults`"
            );
        }
    }
}
