//! The contract and invoice endpoints: wire names, cursor paging, every filter, exact money,
//! agreement with the trustee overview, the document host and faults.

mod common;

use std::collections::HashSet;
use std::str::FromStr as _;

use billing_sandbox::{Fault, FaultRule, Sandbox, UNKNOWN_CONTRACT_STATUS, UNKNOWN_PAYMENT_STATUS};
use chrono::NaiveDate;
use common::{Http, overview_url};
use http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::Value;
use serde_json::value::RawValue;

const CONTRACTS: &str = "/api/v2/billing/contracts";
const INVOICES: &str = "/api/v2/billing/contracts/invoices";

/// Field names per definition, as in the spec (all of them, in any order).
const WIRE: &[(&str, &[&str])] = &[
    (
        "BillingContract",
        &[
            "id",
            "externalNumber",
            "status",
            "commercialModel",
            "purchaseOrderNumbers",
            "billToCustomer",
            "soldToCustomer",
            "endCustomer",
            "dateStart",
            "dateEnd",
            "dateRampStart",
            "dateRampEnd",
            "billingPeriods",
            "plans",
        ],
    ),
    (
        "BillingContractPeriod",
        &["id", "dateStart", "dateEnd", "status"],
    ),
    (
        "BillingContractPeriodDetail",
        &["id", "dateStart", "dateEnd", "status", "charges", "wallets"],
    ),
    (
        "BillingCharge",
        &[
            "id",
            "name",
            "product",
            "organizations",
            "prepaidQuantity",
            "fairuseQuantity",
            "actualQuantity",
            "overageQuantity",
            "overageRate",
            "overageCharge",
            "overageCurrency",
            "convertedTokenCount",
            "tokenConversionRate",
        ],
    ),
    (
        "BillingWallet",
        &[
            "id",
            "name",
            "organizations",
            "product",
            "startingBalance",
            "endingBalance",
            "balanceIncrease",
            "balanceDecrease",
            "balanceConsumption",
            "balanceOverage",
            "balanceOverageRate",
            "balanceOverageCharge",
            "balanceOverageCurrency",
            "unitOfMeasure",
        ],
    ),
    (
        "BillingPlan",
        &["id", "name", "organizations", "product", "items"],
    ),
    (
        "BillingPlanItem",
        &[
            "itemNumber",
            "name",
            "type",
            "function",
            "description",
            "dateChargedThrough",
            "currencyIsoCode",
            "discountAmount",
            "dateEffectiveStart",
            "dateEffectiveEnd",
            "overagePrice",
            "price",
            "quantity",
            "unitOfMeasure",
        ],
    ),
    ("BillingProduct", &["id", "sku", "name", "unitOfMeasure"]),
    ("Customer", &["id", "number", "name"]),
    ("NamedEntity", &["id", "name"]),
    (
        "BillingInvoice",
        &[
            "id",
            "billToCustomer",
            "shipToCustomer",
            "soldToCustomer",
            "dateInvoiced",
            "billToAddress",
            "shipToAddress",
            "currencyIsoCode",
            "paymentStatus",
            "paymentTerms",
            "paymentLink",
            "customerPoNumber",
            "customerInvoiceType",
            "amount",
        ],
    ),
    (
        "InvoiceAddress",
        &[
            "dateEffective",
            "addressType",
            "currencyIsoCode",
            "line1",
            "line2",
            "line3",
            "cityName",
            "postalCode",
            "stateCode",
            "countryCode",
            "citySubdivision1",
            "regionSubdivision1",
            "regionSubdivision2",
            "country",
        ],
    ),
    (
        "BillingInvoiceItem",
        &[
            "id",
            "product",
            "description",
            "dateTransacted",
            "dateStart",
            "dateEnd",
            "organization",
            "quantity",
            "unitOfMeasure",
            "amount",
        ],
    ),
];

/// Asserts `value` has exactly the fields of `definition`, none null.
fn assert_fields(definition: &str, value: &Value) {
    let expected: HashSet<&str> = WIRE
        .iter()
        .find(|(name, _)| *name == definition)
        .unwrap()
        .1
        .iter()
        .copied()
        .collect();
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{definition}: {value}"));
    let actual: HashSet<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(actual, expected, "{definition}");
    assert!(
        object.values().all(|v| !v.is_null()),
        "{definition}: {value}"
    );
}

fn assert_date(value: &Value) -> NaiveDate {
    let text = value.as_str().unwrap();
    assert_eq!(text.len(), 10, "{text}");
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// An exact decimal from the JSON number literal as written on the wire.
fn decimal(raw: &RawValue) -> Decimal {
    Decimal::from_str(raw.get()).unwrap_or_else(|e| panic!("{}: {e}", raw.get()))
}

async fn sandbox(orgs: usize) -> Sandbox {
    Sandbox::builder()
        .today(NaiveDate::from_ymd_opt(2026, 10, 14).unwrap())
        .trustor_orgs(orgs)
        .no_rate_limit()
        .start()
        .await
        .unwrap()
}

/// Follows `nextUri` from `first` (a path and query) and returns every entity and page count.
async fn walk(http: &Http, sandbox: &Sandbox, token: &str, first: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut next = Some(first.to_owned());
    let mut pages = 0;
    while let Some(uri) = next {
        assert!(uri.starts_with("/api/v2/"), "relative: {uri}");
        let reply = http.get(&sandbox.url(&uri), token).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {:?}", reply.body);
        let body = reply.json();
        let entities = body["entities"].as_array().unwrap();
        assert!(!entities.is_empty(), "no empty pages");
        items.extend(entities.iter().cloned());
        next = body["nextUri"].as_str().map(str::to_owned);
        pages += 1;
        assert!(pages < 1000);
    }
    (items, pages)
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_unique(items: &[Value]) {
    let all = ids(items);
    let set: HashSet<&String> = all.iter().collect();
    assert_eq!(set.len(), all.len(), "duplicates");
}

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

#[derive(serde::Deserialize)]
struct Amounts<'a> {
    #[serde(borrow)]
    entities: Vec<Amount<'a>>,
    #[serde(rename = "nextUri")]
    next_uri: Option<String>,
}

#[derive(serde::Deserialize)]
struct Amount<'a> {
    id: String,
    #[serde(borrow)]
    amount: &'a RawValue,
}

/// The sum of every line of an invoice, exactly, walking the pages.
async fn line_total(
    http: &Http,
    sandbox: &Sandbox,
    token: &str,
    invoice: &str,
    size: usize,
) -> (Decimal, usize) {
    let mut next = Some(format!("{INVOICES}/{invoice}/lines?pageSize={size}"));
    let (mut total, mut count, mut seen) = (Decimal::ZERO, 0, HashSet::new());
    while let Some(uri) = next {
        let reply = http.get(&sandbox.url(&uri), token).await;
        assert_eq!(reply.status, StatusCode::OK);
        let page: Amounts<'_> = serde_json::from_slice(&reply.body).unwrap();
        for line in &page.entities {
            assert!(seen.insert(line.id.clone()));
            total += decimal(line.amount);
            count += 1;
        }
        next = page.next_uri;
    }
    (total, count)
}

#[tokio::test]
async fn invoices_filter_by_payment_status_and_date_and_lines_add_up_exactly() {
    let sandbox = sandbox(4).await;
    let http = Http::default();
    let token = sandbox.issue_token();
    let (all, pages) = walk(&http, &sandbox, &token, &format!("{INVOICES}?pageSize=10")).await;
    assert_eq!((all.len(), pages), (48, 5));
    assert_unique(&all);
    for invoice in &all {
        assert_fields("BillingInvoice", invoice);
        assert_fields("InvoiceAddress", &invoice["billToAddress"]);
        assert!(["Paid", "Unpaid"].contains(&invoice["paymentStatus"].as_str().unwrap()));
    }
    let (paid, _) = walk(
        &http,
        &sandbox,
        &token,
        &format!("{INVOICES}?paymentStatus=Paid"),
    )
    .await;
    let (unpaid, _) = walk(
        &http,
        &sandbox,
        &token,
        &format!("{INVOICES}?paymentStatus=UnPaid"),
    )
    .await;
    assert!(paid.iter().all(|i| i["paymentStatus"] == "Paid"));
    assert!(unpaid.iter().all(|i| i["paymentStatus"] == "Unpaid"));
    assert_eq!(paid.len() + unpaid.len(), all.len());
    assert!(!unpaid.is_empty());

    let (september, _) = walk(
        &http,
        &sandbox,
        &token,
        &format!("{INVOICES}?dateStart=2026-09-01&dateEnd=2026-09-30&pageSize=1"),
    )
    .await;
    assert_eq!(
        september.len(),
        4,
        "one per org for August, invoiced in September"
    );
    assert!(september.iter().all(|i| i["dateInvoiced"] == "2026-09-03"));

    // Every invoice's lines add up to its amount, to the cent.
    let raw = http
        .get(&sandbox.url(&format!("{INVOICES}?pageSize=8")), &token)
        .await;
    let page: Amounts<'_> = serde_json::from_slice(&raw.body).unwrap();
    for invoice in &page.entities {
        let text = invoice.amount.get();
        assert_eq!(
            text.split('.').nth(1).map(str::len),
            Some(2),
            "{text} has cents"
        );
        let (total, count) = line_total(&http, &sandbox, &token, &invoice.id, 2).await;
        assert_eq!(total, decimal(invoice.amount));
        assert!(count >= 1);
    }
    let lines = http
        .get(
            &sandbox.url(&format!("{INVOICES}/{}/lines", page.entities[0].id)),
            &token,
        )
        .await
        .json();
    for line in lines["entities"].as_array().unwrap() {
        assert_fields("BillingInvoiceItem", line);
        assert_fields("BillingProduct", &line["product"]);
        assert_fields("NamedEntity", &line["organization"]);
    }
    let missing = http
        .get(&sandbox.url(&format!("{INVOICES}/nope/lines")), &token)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn thousands_of_lines_page_by_200_and_still_add_up() {
    let sandbox = Sandbox::builder()
        .invoice_lines_per_invoice(1_050)
        .no_rate_limit()
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = sandbox.issue_token();
    let raw = http
        .get(&sandbox.url(&format!("{INVOICES}?pageSize=1")), &token)
        .await;
    let page: Amounts<'_> = serde_json::from_slice(&raw.body).unwrap();
    let invoice = &page.entities[0];
    let (total, count) = line_total(&http, &sandbox, &token, &invoice.id, 200).await;
    assert_eq!(count, 1_050);
    assert_eq!(total, decimal(invoice.amount));
}

#[tokio::test]
async fn the_document_url_points_to_another_host_that_refuses_bearer_tokens() {
    let sandbox = sandbox(2).await;
    let http = Http::default();
    let token = sandbox.issue_token();
    assert_ne!(sandbox.document_base_url(), sandbox.base_url());
    let invoices = http.get(&sandbox.url(INVOICES), &token).await.json();
    let id = invoices["entities"][0]["id"].as_str().unwrap();
    let reply = http
        .get(&sandbox.url(&format!("{INVOICES}/{id}/document")), &token)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_eq!(body.as_object().unwrap().len(), 1);
    let url = body["url"].as_str().unwrap();
    let prefix = format!(
        "{}/documents/{id}.pdf?signature=",
        sandbox.document_base_url()
    );
    assert!(url.starts_with(&prefix), "{url}");

    let pdf = http.send(Method::GET, url, &[], "").await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert!(pdf.body.starts_with(b"%PDF-1.4\n") && pdf.body.ends_with(b"%%EOF\n"));
    assert_eq!(pdf.header("content-length"), pdf.body.len().to_string());

    let auth = format!("Bearer {token}");
    let refused = http
        .send(Method::GET, url, &[("authorization", &auth)], "")
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let any_auth = http
        .send(Method::GET, url, &[("authorization", "Basic eDp5")], "")
        .await;
    assert_eq!(any_auth.status, StatusCode::BAD_REQUEST);

    let forged = format!("{prefix}00");
    assert_eq!(
        http.send(Method::GET, &forged, &[], "").await.status,
        StatusCode::FORBIDDEN
    );
    let missing = http
        .get(&sandbox.url(&format!("{INVOICES}/nope/document")), &token)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // The document host is not the API: no API routes there.
    let api_there = format!("{}{INVOICES}", sandbox.document_base_url());
    assert_eq!(
        http.get(&api_there, &token).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        http.send(Method::GET, &api_there, &[], "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn faults_reach_the_new_endpoints() {
    let sandbox = sandbox(3).await;
    let http = Http::default();
    let token = sandbox.issue_token();
    sandbox.inject(
        FaultRule::new(Fault::ServiceUnavailable {
            retry_after_secs: Some(1),
        })
        .path_prefix(CONTRACTS),
    );
    let reply = http.get(&sandbox.url(INVOICES), &token).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.header("retry-after"), "1");

    sandbox.inject(Fault::UnknownEnumValues);
    let contracts = http.get(&sandbox.url(CONTRACTS), &token).await.json();
    assert!(
        contracts["entities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == UNKNOWN_CONTRACT_STATUS)
    );
    sandbox.inject(Fault::UnknownEnumValues);
    let invoices = http.get(&sandbox.url(INVOICES), &token).await.json();
    assert_eq!(
        invoices["entities"][0]["paymentStatus"],
        UNKNOWN_PAYMENT_STATUS
    );

    sandbox.inject(Fault::ExtraFields);
    let extra = http.get(&sandbox.url(CONTRACTS), &token).await.json();
    assert!(extra["sandboxExtension"].is_object());

    // The document host takes faults too, e.g. a body cut short.
    let id = invoices["entities"][0]["id"].as_str().unwrap();
    let url = http
        .get(&sandbox.url(&format!("{INVOICES}/{id}/document")), &token)
        .await
        .json()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    sandbox.inject(FaultRule::new(Fault::TruncatedBody).path_prefix("/documents/"));
    assert!(http.try_send(Method::GET, &url, &[], "").await.is_err());
    assert_eq!(
        http.send(Method::GET, &url, &[], "").await.status,
        StatusCode::OK
    );
}
