//! Property: no trustor org id, however hostile, changes the request's path or query. Checked
//! against what the sandbox received: exactly one path segment after
//! `/api/v2/billing/trusteebillingoverview/` that percent-decodes to the input, the query the
//! caller asked for and nothing else, or `Error::InvalidInput` with nothing sent for the
//! values that would name another resource even encoded (`""`, `"."`, `".."`).

use billing_api::{ClientBuilder, Error, RetryConfig};
use billing_sandbox::Sandbox;
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};

const PREFIX: &str = "/api/v2/billing/trusteebillingoverview/";

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Strings a path can be attacked with, and any string at all.
fn org_id() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        2 => "[./\\\\%?#&=+;: a-zA-Z0-9~-]{0,12}",
        1 => prop::sample::select(vec![
            "", ".", "..", "...", "/", "//", "./", "../", "..%2f", "%2e%2e", "%2E%2E/", "%00",
            "%", "%%", "%zz", "?", "#", "?billingPeriodIndex=9", "#frag", "a/../b", "\\..\\",
            "\u{0}", "\r\nX-Injected: 1", " ", "\u{202e}", "\u{ff0f}", "..\u{2215}",
        ]).prop_map(str::to_owned),
        1 => ("(\\.|%2e|%2E){1,3}", "(/|%2f|%2F|\\\\)?").prop_map(|(a, b)| format!("{a}{b}")),
    ]
}

#[test]
fn no_org_id_changes_the_request_path() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime
        .block_on(Sandbox::builder().no_rate_limit().start())
        .unwrap();
    let client = ClientBuilder::from_env_vars(sandbox.client_env())
        .unwrap()
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();

    let mut runner = TestRunner::new(ProptestConfig {
        cases: cases(),
        ..ProptestConfig::default()
    });
    let strategy = (org_id(), prop::option::of(any::<i32>()));
    runner
        .run(&strategy, |(id, index)| {
            sandbox.clear_requests();
            let tokens_before = sandbox.token_requests();
            let result = runtime
                .block_on(client.get_billing_trusteebillingoverview_trustor_org_id(&id, index));
            let sent: Vec<_> = sandbox
                .requests()
                .into_iter()
                .filter(|r| r.path().starts_with("/api/"))
                .collect();

            if matches!(id.as_str(), "" | "." | "..") {
                prop_assert!(
                    matches!(
                        result,
                        Err(Error::InvalidInput {
                            parameter: "trustorOrgId",
                            ..
                        })
                    ),
                    "{:?}: {:?}",
                    id,
                    result
                );
                prop_assert!(sent.is_empty(), "{:?} was sent: {:?}", id, sent);
                prop_assert_eq!(sandbox.token_requests(), tokens_before, "not even a token");
                return Ok(());
            }

            prop_assert_eq!(sent.len(), 1, "{:?}: one request", id);
            let raw = &sent[0].path_and_query;
            let (path, query) = match raw.split_once('?') {
                Some((p, q)) => (p, Some(q)),
                None => (raw.as_str(), None),
            };
            let segment = path
                .strip_prefix(PREFIX)
                .ok_or_else(|| TestCaseError::fail(format!("{id:?} changed the path: {raw}")))?;
            prop_assert!(
                !segment.is_empty() && !segment.contains('/') && !segment.contains('#'),
                "{:?} is not one segment: {}",
                id,
                raw
            );
            let decoded = percent_decode_str(segment)
                .decode_utf8()
                .map_err(|e| TestCaseError::fail(format!("{id:?} → {segment}: not UTF-8: {e}")))?;
            prop_assert_eq!(&decoded, &id, "{}", raw);
            let wanted = index.map(|i| format!("billingPeriodIndex={i}"));
            prop_assert_eq!(query, wanted.as_deref(), "{:?}: {}", id, raw);

            // Whatever the sandbox said (most ids are unknown orgs: 404), the answer is a typed
            // outcome for that one request.
            match &result {
                Ok(overview) => {
                    prop_assert_eq!(overview.organization.id.as_deref(), Some(id.as_str()))
                }
                Err(Error::Service(e)) => {
                    prop_assert!(e.status == 404 || e.status == 400, "{:?}: {}", id, e)
                }
                Err(other) => prop_assert!(false, "{:?}: {:?}", id, other),
            }
            Ok(())
        })
        .unwrap();

    // The real org ids go through unchanged.
    for id in sandbox.trustor_org_ids().to_vec() {
        let overview = runtime
            .block_on(client.get_billing_trusteebillingoverview_trustor_org_id(&id, None))
            .unwrap();
        assert_eq!(overview.organization.id.as_deref(), Some(id.as_str()));
    }
}
