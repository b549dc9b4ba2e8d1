//! The generated contracts, invoices and trustor operations on the wire: every query field,
//! date and enum encoded as the API expects, path values kept in one segment, and exact
//! decimals through the client's decoder.

mod common;

use billing_api::models::Decimal;
use billing_api::operations::{
    GetBillingContractsInvoiceLinesQuery, GetBillingContractsInvoicesPaymentStatus,
    GetBillingContractsInvoicesQuery, GetBillingContractsQuery, GetBillingContractsStatus,
};
use billing_api::{Client, Error};
use billing_sandbox::Sandbox;
use chrono::NaiveDate;

/// The path and query of every API request the sandbox received, in order. The answers do
/// not matter here: the sandbox records a request before it routes it.
fn sent(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path().starts_with("/api/"))
        .map(|r| r.path_and_query)
        .collect()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn query_structs_send_every_set_field_in_spec_order_and_nothing_else() {
    let (sandbox, client) = common::start(Sandbox::builder()).await;
    let every = GetBillingContractsQuery::default()
        .with_before("c/1?&")
        .with_after("a=b")
        .with_page_size(50)
        .with_date_start(day(2026, 1, 1))
        .with_date_end(day(2026, 12, 31))
        .with_status(GetBillingContractsStatus::Inactive)
        .with_external_number("EXT 7");
    let _ = client.get_billing_contracts(&every).await;
    let _ = client
        .get_billing_contracts(&GetBillingContractsQuery::default())
        .await;
    let _ = client
        .get_billing_contracts_invoices(
            &GetBillingContractsInvoicesQuery::default()
                .with_payment_status(GetBillingContractsInvoicesPaymentStatus::UnPaid)
                .with_date_start(day(812, 3, 4)),
        )
        .await;
    let _ = client
        .get_billing_contracts_invoices(
            &GetBillingContractsInvoicesQuery::default().with_payment_status("Overdue"),
        )
        .await;
    let _ = client
        .get_billing_contracts_invoice_lines(
            "inv/1",
            &GetBillingContractsInvoiceLinesQuery::default()
                .with_page_size(200)
                .with_after("x+y"),
        )
        .await;
    assert_eq!(
        sent(&sandbox),
        [
            "/api/v2/billing/contracts?before=c%2F1%3F%26&after=a%3Db&pageSize=50&dateStart=2026-01-01&dateEnd=2026-12-31&status=Inactive&externalNumber=EXT%207",
            "/api/v2/billing/contracts",
            "/api/v2/billing/contracts/invoices?dateStart=0812-03-04&paymentStatus=UnPaid",
            "/api/v2/billing/contracts/invoices?paymentStatus=Overdue",
            "/api/v2/billing/contracts/invoices/inv%2F1/lines?after=x%2By&pageSize=200",
        ]
    );
}

#[tokio::test]
async fn path_operations_and_page_number_paging_on_the_wire() {
    let (sandbox, client) = common::start(Sandbox::builder()).await;
    let _ = client.get_billing_contract("c 1").await;
    let _ = client
        .get_billing_contract_billingperiod("c1", "bp/10")
        .await;
    let _ = client.get_billing_contracts_invoice_document("inv-1").await;
    let _ = client
        .get_orgauthorization_trustors(Some(100), Some(2))
        .await;
    let _ = client.get_orgauthorization_trustors(None, None).await;
    let _ = client.get_orgauthorization_trustor("org-1").await;
    assert_eq!(
        sent(&sandbox),
        [
            "/api/v2/billing/contracts/c%201",
            "/api/v2/billing/contracts/c1/billingperiods/bp%2F10",
            "/api/v2/billing/contracts/invoices/inv-1/document",
            "/api/v2/orgauthorization/trustors?pageSize=100&pageNumber=2",
            "/api/v2/orgauthorization/trustors",
            "/api/v2/orgauthorization/trustors/org-1",
        ]
    );
    for dot in ["", ".", ".."] {
        let err = client.get_billing_contract(dot).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{dot:?}: {err:?}"
        );
    }
    assert_eq!(sent(&sandbox).len(), 6, "refused values send nothing");
}

/// A client whose every request is answered 200 with `body`.
fn client_answering(body: &'static str) -> Client {
    Client::builder()
        .with_service(tower::service_fn(
            move |_req: http::Request<bytes::Bytes>| async move {
                Ok::<_, std::convert::Infallible>(http::Response::new(bytes::Bytes::from_static(
                    body.as_bytes(),
                )))
            },
        ))
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_client_decodes_amounts_exactly() {
    let body = r#"{"entities":[
        {"id":"l1","amount":0.10},{"id":"l2","amount":0.10},{"id":"l3","amount":0.10},{"id":"l4","amount":0.10},
        {"id":"l5","amount":0.10},{"id":"l6","amount":0.10},{"id":"l7","amount":0.10},{"id":"l8","amount":0.10},
        {"id":"l9","amount":0.10},{"id":"l10","amount":0.10}]}"#;
    let page = client_answering(body)
        .get_billing_contracts_invoice_lines("inv-1", &Default::default())
        .await
        .unwrap();
    let sum: Decimal = page
        .entities
        .unwrap()
        .iter()
        .map(|l| l.amount.unwrap())
        .sum();
    assert_eq!(sum.to_string(), "1.00");
}

#[tokio::test]
async fn a_number_that_does_not_fit_is_a_decode_error_naming_its_path() {
    let body = r#"{"entities":[{"id":"i1","amount":1.00},{"id":"i2","amount":1e-29}]}"#;
    let err = client_answering(body)
        .get_billing_contracts_invoices(&Default::default())
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path, "entities[1].amount");
    assert!(err.to_string().contains("does not fit"), "{err}");
}
