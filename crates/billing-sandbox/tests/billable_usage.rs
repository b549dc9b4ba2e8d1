//! `GET /api/v2/billing/reports/billableusage`: auth, date validation, InProgress → Complete
//! and the shape, realism, determinism and size of the reports.

mod common;

use std::collections::HashSet;

use billing_sandbox::Sandbox;
use chrono::DateTime;
use common::{Http, REPORT_PATH, Spec, report_url};
use http::{Method, StatusCode};
use serde_json::Value;

const MAY: (&str, &str) = ("2024-05-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z");

fn millis(date: &str) -> i64 {
    DateTime::parse_from_rfc3339(date)
        .unwrap()
        .timestamp_millis()
}

#[tokio::test]
async fn requires_a_valid_bearer_token() {
    let sandbox = Sandbox::start().await.unwrap();
    let spec = Spec::load();
    let http = Http::default();
    let url = report_url(&sandbox, MAY.0, MAY.1);

    let none = http.send(Method::GET, &url, &[], "").await;
    none.assert_error(&spec, REPORT_PATH, 401, "authentication.required");
    let basic = http
        .send(
            Method::GET,
            &url,
            &[("authorization", "Basic Zm9vOmJhcg==")],
            "",
        )
        .await;
    basic.assert_error(&spec, REPORT_PATH, 401, "authentication.required");
    let empty = http
        .send(Method::GET, &url, &[("authorization", "Bearer ")], "")
        .await;
    empty.assert_error(&spec, REPORT_PATH, 401, "authentication.required");
    http.get(&url, "made-up-token")
        .await
        .assert_error(&spec, REPORT_PATH, 401, "bad.credentials");

    let token = http.token(&sandbox).await;
    assert_eq!(http.get(&url, &token).await.status, StatusCode::OK);
    sandbox.revoke_all_tokens();
    http.get(&url, &token)
        .await
        .assert_error(&spec, REPORT_PATH, 401, "bad.credentials");
    // A token issued directly works like one from the exchange.
    assert_eq!(
        http.get(&url, &sandbox.issue_token()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn missing_or_malformed_dates_get_invalid_date() {
    let sandbox = Sandbox::start().await.unwrap();
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();
    let queries = [
        "",
        "?startDate=2024-05-01T00:00:00.000Z",
        "?endDate=2024-06-01T00:00:00.000Z",
        "?startDate=2024-05-01&endDate=2024-06-01",
        "?startDate=yesterday&endDate=2024-06-01T00:00:00.000Z",
        "?startDate=2024-13-01T00:00:00.000Z&endDate=2024-06-01T00:00:00.000Z",
        "?startDate=2024-05-01T00:00:00&endDate=2024-06-01T00:00:00",
        // What the Go SDK (v188) sends, its dates formatted with `%v`: not ISO-8601.
        "?startDate=2024-05-01%2000:00:00%20%2B0000%20UTC&endDate=2024-06-01%2000:00:00%20%2B0000%20UTC",
    ];
    for query in queries {
        let reply = http
            .get(&sandbox.url(&format!("{REPORT_PATH}{query}")), &token)
            .await;
        let body = reply.assert_error(&spec, REPORT_PATH, 400, "invalid.date");
        assert_eq!(
            body["message"],
            "Dates must be specified as ISO-8601 strings. For example: yyyy-MM-ddTHH:mm:ss.SSSZ",
            "{query}"
        );
    }
}

#[tokio::test]
async fn end_not_after_start_gets_400() {
    let sandbox = Sandbox::start().await.unwrap();
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();
    for (start, end) in [(MAY.1, MAY.0), (MAY.0, MAY.0)] {
        let reply = http.get(&report_url(&sandbox, start, end), &token).await;
        let body = reply.assert_error(&spec, REPORT_PATH, 400, "constraint.validation");
        assert!(body["message"].as_str().unwrap().contains("endDate"));
    }
}

#[tokio::test]
async fn in_progress_twice_then_complete_per_period() {
    let sandbox = Sandbox::start().await.unwrap();
    let spec = Spec::load();
    let http = Http::default();
    let token = http.token(&sandbox).await;
    let url = report_url(&sandbox, MAY.0, MAY.1);
    for _ in 0..2 {
        let reply = http.get(&url, &token).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.assert_platform_headers();
        let body = reply.json();
        assert_eq!(body["status"], "InProgress");
        assert_eq!(body["usages"], Value::Array(vec![]));
        assert_eq!(body["startDate"], MAY.0);
        assert_eq!(body["endDate"], MAY.1);
        spec.assert_valid("BillingUsageReport", &body);
    }
    // Another period has its own count; the same instants written differently do not.
    let june = report_url(
        &sandbox,
        "2024-06-01T00:00:00.000Z",
        "2024-07-01T00:00:00.000Z",
    );
    assert_eq!(http.get(&june, &token).await.json()["status"], "InProgress");
    let same_period = report_url(
        &sandbox,
        "2024-05-01T00:00:00Z",
        "2024-06-01T02:00:00%2B02:00",
    );
    let complete = http.get(&same_period, &token).await.json();
    assert_eq!(complete["status"], "Complete");
    assert_eq!(
        complete["startDate"], MAY.0,
        "dates are echoed as yyyy-MM-ddTHH:mm:ss.SSSZ UTC"
    );
    assert_eq!(complete["endDate"], MAY.1);
    spec.assert_valid("BillingUsageReport", &complete);
    assert_eq!(http.get(&url, &token).await.json()["status"], "Complete");
}

#[tokio::test]
async fn in_progress_can_omit_usages() {
    let sandbox = Sandbox::builder()
        .in_progress_polls(1)
        .omit_usages_while_in_progress(true)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = sandbox.issue_token();
    let url = report_url(&sandbox, MAY.0, MAY.1);
    let body = http.get(&url, &token).await.json();
    assert_eq!(body["status"], "InProgress");
    assert!(body.get("usages").is_none(), "{body}");
    assert_eq!(http.get(&url, &token).await.json()["status"], "Complete");
}

#[tokio::test]
async fn complete_reports_are_realistic() {
    let sandbox = Sandbox::builder()
        .in_progress_polls(0)
        .start()
        .await
        .unwrap();
    let spec = Spec::load();
    let http = Http::default();
    let token = sandbox.issue_token();
    let reply = http.get(&report_url(&sandbox, MAY.0, MAY.1), &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.header("content-length"), reply.body.len().to_string());
    reply.assert_platform_headers();
    let body = reply.json();
    spec.assert_valid("BillingUsageReport", &body);
    assert_eq!(body["status"], "Complete");
    common::assert_uuid(body["id"].as_str().unwrap());
    assert_eq!(body["selfUri"], REPORT_PATH);
    assert!(!body["name"].as_str().unwrap().is_empty());

    let usages = body["usages"].as_array().unwrap();
    assert_eq!(usages.len(), 8, "default number of usages");
    let names: HashSet<&str> = usages.iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), usages.len(), "usage names are distinct");
    let (start, end) = (millis(MAY.0), millis(MAY.1));
    let (mut users, mut devices) = (0, 0);
    for usage in usages {
        let resources = usage["resources"].as_array().unwrap();
        assert!(!resources.is_empty());
        assert_eq!(
            usage["totalUsage"],
            resources.len().to_string(),
            "{}",
            usage["name"]
        );
        let mut seen = HashSet::new();
        for resource in resources {
            let name = resource["name"].as_str().unwrap();
            assert!(seen.insert(name), "duplicate resource {name}");
            if name.contains('@') {
                users += 1
            } else {
                devices += 1
            }
            let date = resource["date"].as_str().unwrap();
            assert!(common::is_millis_date(date), "{date}");
            let at = millis(date);
            assert!(start <= at && at < end, "{date} is outside the period");
        }
    }
    assert_eq!(usages[0]["resources"].as_array().unwrap().len(), 40);
    assert!(
        users > 100 && devices > 20,
        "users {users}, devices {devices}"
    );
}

#[tokio::test]
async fn reports_are_deterministic() {
    let a = Sandbox::builder()
        .in_progress_polls(0)
        .start()
        .await
        .unwrap();
    let b = Sandbox::builder()
        .in_progress_polls(0)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let (ta, tb) = (a.issue_token(), b.issue_token());
    let first = http.get(&report_url(&a, MAY.0, MAY.1), &ta).await.body;
    let again = http.get(&report_url(&a, MAY.0, MAY.1), &ta).await.body;
    let other_server = http.get(&report_url(&b, MAY.0, MAY.1), &tb).await.body;
    assert_eq!(first, again);
    assert_eq!(first, other_server);
    let june = http
        .get(
            &report_url(&a, "2024-06-01T00:00:00.000Z", "2024-07-01T00:00:00.000Z"),
            &ta,
        )
        .await
        .body;
    assert_ne!(first, june);
}

#[tokio::test]
async fn accepts_the_date_forms_sdks_send() {
    let sandbox = Sandbox::builder()
        .in_progress_polls(0)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = sandbox.issue_token();
    for (start, end) in [
        // JS `toJSON()`
        ("2024-05-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z"),
        // Python `isoformat()`, percent-encoded
        ("2024-05-01T00:00:00%2B00:00", "2024-06-01T00:00:00%2B00:00"),
        // .NET round-trip "o"
        (
            "2024-05-01T00:00:00.0000000Z",
            "2024-06-01T00:00:00.0000000Z",
        ),
        // no fraction, percent-encoded colons
        ("2024-05-01T00%3A00%3A00Z", "2024-06-01T00%3A00%3A00Z"),
    ] {
        let reply = http.get(&report_url(&sandbox, start, end), &token).await;
        assert_eq!(reply.status, StatusCode::OK, "{start}");
        assert_eq!(reply.json()["startDate"], MAY.0);
    }
    // The raw query is recorded exactly as sent.
    let recorded = sandbox.requests();
    assert_eq!(
        recorded[3].path_and_query,
        format!(
            "{REPORT_PATH}?startDate=2024-05-01T00%3A00%3A00Z&endDate=2024-06-01T00%3A00%3A00Z"
        )
    );
}

#[tokio::test]
async fn report_size_is_configurable() {
    let small = Sandbox::builder()
        .in_progress_polls(0)
        .report_usages(3)
        .report_resources_per_usage(5)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let body = http
        .get(&report_url(&small, MAY.0, MAY.1), &small.issue_token())
        .await
        .json();
    let usages = body["usages"].as_array().unwrap();
    assert_eq!(usages.len(), 3);
    assert_eq!(usages[0]["resources"].as_array().unwrap().len(), 5);

    // More usages than built-in names still gives distinct names.
    let many = Sandbox::builder()
        .in_progress_polls(0)
        .report_usages(30)
        .start()
        .await
        .unwrap();
    let body = http
        .get(&report_url(&many, MAY.0, MAY.1), &many.issue_token())
        .await
        .json();
    let names: HashSet<&str> = body["usages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 30);

    let target = 5_000_000;
    let sized = Sandbox::builder()
        .in_progress_polls(0)
        .report_target_bytes(target)
        .start()
        .await
        .unwrap();
    let reply = http
        .get(&report_url(&sized, MAY.0, MAY.1), &sized.issue_token())
        .await;
    let len = reply.body.len();
    assert!(
        len.abs_diff(target) < target / 20,
        "{len} bytes for a target of {target}"
    );
    Spec::load().assert_valid("BillingUsageReport", &reply.json());
    // The second request is served from the cache: the same bytes.
    let again = http
        .get(&report_url(&sized, MAY.0, MAY.1), &sized.issue_token())
        .await;
    assert_eq!(again.body, reply.body);
}
