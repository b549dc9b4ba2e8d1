//! The contract endpoints: wire names, cursor paging, every filter and agreement with the
//! trustee overview.

mod common;

use std::collections::HashSet;
use std::str::FromStr as _;

use chrono::NaiveDate;
use common::listings::{
    CONTRACTS, INVOICES, assert_date, assert_fields, assert_unique, ids, sandbox, walk,
};
use common::{Http, overview_url};
use http::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn contracts_page_through_every_item_once_with_relative_links() {
    let sandbox = sandbox(30).await;
    let http = Http::default();
    let token = sandbox.issue_token();

    // Default page size 25: 60 contracts are three pages.
    let (all, pages) = walk(&http, &sandbox, &token, CONTRACTS).await;
    assert_eq!((all.len(), pages), (60, 3));
    assert_unique(&all);

    let (small, pages) = walk(&http, &sandbox, &token, &format!("{CONTRACTS}?pageSize=7")).await;
    assert_eq!((ids(&small), pages), (ids(&all), 9));

    // The first page has no previous, the last no next; previousUri leads back.
    let first = http
        .get(&sandbox.url(&format!("{CONTRACTS}?pageSize=7")), &token)
        .await
        .json();
    assert!(first.get("previousUri").is_none());
    assert_eq!(first["selfUri"], format!("{CONTRACTS}?pageSize=7"));
    let next = first["nextUri"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{CONTRACTS}?pageSize=7&after=")),
        "{next}"
    );
    let second = http.get(&sandbox.url(next), &token).await.json();
    let previous = second["previousUri"].as_str().unwrap();
    assert!(
        previous.starts_with(&format!("{CONTRACTS}?pageSize=7&before=")),
        "{previous}"
    );
    let back = http.get(&sandbox.url(previous), &token).await.json();
    assert_eq!(back["entities"], first["entities"]);

    // Walking back from the last page with previousUri meets every item once, in order.
    let mut uri = format!("{CONTRACTS}?pageSize=7");
    let last = loop {
        let page = http.get(&sandbox.url(&uri), &token).await.json();
        match page["nextUri"].as_str() {
            Some(next) => uri = next.to_owned(),
            None => break page,
        }
    };
    let mut backwards: Vec<Value> = last["entities"].as_array().unwrap().clone();
    let mut previous = last["previousUri"].as_str().map(str::to_owned);
    while let Some(uri) = previous {
        let page = http.get(&sandbox.url(&uri), &token).await.json();
        let mut entities = page["entities"].as_array().unwrap().clone();
        entities.extend(backwards);
        backwards = entities;
        previous = page["previousUri"].as_str().map(str::to_owned);
    }
    assert_eq!(ids(&backwards), ids(&all));

    // pageSize 200 takes everything at once.
    let one = http
        .get(&sandbox.url(&format!("{CONTRACTS}?pageSize=200")), &token)
        .await
        .json();
    assert_eq!(one["entities"].as_array().unwrap().len(), 60);
    assert!(one.get("nextUri").is_none());
}

#[tokio::test]
async fn page_sizes_outside_1_to_200_and_foreign_cursors_get_400() {
    let sandbox = sandbox(3).await;
    let http = Http::default();
    let token = sandbox.issue_token();
    let invoices = http
        .get(&sandbox.url(&format!("{INVOICES}?pageSize=2")), &token)
        .await
        .json();
    let invoice_cursor = invoices["nextUri"]
        .as_str()
        .unwrap()
        .split("after=")
        .nth(1)
        .unwrap();
    for query in [
        "pageSize=0".to_owned(),
        "pageSize=201".to_owned(),
        "pageSize=-1".to_owned(),
        "pageSize=ten".to_owned(),
        "after=bm90LWEtY3Vyc29y".to_owned(),
        format!("after={invoice_cursor}"),
        "status=active".to_owned(),
        "dateStart=2026-1-1".to_owned(),
        "dateStart=2026-10-14T00:00:00Z".to_owned(),
    ] {
        let reply = http
            .get(&sandbox.url(&format!("{CONTRACTS}?{query}")), &token)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        let body = reply.json();
        assert_eq!(body["code"], "invalid.query.param.value", "{query}: {body}");
        assert_eq!(body["status"], 400);
        assert!(body["message"].as_str().unwrap().starts_with("Value ["));
    }
    for query in ["pageSize=201", "paymentStatus=Unpaid", "paymentStatus=paid"] {
        let reply = http
            .get(&sandbox.url(&format!("{INVOICES}?{query}")), &token)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
    }
    let lines = format!(
        "{INVOICES}/{}/lines?pageSize=201",
        invoices["entities"][0]["id"].as_str().unwrap()
    );
    assert_eq!(
        http.get(&sandbox.url(&lines), &token).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn contract_filters_select_and_are_repeated_in_links() {
    let sandbox = sandbox(12).await;
    let http = Http::default();
    let token = sandbox.issue_token();
    let (all, _) = walk(&http, &sandbox, &token, CONTRACTS).await;
    let (active, _) = walk(
        &http,
        &sandbox,
        &token,
        &format!("{CONTRACTS}?status=Active&pageSize=3"),
    )
    .await;
    let (inactive, _) = walk(
        &http,
        &sandbox,
        &token,
        &format!("{CONTRACTS}?status=Inactive&pageSize=3"),
    )
    .await;
    assert!(active.iter().all(|c| c["status"] == "Active"));
    assert!(inactive.iter().all(|c| c["status"] == "Inactive"));
    assert_eq!(active.len() + inactive.len(), all.len());
    assert!(!active.is_empty() && !inactive.is_empty());
    let page = http
        .get(
            &sandbox.url(&format!("{CONTRACTS}?status=Active&pageSize=3")),
            &token,
        )
        .await
        .json();
    assert!(
        page["nextUri"]
            .as_str()
            .unwrap()
            .ends_with("&status=Active")
    );

    let number = all[5]["externalNumber"].as_str().unwrap();
    let (one, _) = walk(
        &http,
        &sandbox,
        &token,
        &format!("{CONTRACTS}?externalNumber={number}"),
    )
    .await;
    assert_eq!(ids(&one), [all[5]["id"].as_str().unwrap()]);

    // A contract matches a date range when it runs on any day of it.
    let (from, to) = ("2026-01-01", "2026-03-31");
    let (dated, _) = walk(
        &http,
        &sandbox,
        &token,
        &format!("{CONTRACTS}?dateStart={from}&dateEnd={to}&pageSize=4"),
    )
    .await;
    let (from, to) = (
        NaiveDate::from_str(from).unwrap(),
        NaiveDate::from_str(to).unwrap(),
    );
    let expected: Vec<&Value> = all
        .iter()
        .filter(|c| assert_date(&c["dateEnd"]) >= from && assert_date(&c["dateStart"]) <= to)
        .collect();
    assert_eq!(dated.len(), expected.len());
    assert!(dated.len() < all.len());
    let reversed = http
        .get(
            &sandbox.url(&format!(
                "{CONTRACTS}?dateStart=2026-03-01&dateEnd=2026-01-01"
            )),
            &token,
        )
        .await;
    assert_eq!(reversed.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn contracts_and_periods_agree_with_the_overview() {
    let sandbox = sandbox(3).await;
    let http = Http::default();
    let token = sandbox.issue_token();
    let (contracts, _) = walk(&http, &sandbox, &token, CONTRACTS).await;
    assert_eq!(contracts.len(), 6);
    let org_ids: HashSet<&str> = sandbox
        .trustor_org_ids()
        .iter()
        .map(String::as_str)
        .collect();
    for contract in &contracts {
        assert_fields("BillingContract", contract);
        for customer in ["billToCustomer", "soldToCustomer", "endCustomer"] {
            assert_fields("Customer", &contract[customer]);
        }
        let one = http
            .get(
                &sandbox.url(&format!("{CONTRACTS}/{}", contract["id"].as_str().unwrap())),
                &token,
            )
            .await;
        assert_eq!(one.json(), *contract);
        assert!(assert_date(&contract["dateStart"]) < assert_date(&contract["dateEnd"]));
        let mut products = HashSet::new();
        for plan in contract["plans"].as_array().unwrap() {
            assert_fields("BillingPlan", plan);
            assert_fields("BillingProduct", &plan["product"]);
            for item in plan["items"].as_array().unwrap() {
                assert_fields("BillingPlanItem", item);
                assert!(item["price"].is_number() && item["quantity"].is_u64());
            }
            for org in plan["organizations"].as_array().unwrap() {
                assert_fields("NamedEntity", org);
                assert!(org_ids.contains(org["id"].as_str().unwrap()));
            }
            products.insert(plan["product"]["sku"].as_str().unwrap().to_owned());
        }
        let periods = contract["billingPeriods"].as_array().unwrap();
        assert!(!periods.is_empty());
        let open = periods.iter().filter(|p| p["status"] == "Open").count();
        assert_eq!(open, usize::from(contract["status"] == "Active"));
        for period in periods {
            assert_fields("BillingContractPeriod", period);
        }
        // The last period's charges: the contract's products, the org's usage of that month.
        let period = periods.last().unwrap();
        let url = format!(
            "{CONTRACTS}/{}/billingperiods/{}",
            contract["id"].as_str().unwrap(),
            period["id"].as_str().unwrap()
        );
        let reply = http.get(&sandbox.url(&url), &token).await;
        assert_eq!(reply.status, StatusCode::OK);
        let detail = reply.json();
        assert_fields("BillingContractPeriodDetail", &detail);
        assert_eq!(detail["dateStart"], period["dateStart"]);
        let org = contract["plans"][0]["organizations"][0]["id"]
            .as_str()
            .unwrap();
        let start = assert_date(&period["dateStart"]);
        let index = (2026 - chrono::Datelike::year(&start)) * 12 + 10
            - chrono::Datelike::month(&start) as i32;
        let overview = http
            .get(
                &overview_url(&sandbox, org, Some(&index.to_string())),
                &token,
            )
            .await
            .json();
        for charge in detail["charges"].as_array().unwrap() {
            assert_fields("BillingCharge", charge);
            let sku = charge["product"]["sku"].as_str().unwrap();
            assert!(products.contains(sku), "{sku}");
            assert_eq!(charge["organizations"][0]["id"], org);
            assert_eq!(charge["overageCurrency"], overview["currency"]);
            let usage = overview["usages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["partNumber"] == sku)
                .unwrap();
            if usage["usageQuantity"] != billing_sandbox::NOT_A_NUMBER_USAGE {
                assert_eq!(
                    charge["actualQuantity"].to_string(),
                    usage["usageQuantity"].as_str().unwrap()
                );
            }
            assert_eq!(
                charge["prepaidQuantity"].to_string(),
                usage["prepayQuantity"].as_str().unwrap()
            );
        }
        for wallet in detail["wallets"].as_array().unwrap() {
            assert_fields("BillingWallet", wallet);
        }
    }
    let missing = http
        .get(&sandbox.url(&format!("{CONTRACTS}/nope")), &token)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["code"], "not.found");
    let missing_period = format!(
        "{CONTRACTS}/{}/billingperiods/nope",
        contracts[0]["id"].as_str().unwrap()
    );
    assert_eq!(
        http.get(&sandbox.url(&missing_period), &token).await.status,
        StatusCode::NOT_FOUND
    );
}
