//! The fault matrix: every fault the sandbox can inject, against the two report operations, one
//! contract, and three listings walked page by page (contracts and one invoice's lines by
//! cursor, trustor orgs by page number), with the outcome (recovered, or which typed error),
//! the number of requests that reached the server and a bound on the elapsed time. A walk must
//! also end with exactly the items it should have: all of them once it recovered, or those of
//! the pages before the failure and then the error, never an item twice or one silently left out.
//!
//! The table below is the source of `docs/reliability.md`'s matrix: `matrix_doc_is_current`
//! fails when the two differ (`UPDATE_RELIABILITY_DOC=1` rewrites the doc's table).
//!
//! Every case gets its own sandbox and client, and up to 66 cases run at once, each inside a
//! `tokio::time::timeout`, so a hang is a failure and not a stuck CI job. The clock is real:
//! the sandbox's timers and token expiry use `std::time`, so a paused tokio clock would
//! fire timeouts while real sockets are still working. The one row whose request count
//! depends on how fast the machine is (the operation timeout) is judged from the attempts'
//! recorded times instead (see `check_attempts`).

use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use billing_api::models::{
    BillingContractStatus, BillingUsageReportStatus, TrusteeBillingOverviewSubscriptionType,
};
use billing_api::transport::BoxTransportService;
use billing_api::{Client, ClientBuilder, Error, Page, PageStream, RetryConfig};
use billing_sandbox::{
    Fault, FaultRule, Sandbox, UNKNOWN_CONTRACT_STATUS, UNKNOWN_REPORT_STATUS,
    UNKNOWN_SUBSCRIPTION_TYPE,
};
use billing_transport::{AuthError, TimeoutKind, TransportError};
use bytes::Bytes;
use chrono::{NaiveDate, TimeZone, Utc};
use futures_util::StreamExt;
use tokio::time::Instant;
use tower::{Layer, Service};

/// Retries with the real shape (4 attempts, exponential backoff, full jitter) but short waits.
fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(MAX_BACKOFF)
}

/// The attempt timeout of the delay cases; the sandbox delays by `DELAY`.
const ATTEMPT: Duration = Duration::from_millis(300);
const DELAY: Duration = Duration::from_millis(1500);
/// The client-side body cap of the oversized-body case; the sandbox pads to `PADDED` bytes.
const BODY_CAP: usize = 64 * 1024;
const PADDED: usize = 256 * 1024;
/// How long any one case may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(20);

/// The items per page of the walks, small so that each crosses pages.
const PAGE_SIZE: u32 = 2;
/// What the walks find without faults: three orgs with two contracts each, an invoice of six
/// lines, three enabled trustors (and one disabled, on the second page of the listing).
const CONTRACTS: usize = 6;
const INVOICE_LINES: usize = 6;
const TRUSTORS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Report,
    Overview,
    Contract,
    Contracts,
    InvoiceLines,
    Trustors,
}

impl Op {
    const ALL: [Op; 6] = [
        Op::Report,
        Op::Overview,
        Op::Contract,
        Op::Contracts,
        Op::InvoiceLines,
        Op::Trustors,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::Report => "billable usage",
            Op::Overview => "trustee overview",
            Op::Contract => "one contract",
            Op::Contracts => "contracts, every page",
            Op::InvoiceLines => "invoice lines, every page",
            Op::Trustors => "trustors, every page",
        }
    }

    /// The requests a walk takes without faults (1 for a single call).
    fn pages(self) -> usize {
        match self {
            Op::Report | Op::Overview | Op::Contract => 1,
            Op::Contracts => CONTRACTS.div_ceil(PAGE_SIZE as usize),
            Op::InvoiceLines => INVOICE_LINES.div_ceil(PAGE_SIZE as usize),
            // Page-number paging reads the disabled trustor too, then leaves it out.
            Op::Trustors => (TRUSTORS + 1).div_ceil(PAGE_SIZE as usize),
        }
    }

    fn is_walk(self) -> bool {
        self.pages() > 1
    }

    /// What a case ends in for this operation. The sandbox varies no enum of invoice lines or
    /// trustors, and puts its extra fields on a listing's envelope, which a walk reads past:
    /// the items come out as served.
    fn expect(self, expect: Expect) -> Expect {
        match (self, expect) {
            (Op::InvoiceLines | Op::Trustors, Expect::RecoveredUnknownEnum)
            | (Op::Contracts | Op::InvoiceLines | Op::Trustors, Expect::RecoveredExtraFields) => {
                Expect::Recovered
            }
            _ => expect,
        }
    }

    /// The API requests of a case for this operation. A walk's first page is fetched before
    /// the faults on the API are armed, so they hit a later page: a walk that recovers makes
    /// the case's requests plus one per other page; one that fails, the case's requests plus
    /// the first page. Faults on the token endpoint are armed before the first page.
    fn api(self, case: &Case) -> RangeInclusive<usize> {
        let extra = if !self.is_walk() {
            0
        } else if self.expect(case.expect).recovers() {
            self.pages() - 1
        } else if case.on_token_endpoint() {
            0
        } else {
            1
        };
        case.api.start() + extra..=case.api.end() + extra
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
    fn recovers(self) -> bool {
        matches!(
            self,
            Expect::Recovered | Expect::RecoveredUnknownEnum | Expect::RecoveredExtraFields
        )
    }

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
    /// Whether the API requests are checked against the attempts the client made and when
    /// (see [`check_attempts`]) rather than against `api`, which then shows what an idle
    /// machine gives.
    timed_attempts: bool,
}

impl Case {
    fn on_token_endpoint(&self) -> bool {
        self.rules.iter().all(|r| r.prefix() == Some("/oauth/"))
    }

    fn with_timed_attempts(mut self) -> Case {
        self.timed_attempts = true;
        self
    }
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

/// The operation timeout of the operation-timeout case.
const OPERATION: Duration = Duration::from_millis(700);
/// The longest backoff of [`fast_retry`].
const MAX_BACKOFF: Duration = Duration::from_millis(20);

fn short_operation(c: ClientBuilder) -> ClientBuilder {
    c.attempt_timeout(ATTEMPT).operation_timeout(OPERATION)
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
        timed_attempts: false,
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
        c("delay 1.5 s, attempts 300 ms, operation timeout 700 ms", vec![api(Fault::Delay(DELAY), always)], short_operation, Timeout(TimeoutKind::Operation), 2..=3, 1..=1, (OPERATION, ms(2_500))).with_timed_attempts(),
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

/// The ids the walks must yield and the ids the single calls ask for, read once from a
/// sandbox without faults (the sandbox's data depends only on its settings).
#[derive(Debug)]
struct Reference {
    org: String,
    contract: String,
    invoice: String,
    contracts: Vec<String>,
    lines: Vec<String>,
    trustors: Vec<String>,
}

impl Reference {
    async fn read() -> Reference {
        let sandbox = sandbox().await;
        let client = ClientBuilder::from_env_vars(sandbox.client_env())
            .unwrap()
            .build()
            .expect("client builds");
        let contracts = ids(client.contracts().collect_all().await, |c| c.id.as_deref());
        let invoices = ids(client.invoices().collect_all().await, |i| i.id.as_deref());
        let invoice = invoices[0].clone();
        let lines = ids(
            client.invoice_lines(invoice.clone()).collect_all().await,
            |l| l.id.as_deref(),
        );
        let trustors = ids(client.trustors().collect_all().await, |t| t.id.as_deref());
        assert_eq!(
            (contracts.len(), lines.len(), trustors.len()),
            (CONTRACTS, INVOICE_LINES, TRUSTORS),
            "the sandbox's data changed: update the walks' sizes"
        );
        let org = sandbox.trustor_org_ids()[0].clone();
        sandbox.shutdown().await;
        Reference {
            org,
            contract: contracts[0].clone(),
            invoice,
            contracts,
            lines,
            trustors,
        }
    }

    /// Every item a walk yields when nothing goes wrong.
    fn items(&self, op: Op) -> &[String] {
        match op {
            Op::Contracts => &self.contracts,
            Op::InvoiceLines => &self.lines,
            Op::Trustors => &self.trustors,
            Op::Report | Op::Overview | Op::Contract => &[],
        }
    }
}

fn ids<T>(listing: Result<Vec<T>, Error>, id: fn(&T) -> Option<&str>) -> Vec<String> {
    let items = listing.expect("a listing without faults");
    items
        .iter()
        .map(|item| id(item).expect("every item has an id").to_owned())
        .collect()
}

/// The sandbox every case starts (each its own), on a fixed day so that all agree.
async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .no_rate_limit()
        .in_progress_polls(0)
        .report_usages(3)
        .report_resources_per_usage(10)
        .invoice_lines_per_invoice(INVOICE_LINES)
        .today(NaiveDate::from_ymd_opt(2026, 11, 16).unwrap())
        .start()
        .await
        .expect("sandbox starts")
}

/// Arms a case's faults once, and remembers when and how many API requests came before.
struct Armer<'a> {
    sandbox: &'a Sandbox,
    rules: &'a [FaultRule],
    armed: Option<(Instant, usize)>,
}

impl Armer<'_> {
    fn arm(&mut self) {
        if self.armed.is_none() {
            let before = api_requests(self.sandbox);
            for rule in self.rules {
                self.sandbox.inject(rule.clone());
            }
            self.armed = Some((Instant::now(), before));
        }
    }
}

fn api_requests(sandbox: &Sandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/api/"))
        .count()
}

/// The items a walk yielded, in order, and how many elements came after its error.
#[derive(Debug, Default)]
struct Walked {
    ids: Vec<String>,
    after_error: usize,
}

async fn call(
    client: &Client,
    op: Op,
    reference: &Reference,
    armer: &mut Armer<'_>,
) -> (Got, Walked) {
    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let single = |got| (got, Walked::default());
    match op {
        Op::Report => single(
            match client.get_billing_reports_billableusage(start, end).await {
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
        ),
        Op::Overview => single(
            match client
                .get_billing_trusteebillingoverview_trustor_org_id(&reference.org, Some(1))
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
        ),
        Op::Contract => single(
            match client.get_billing_contract(&reference.contract).await {
                Ok(contract) => Got::Ok {
                    unknown_enum: unknown_contract_status(&contract.status),
                    extra_fields: !contract.unknown_fields.is_empty(),
                },
                Err(e) => Got::Err(e),
            },
        ),
        Op::Contracts => {
            let pages = client.contracts().page_size(PAGE_SIZE).pages();
            walk(
                pages,
                armer,
                |c| c.id.as_deref(),
                |c| unknown_contract_status(&c.status),
                |c| !c.unknown_fields.is_empty(),
            )
            .await
        }
        Op::InvoiceLines => {
            let pages = client
                .invoice_lines(reference.invoice.clone())
                .page_size(PAGE_SIZE)
                .pages();
            walk(
                pages,
                armer,
                |l| l.id.as_deref(),
                |_| false,
                |l| !l.unknown_fields.is_empty(),
            )
            .await
        }
        Op::Trustors => {
            let pages = client.trustors().page_size(PAGE_SIZE).pages();
            walk(
                pages,
                armer,
                |t| t.id.as_deref(),
                |_| false,
                |t| !t.unknown_fields.is_empty(),
            )
            .await
        }
    }
}

fn unknown_contract_status(status: &Option<BillingContractStatus>) -> bool {
    matches!(status, Some(BillingContractStatus::Unknown(s)) if s == UNKNOWN_CONTRACT_STATUS)
}

/// Streams every page, arming the faults after the first (when not armed yet), and keeps
/// everything the stream yields, including anything after an error.
async fn walk<T>(
    mut pages: PageStream<T>,
    armer: &mut Armer<'_>,
    id: fn(&T) -> Option<&str>,
    unknown_enum: fn(&T) -> bool,
    extra_fields: fn(&T) -> bool,
) -> (Got, Walked) {
    let mut walked = Walked::default();
    let mut error = None;
    let (mut unknown, mut extra) = (false, false);
    while let Some(page) = pages.next().await {
        match page {
            Ok(Page { items, .. }) if error.is_none() => {
                for item in &items {
                    walked.ids.push(id(item).unwrap_or("(no id)").to_owned());
                    unknown |= unknown_enum(item);
                    extra |= extra_fields(item);
                }
            }
            Err(e) if error.is_none() => error = Some(e),
            _ => walked.after_error += 1,
        }
        armer.arm();
    }
    let got = match error {
        None => Got::Ok {
            unknown_enum: unknown,
            extra_fields: extra,
        },
        Some(e) => Got::Err(e),
    };
    (got, walked)
}

/// A walk yields each item once: all of them when it recovered; else those of the pages before
/// the failing one, then the error, then nothing.
fn check_walk(op: Op, case: &Case, reference: &Reference, walked: &Walked) -> Result<(), String> {
    let all = reference.items(op);
    let wanted = if op.expect(case.expect).recovers() {
        all
    } else if case.on_token_endpoint() {
        &[]
    } else {
        &all[..PAGE_SIZE as usize]
    };
    if walked.ids != wanted {
        return Err(format!(
            "the walk yielded {} items {:?}, expected {} {:?}",
            walked.ids.len(),
            walked.ids,
            wanted.len(),
            wanted
        ));
    }
    if walked.after_error > 0 {
        return Err(format!(
            "the stream went on for {} elements after its error",
            walked.after_error
        ));
    }
    Ok(())
}

/// When each attempt the client made (below retries, above auth) started and ended: done,
/// failed, or dropped by a timeout.
#[derive(Debug, Clone, Default)]
struct AttemptLog(Arc<Mutex<Vec<Span>>>);

/// An attempt's start, and its end once it has one.
type Span = (Instant, Option<Instant>);

impl AttemptLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Span>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The attempts started at or after `from`, with their ends (now, for one still running).
    fn since(&self, from: Instant) -> Vec<(Instant, Instant)> {
        let now = Instant::now();
        self.lock()
            .iter()
            .filter(|(start, _)| *start >= from)
            .map(|&(start, end)| (start, end.unwrap_or(now)))
            .collect()
    }
}

impl<S> Layer<S> for AttemptLog {
    type Service = Logged<S>;

    fn layer(&self, inner: S) -> Logged<S> {
        Logged {
            inner,
            log: self.clone(),
        }
    }
}

#[derive(Clone)]
struct Logged<S> {
    inner: S,
    log: AttemptLog,
}

/// Writes an attempt's end when its future completes or is dropped.
struct Ended {
    log: AttemptLog,
    index: usize,
}

impl Drop for Ended {
    fn drop(&mut self) {
        if let Some(entry) = self.log.lock().get_mut(self.index) {
            entry.1 = Some(Instant::now());
        }
    }
}

type Attempt = Pin<Box<dyn Future<Output = Result<http::Response<Bytes>, TransportError>> + Send>>;

impl Service<http::Request<Bytes>> for Logged<BoxTransportService> {
    type Response = http::Response<Bytes>;
    type Error = TransportError;
    type Future = Attempt;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Bytes>) -> Attempt {
        let ended = {
            let mut log = self.log.lock();
            log.push((Instant::now(), None));
            Ended {
                log: self.log.clone(),
                index: log.len() - 1,
            }
        };
        let attempt = self.inner.call(request);
        Box::pin(async move {
            let _ended = ended;
            attempt.await
        })
    }
}

/// Timer deadlines are kept in whole milliseconds: room for rounding twice.
const TIMER_GRAIN: Duration = Duration::from_millis(2);

/// The operation-timeout case, judged by what happened instead of by when it should have
/// happened. On a loaded machine the first attempt may start late (it fetches the token
/// first) and the second may still be on its way to the sandbox when the call returns, so a
/// fixed count of requests would fail for reasons that are not the client's. What must hold,
/// whenever the attempts ran:
///
/// * attempts run one after another, and each but the last was ended by its own timeout,
///   never sooner (the attempt timeout sits inside the retry loop);
/// * when an attempt timed out with room for the backoff before the operation's deadline, a
///   retry followed (the retry loop goes on until the operation timeout stops it); the
///   outcome, checked apart, says it was the operation timeout that ended the call;
/// * the sandbox saw every attempt the client made, once it has read what was sent; only the
///   last, cut by the operation's deadline, may have been cut before its request was written.
///
/// `armed` is when the faults were armed: the operation started no earlier, so its deadline is
/// no earlier than `armed + OPERATION`.
fn check_attempts(
    attempts: &[(Instant, Instant)],
    armed: Instant,
    seen: usize,
) -> Result<(), String> {
    let deadline = armed + OPERATION;
    let Some((&(_, last_end), _)) = attempts.split_last() else {
        return Err("the client made no attempt".into());
    };
    for (n, pair) in attempts.windows(2).enumerate() {
        let ((start, end), (next_start, _)) = (pair[0], pair[1]);
        if end - start < ATTEMPT {
            return Err(format!(
                "attempt {} ended after {:?}, before its {ATTEMPT:?} timeout",
                n + 1,
                end - start
            ));
        }
        if next_start < end {
            return Err(format!(
                "attempt {} started before attempt {} ended",
                n + 2,
                n + 1
            ));
        }
    }
    if last_end + MAX_BACKOFF + TIMER_GRAIN < deadline {
        return Err(format!(
            "the last of {} attempts ended {:?} before the operation's deadline, with room \
             for a retry, and none followed",
            attempts.len(),
            deadline - last_end
        ));
    }
    let made = attempts.len();
    let cut_unsent = seen + 1 == made && last_end >= deadline;
    if seen != made && !cut_unsent {
        return Err(format!(
            "the client made {made} attempts, the sandbox saw {seen}"
        ));
    }
    Ok(())
}

/// A sandbox and a client for one case, the client logging its attempts.
struct Prepared {
    sandbox: Sandbox,
    client: Client,
    attempts: AttemptLog,
}

/// Starts a sandbox of the case's own and builds its client over `http` (the case's HTTP
/// client, see [`fault_matrix`]). Kept apart from the timed call: building a client is blocking
/// work that would otherwise stall the other cases' calls on the same worker thread.
async fn prepare(case: &Case, http: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Prepared {
    let sandbox = sandbox().await;
    let attempts = AttemptLog::default();
    let log = attempts.clone();
    let builder = ClientBuilder::from_env_vars(sandbox.client_env())
        .unwrap()
        .retry(fast_retry())
        .attempt_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(10))
        .transport(move |t| t.attempt_layer(log));
    let client = http((case.client)(builder)).build().expect("client builds");
    Prepared {
        sandbox,
        client,
        attempts,
    }
}

/// Arms the faults (for a walk on the API, after its first page), makes the call and checks
/// outcome, items, request counts and time.
async fn run(case: &Case, op: Op, prepared: Prepared, reference: &Reference) -> Result<(), String> {
    let Prepared {
        sandbox,
        client,
        attempts,
    } = prepared;
    let mut armer = Armer {
        sandbox: &sandbox,
        rules: &case.rules,
        armed: None,
    };
    if !op.is_walk() || case.on_token_endpoint() {
        armer.arm();
    }
    let started = Instant::now();
    let (got, walked) = tokio::time::timeout(HANG, call(&client, op, reference, &mut armer))
        .await
        .map_err(|_| format!("no outcome after {HANG:?}: the call hung"))?;
    let elapsed = started.elapsed();
    let (armed_at, api_before) = armer.armed.unwrap_or((started, 0));
    let mut problems = Vec::new();
    if let Err(e) = check(op.expect(case.expect), &got) {
        problems.push(e);
    }
    if op.is_walk()
        && let Err(e) = check_walk(op, case, reference, &walked)
    {
        problems.push(e);
    }
    let mut api = api_requests(&sandbox);
    if case.timed_attempts {
        let made = attempts.since(armed_at);
        // A request the client wrote just before the deadline may still be on its way in.
        let settle = Instant::now() + Duration::from_secs(2);
        while api - api_before < made.len() && Instant::now() < settle {
            tokio::time::sleep(Duration::from_millis(10)).await;
            api = api_requests(&sandbox);
        }
        if let Err(e) = check_attempts(&made, armed_at, api - api_before) {
            problems.push(e);
        }
    } else if !op.api(case).contains(&api) {
        problems.push(format!(
            "expected {:?} API requests, saw {api}",
            op.api(case)
        ));
    }
    let token = sandbox.token_requests();
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

/// The cases in flight at once: as many as the two report operations' rows, the load the time
/// bounds were set for.
const IN_FLIGHT: usize = 66;

/// Runs every case, at most [`IN_FLIGHT`] at once. The rows with a 300 ms attempt timeout (the
/// delay rows) run first, on their own: under the load of the other cases the 2-core machine
/// can take longer than that over an ordinary page of a walk, and the retry it then makes is
/// not the one the row is about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    let reference = Arc::new(Reference::read().await);
    let cases = Arc::new(cases());
    let short_attempts = |case: &Case| {
        case.rules
            .iter()
            .any(|r| matches!(r.fault(), Fault::Delay(_)))
    };
    let in_flight = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut failures = Vec::new();
    let mut ran = 0;
    for wave in [true, false] {
        let mut prepared = Vec::new();
        for (index, case) in cases.iter().enumerate() {
            if short_attempts(case) != wave {
                continue;
            }
            // The row's HTTP client (loading the system's TLS roots takes tens of
            // milliseconds), shared by its operations: their sandboxes listen on ports of their
            // own, so they share no connection.
            let mut built = None;
            let _ = (case.client)(Client::builder()).transport(|t| {
                built = Some(t.build_http_client().expect("HTTP client builds"));
                t
            });
            let http = built.expect("the builder hands over its transport settings");
            for op in Op::ALL {
                let http = http.clone();
                let client = prepare(case, |b| b.transport(|t| t.http_client(http))).await;
                prepared.push((index, op, client));
            }
        }
        let mut set = tokio::task::JoinSet::new();
        for (index, op, prepared) in prepared {
            let (cases, reference) = (cases.clone(), reference.clone());
            let in_flight = in_flight.clone();
            set.spawn(async move {
                let _turn = in_flight.acquire_owned().await.expect("never closed");
                let case = &cases[index];
                (case.fault, op, run(case, op, prepared, &reference).await)
            });
        }
        while let Some(joined) = set.join_next().await {
            let (fault, op, result) = joined.expect("a case panicked");
            ran += 1;
            if let Err(e) = result {
                failures.push(format!("{fault} / {}: {e}", op.name()));
            }
        }
    }
    assert_eq!(ran, cases.len() * Op::ALL.len());
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
        for op in Op::ALL {
            let time = if case.time.0.is_zero() {
                format!("≤ {}", bound(case.time.1))
            } else {
                format!("{} – {}", bound(case.time.0), bound(case.time.1))
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} + {} | {} |\n",
                case.fault,
                op.name(),
                op.expect(case.expect).describe(),
                range(&op.api(&case)),
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
