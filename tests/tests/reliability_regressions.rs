//! Bugs found by the reliability work (fuzzing and the fault matrix), each kept as a test of the
//! behaviour the crates now have. Each test names
//! the file and the behaviour at fault.

use std::time::{Duration, Instant};

use billing_api::{ClientBuilder, Error, RetryConfig};
use billing_models::{BillingUsageResource, datetime};
use billing_sandbox::{Fault, FaultRule, Sandbox};
use billing_transport::{AuthError, TransportError};

/// `billing-models/src/datetime.rs`: `parse` accepts any RFC 3339 offset and converts to UTC,
/// so a date-time near either end of years 0000–9999 can land outside them; `format` then
/// writes `-0001-…` or `+10000-…`, which `parse` (and the server's ISO-8601) refuses. A model
/// decoded from such a document serializes to JSON the crate cannot decode again, breaking
/// "nothing is lost on the wire". Expected: every value `parse` accepts is written in a form
/// `parse` reads back (e.g. `parse` refuses instants outside 0000-01-01T00:00:00Z ..=
/// 9999-12-31T23:59:59.999999999Z).
#[test]
fn datetime_outside_years_0_to_9999_is_written_unreadably() {
    for text in ["0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"] {
        if let Ok(t) = datetime::parse(text) {
            let written = datetime::format(&t);
            assert!(
                datetime::parse(&written).is_ok(),
                "{text:?} is read, but written as {written:?}, which is refused"
            );
        }
        let json = format!(r#"{{"name":"x","date":"{text}"}}"#);
        if let Ok(resource) = serde_json::from_str::<BillingUsageResource>(&json) {
            let written = serde_json::to_string(&resource).unwrap();
            assert!(
                serde_json::from_str::<BillingUsageResource>(&written).is_ok(),
                "{json} decodes, but its serialization {written} does not"
            );
        }
    }
}

/// `billing-transport/src/token.rs` (`ClientCredentialsTokenSource::fetch`): a 429 from the
/// token endpoint with a `Retry-After` under the cap is waited for *inside* the attempt
/// timeout (`transport.rs` puts auth under `TimeoutLayer::attempt`). When the wait is longer
/// than the attempt timeout, the attempt times out mid-sleep, the retry layer starts a new
/// attempt at once, and the token endpoint is asked again long before the wait it asked for:
/// with a 300 ms attempt timeout and `Retry-After: 2`, four token requests go out at about
/// 0, 0.3, 0.6 and 0.9 s and the call ends in `Timeout { kind: Attempt }` instead of a
/// rate-limit error. (With the defaults, 30 s attempts and a 180 s cap, a `Retry-After: 60`
/// is hammered every 30 s.) Expected: no token request before the wait the previous answer
/// asked for; or, if the wait does not fit in the attempt, the fetch fails at once with
/// `AuthError::TokenEndpoint { status: 429 }`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_retry_after_is_cut_short_by_the_attempt_timeout() {
    let sandbox = Sandbox::builder()
        .no_rate_limit()
        .in_progress_polls(0)
        .start()
        .await
        .unwrap();
    let client = ClientBuilder::from_env_vars(sandbox.client_env())
        .unwrap()
        .retry(
            RetryConfig::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .attempt_timeout(Duration::from_millis(300))
        .operation_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    sandbox.inject(
        FaultRule::new(Fault::TooManyRequests {
            retry_after_secs: Some(2),
        })
        .times(50)
        .path_prefix("/oauth/"),
    );
    let started = Instant::now();
    let result = tokio::time::timeout(
        Duration::from_secs(15),
        client
            .get_billing_trusteebillingoverview_trustor_org_id(&sandbox.trustor_org_ids()[0], None),
    )
    .await
    .expect("no hang");
    let arrivals: Vec<Instant> = sandbox
        .requests()
        .iter()
        .filter(|r| r.path() == "/oauth/token")
        .map(|r| r.received_at)
        .collect();
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    println!(
        "{:?} after {:?}; token requests {} apart by {gaps:?}",
        result.as_ref().map(|_| ()),
        started.elapsed(),
        arrivals.len()
    );
    assert!(
        gaps.iter().all(|g| *g >= Duration::from_millis(1_900)),
        "the token endpoint asked for 2 s between requests; gaps were {gaps:?}"
    );
    if arrivals.len() == 1 {
        assert!(
            matches!(
                &result,
                Err(Error::Transport(TransportError::Auth(AuthError::TokenEndpoint { status, .. }))) if *status == 429
            ),
            "{result:?}"
        );
    }
}
