//! The report waiter and the trustor fan-out against the sandbox.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use billing_api::models::BillingUsageReportStatus;
use billing_api::{Error, RateLimit};
use billing_sandbox::Sandbox;
use chrono::{TimeZone, Utc};
use futures_util::StreamExt;

fn period() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (
        Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap(),
    )
}

#[tokio::test]
async fn waiter_repeats_while_in_progress_and_reports_progress() {
    let (sandbox, client) = common::start(Sandbox::builder().in_progress_polls(2)).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let (start, end) = period();
    let report = client
        .wait_for_billable_usage(start, end)
        .interval(Duration::from_millis(50))
        .on_progress(move |p| log.lock().unwrap().push((p.attempt, p.status.clone())))
        .wait()
        .await
        .unwrap();
    assert_eq!(report.status, Some(BillingUsageReportStatus::Complete));
    assert!(!report.usages.is_empty());
    let seen = seen.lock().unwrap().clone();
    use BillingUsageReportStatus::{Complete, InProgress};
    assert_eq!(
        seen,
        [
            (1, Some(InProgress)),
            (2, Some(InProgress)),
            (3, Some(Complete))
        ]
    );
    let sent: Vec<String> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path().starts_with("/api/"))
        .map(|r| r.path_and_query)
        .collect();
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter().all(|p| p == &sent[0]),
        "the same request each time"
    );
}

#[tokio::test]
async fn waiter_gives_up_at_the_deadline_with_a_typed_error() {
    let (_sandbox, client) = common::start(Sandbox::builder().in_progress_polls(1_000)).await;
    let (start, end) = period();
    let err = client
        .wait_for_billable_usage(start, end)
        .interval(Duration::from_millis(40))
        .deadline(Duration::from_millis(200))
        .wait()
        .await
        .unwrap_err();
    let Error::NotReady {
        attempts,
        elapsed,
        last,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!((3..=7).contains(attempts), "{attempts}");
    assert!(
        *elapsed <= Duration::from_millis(200) + Duration::from_millis(150),
        "{elapsed:?}"
    );
    assert_eq!(last.status, Some(BillingUsageReportStatus::InProgress));
    assert!(err.to_string().contains("still InProgress"), "{err}");
}

/// The waiter's deadline runs on tokio's clock: on paused time a ten-minute wait passes at
/// once, with exactly the requests a real ten minutes would see.
#[tokio::test(start_paused = true)]
async fn the_waiters_deadline_follows_tokios_clock() {
    let requests = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = requests.clone();
    let client = billing_api::Client::builder()
        .with_service(tower::service_fn(move |_request: http::Request<bytes::Bytes>| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let body = r#"{"startDate":"2026-09-01T00:00:00.000Z","endDate":"2026-10-01T00:00:00.000Z","status":"InProgress"}"#;
            async move { Ok::<_, std::convert::Infallible>(http::Response::new(bytes::Bytes::from(body))) }
        }))
        .build()
        .unwrap();
    let (start, end) = period();
    let started = tokio::time::Instant::now();
    let err = client
        .wait_for_billable_usage(start, end)
        .interval(Duration::from_secs(3))
        .deadline(Duration::from_secs(600))
        .wait()
        .await
        .unwrap_err();
    let Error::NotReady {
        attempts, elapsed, ..
    } = err
    else {
        panic!("{err:?}");
    };
    // A request at 0 s, 3 s, …, 600 s (the last wait ends at the deadline, not past it); the
    // next would start past it: 201 requests in all.
    assert_eq!(attempts, 201);
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 201);
    assert_eq!(elapsed, Duration::from_secs(600));
    assert_eq!(started.elapsed(), Duration::from_secs(600));
}

#[tokio::test]
async fn waiter_stops_on_the_first_error() {
    let (_sandbox, client) = common::start(Sandbox::builder()).await;
    let (start, end) = period();
    let err = client
        .wait_for_billable_usage(end, start)
        .interval(Duration::from_millis(10))
        .wait()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::BAD_REQUEST));
}

#[tokio::test]
async fn fan_out_of_1000_orgs_under_a_rate_limit_accounts_for_every_org() {
    let sandbox = Sandbox::builder()
        .trustor_orgs(1_000)
        .rate_limit(400, Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let client = common::client_builder(&sandbox)
        .rate_limit(RateLimit::new(350, Duration::from_secs(1)).unwrap())
        .build()
        .unwrap();
    let mut ids: Vec<String> = sandbox.trustor_org_ids().to_vec();
    ids.push("00000000-0000-4000-8000-00000000dead".into()); // one org fails; the others go on
    let mut results = client
        .trustee_overviews(ids.clone())
        .billing_period_index(1)
        .concurrency(32)
        .stream();
    let mut ok = HashSet::new();
    let mut failed = Vec::new();
    while let Some(org) = results.next().await {
        match org.result {
            Ok(overview) => {
                assert_eq!(
                    overview.organization.id.as_deref(),
                    Some(org.org_id.as_str())
                );
                ok.insert(org.org_id);
            }
            Err(e) => failed.push((org.org_id, e)),
        }
    }
    assert_eq!(ok.len(), 1_000);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].1.status(), Some(http::StatusCode::NOT_FOUND));
    let statuses: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path().starts_with("/api/"))
        .collect();
    assert!(
        statuses
            .iter()
            .all(|r| r.query() == Some("billingPeriodIndex=1"))
    );
    assert_eq!(
        statuses.len(),
        1_001,
        "no request bounced off a 429 and was retried"
    );
}

#[tokio::test]
async fn collect_returns_results_in_the_order_given() {
    let (sandbox, client) = common::start(Sandbox::builder().trustor_orgs(20)).await;
    let mut ids: Vec<String> = sandbox.trustor_org_ids().to_vec();
    ids.reverse();
    let all = client
        .trustee_overviews(ids.clone())
        .concurrency(8)
        .collect()
        .await;
    let got: Vec<String> = all.iter().map(|o| o.org_id.clone()).collect();
    assert_eq!(got, ids);
    assert!(all.iter().all(|o| o.result.is_ok()));
}
