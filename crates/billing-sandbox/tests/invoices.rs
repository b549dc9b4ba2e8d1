//! The invoice endpoints: payment status and date filters, lines that add up exactly, the
//! document host, and faults on the new endpoints.

mod common;

use std::collections::HashSet;

use billing_sandbox::{Fault, FaultRule, Sandbox, UNKNOWN_CONTRACT_STATUS, UNKNOWN_PAYMENT_STATUS};
use common::Http;
use common::listings::{CONTRACTS, INVOICES, assert_fields, assert_unique, decimal, sandbox, walk};
use http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::value::RawValue;

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
