//! `GET /api/v2/orgauthorization/trustors` and `/trustors/{trustorOrgId}`: page numbers, the
//! link fields, disabled trustors and agreement with the trustee overview.

mod common;

use std::collections::HashSet;

use billing_sandbox::{Fault, FaultRule, Sandbox};
use common::{Http, overview_url};
use http::StatusCode;
use serde_json::Value;

const TRUSTORS: &str = "/api/v2/orgauthorization/trustors";

const TRUSTOR_FIELDS: [&str; 7] = [
    "id",
    "enabled",
    "dateCreated",
    "createdBy",
    "organization",
    "authorization",
    "selfUri",
];

async fn get(http: &Http, sandbox: &Sandbox, token: &str, uri: &str) -> Value {
    let reply = http.get(&sandbox.url(uri), token).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {:?}", reply.body);
    reply.json()
}

#[tokio::test]
async fn defaults_list_the_overview_orgs_and_one_disabled_trustor() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = Http::default();
    let token = sandbox.issue_token();
    let page = get(&http, &sandbox, &token, TRUSTORS).await;
    assert_eq!(page["pageSize"], 25);
    assert_eq!(page["pageNumber"], 1);
    assert_eq!(page["total"], 4);
    assert_eq!(page["pageCount"], 1);
    assert_eq!(
        page["firstUri"],
        format!("{TRUSTORS}?pageSize=25&pageNumber=1")
    );
    assert_eq!(page["selfUri"], page["firstUri"]);
    assert_eq!(page["lastUri"], page["firstUri"]);
    assert!(page.get("nextUri").is_none() && page.get("previousUri").is_none());

    let entities = page["entities"].as_array().unwrap();
    let enabled: HashSet<&str> = entities
        .iter()
        .filter(|t| t["enabled"] == true)
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    let expected: HashSet<&str> = sandbox
        .trustor_org_ids()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        enabled, expected,
        "the enabled trustors are the overview's orgs"
    );
    let disabled: Vec<&Value> = entities.iter().filter(|t| t["enabled"] == false).collect();
    assert_eq!(disabled.len(), 1);
    assert_eq!(
        disabled[0]["id"],
        sandbox.disabled_trustor_org_ids()[0].as_str()
    );
    // Listed by name, so the disabled one is not simply last.
    let names: Vec<&str> = entities
        .iter()
        .map(|t| t["organization"]["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert_ne!(entities.last().unwrap()["enabled"], false);

    for trustor in entities {
        let object = trustor.as_object().unwrap();
        let keys: HashSet<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(keys, TRUSTOR_FIELDS.into_iter().collect());
        let id = trustor["id"].as_str().unwrap();
        assert_eq!(trustor["organization"]["id"], id);
        assert!(trustor["organization"]["version"].is_u64());
        assert!(common::is_millis_date(
            trustor["dateCreated"].as_str().unwrap()
        ));
        assert_eq!(trustor["selfUri"], format!("{TRUSTORS}/{id}"));
        assert!(trustor["createdBy"]["version"].is_u64());
        assert!(
            trustor["authorization"]["permissions"]
                .as_array()
                .unwrap()
                .len()
                > 1
        );
        // The single trustor is the same object.
        assert_eq!(
            get(&http, &sandbox, &token, &format!("{TRUSTORS}/{id}")).await,
            *trustor
        );
        // Its overview exists exactly when it is enabled, under the same name.
        let overview = http.get(&overview_url(&sandbox, id, None), &token).await;
        if trustor["enabled"] == true {
            assert_eq!(overview.status, StatusCode::OK);
            assert_eq!(
                overview.json()["organization"]["name"],
                trustor["organization"]["name"]
            );
            assert_eq!(trustor["organization"]["state"], "active");
        } else {
            assert_eq!(overview.status, StatusCode::NOT_FOUND);
        }
    }
}

#[tokio::test]
async fn page_numbers_walk_every_trustor_once() {
    let sandbox = Sandbox::builder()
        .trustor_orgs(23)
        .disabled_trustors(4)
        .no_rate_limit()
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = sandbox.issue_token();
    let mut next = Some(format!("{TRUSTORS}?pageSize=5"));
    let (mut ids, mut pages) = (Vec::new(), 0);
    while let Some(uri) = next {
        let page = get(&http, &sandbox, &token, &uri).await;
        pages += 1;
        assert_eq!(page["pageNumber"], pages);
        assert_eq!(page["total"], 27);
        assert_eq!(page["pageCount"], 6);
        assert_eq!(
            page["lastUri"],
            format!("{TRUSTORS}?pageSize=5&pageNumber=6")
        );
        if pages > 1 {
            assert_eq!(
                page["previousUri"],
                format!("{TRUSTORS}?pageSize=5&pageNumber={}", pages - 1)
            );
        }
        for trustor in page["entities"].as_array().unwrap() {
            ids.push(trustor["id"].as_str().unwrap().to_owned());
        }
        next = page["nextUri"].as_str().map(str::to_owned);
        if let Some(uri) = &next {
            assert_eq!(
                *uri,
                format!("{TRUSTORS}?pageSize=5&pageNumber={}", pages + 1)
            );
        }
    }
    assert_eq!(pages, 6);
    assert_eq!(ids.len(), 27);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 27);
    let past = get(
        &http,
        &sandbox,
        &token,
        &format!("{TRUSTORS}?pageSize=5&pageNumber=9"),
    )
    .await;
    assert_eq!(past["entities"], Value::Array(vec![]));
    assert!(past.get("nextUri").is_none());
}

#[tokio::test]
async fn bad_paging_and_unknown_ids() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = Http::default();
    let token = sandbox.issue_token();
    for query in [
        "pageSize=0",
        "pageSize=501",
        "pageSize=x",
        "pageNumber=0",
        "pageNumber=-2",
    ] {
        let reply = http
            .get(&sandbox.url(&format!("{TRUSTORS}?{query}")), &token)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(reply.json()["code"], "invalid.query.param.value");
    }
    let missing = http
        .get(&sandbox.url(&format!("{TRUSTORS}/nope")), &token)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["code"], "not.found");
    let unauthenticated = http.get(&sandbox.url(TRUSTORS), "not-a-token").await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    // Faults reach the trustors too.
    sandbox.inject(FaultRule::new(Fault::GatewayTimeout).path_prefix(TRUSTORS));
    let faulted = http.get(&sandbox.url(TRUSTORS), &token).await;
    assert_eq!(faulted.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(faulted.json()["code"], "request.timeout");
}
