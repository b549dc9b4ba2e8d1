//! The trustor orgs against the sandbox: every page by number, disabled trusts left out
//! unless asked for, the same orgs the trustee overviews know.

mod common;

use billing_sandbox::{Fault, FaultRule, Sandbox};

const TRUSTORS: &str = "/api/v2/orgauthorization/trustors";

fn ids(trustors: &[billing_api::models::Trustor]) -> Vec<String> {
    trustors.iter().filter_map(|t| t.id.clone()).collect()
}

#[tokio::test]
async fn every_enabled_trustor_is_found_across_pages() {
    let (sandbox, client) =
        common::start(Sandbox::builder().trustor_orgs(23).disabled_trustors(3)).await;

    let enabled = client.trustors().page_size(5).collect_all().await.unwrap();

    let mut found = ids(&enabled);
    found.sort();
    let mut expected = sandbox.trustor_org_ids().to_vec();
    expected.sort();
    assert_eq!(
        found, expected,
        "each enabled org once, the disabled ones left out"
    );
    assert!(enabled.iter().all(|t| t.enabled));
    let pages: Vec<String> = sandbox
        .requests()
        .iter()
        .filter(|r| r.path() == TRUSTORS)
        .map(|r| r.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(pages.len(), 26usize.div_ceil(5), "{pages:?}");
    for (n, query) in pages.iter().enumerate() {
        assert!(query.contains(&format!("pageNumber={}", n + 1)), "{query}");
        assert!(query.contains("pageSize=5"), "{query}");
    }
}

#[tokio::test]
async fn disabled_trustors_come_when_asked_for() {
    let (sandbox, client) =
        common::start(Sandbox::builder().trustor_orgs(4).disabled_trustors(2)).await;
    let all = client
        .trustors()
        .include_disabled(true)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
    assert_eq!(all.iter().filter(|t| !t.enabled).count(), 2);
    let first = all[0].id.clone().unwrap();
    let one = client.get_orgauthorization_trustor(&first).await.unwrap();
    assert_eq!(one, all[0]);
    let _ = sandbox;
}

#[tokio::test]
async fn a_failed_page_keeps_the_orgs_before_it() {
    use futures_util::StreamExt;
    let (sandbox, client) = common::start(Sandbox::builder().trustor_orgs(6)).await;
    let all = client.trustors().collect_all().await.unwrap();
    let mut items = client.trustors().page_size(2).items();
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(items.next().await.unwrap().unwrap());
    }
    // Every attempt at the next page fails.
    sandbox.inject(
        FaultRule::new(Fault::InternalServerError)
            .times(10)
            .path_prefix(TRUSTORS),
    );
    let error = items.next().await.unwrap().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500), "{error}");
    assert!(items.next().await.is_none());
    assert_eq!(ids(&got), ids(&all[..2]));
}
