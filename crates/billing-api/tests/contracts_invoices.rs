//! Contracts, invoices, lines and documents against the sandbox: every page, exact money, the
//! PDF from the document host without the API's credentials.

mod common;

use billing_api::Error;
use billing_api::models::Decimal;
use billing_api::operations::{
    GetBillingContractsInvoicesPaymentStatus, GetBillingContractsStatus,
};
use billing_sandbox::{Fault, FaultRule, Sandbox};
use futures_util::StreamExt;

#[tokio::test]
async fn every_invoice_comes_once_whatever_the_page_size() {
    let (sandbox, client) = common::start(Sandbox::builder().trustor_orgs(3)).await;
    let all = client
        .invoices()
        .page_size(200)
        .collect_all()
        .await
        .unwrap();
    assert!(
        all.len() > 7,
        "enough invoices to page through: {}",
        all.len()
    );
    let mut pages = client.invoices().page_size(7).pages();
    let mut paged = Vec::new();
    let mut count = 0;
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        count += 1;
        assert_eq!(page.number, count);
        assert!(page.items.len() <= 7);
        paged.extend(page.items);
    }
    assert_eq!(paged, all);
    assert_eq!(count, all.len().div_ceil(7));
    let listing_requests = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/api/v2/billing/contracts/invoices")
        .count();
    assert_eq!(listing_requests, 1 + count);
}

#[tokio::test]
async fn filters_reach_the_server_on_every_page() {
    let (sandbox, client) = common::start(Sandbox::builder().trustor_orgs(3)).await;
    let unpaid = client
        .invoices()
        .payment_status(GetBillingContractsInvoicesPaymentStatus::UnPaid)
        .page_size(2)
        .collect_all()
        .await
        .unwrap();
    assert!(!unpaid.is_empty());
    assert!(
        unpaid
            .iter()
            .all(|i| i.payment_status.as_ref().map(|s| s.as_str()) == Some("Unpaid"))
    );
    for request in sandbox
        .requests()
        .iter()
        .filter(|r| r.path() == "/api/v2/billing/contracts/invoices")
    {
        let query = request.query().unwrap_or_default();
        assert!(query.contains("paymentStatus=UnPaid"), "{query}");
        assert!(query.contains("pageSize=2"), "{query}");
    }
}

#[tokio::test]
async fn an_invoices_lines_add_up_to_its_amount_exactly() {
    let (_sandbox, client) = common::start(
        Sandbox::builder()
            .trustor_orgs(2)
            .invoice_lines_per_invoice(450),
    )
    .await;
    let invoice = client
        .invoices()
        .page_size(1)
        .items()
        .next()
        .await
        .unwrap()
        .unwrap();
    let id = invoice.id.clone().unwrap();
    let lines = client
        .invoice_lines(&id)
        .page_size(200)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(lines.len(), 450);
    let total: Decimal = lines.iter().filter_map(|l| l.amount).sum();
    assert_eq!(Some(total), invoice.amount);
}

#[tokio::test]
async fn contracts_their_periods_and_one_contract_agree() {
    let (_sandbox, client) = common::start(Sandbox::builder().trustor_orgs(2)).await;
    let contracts = client
        .contracts()
        .status(GetBillingContractsStatus::Active)
        .collect_all()
        .await
        .unwrap();
    assert!(!contracts.is_empty());
    let first = &contracts[0];
    let id = first.id.as_deref().unwrap();
    assert_eq!(&client.get_billing_contract(id).await.unwrap(), first);
    let period = first.billing_periods.as_ref().unwrap()[0]
        .id
        .clone()
        .unwrap();
    let detail = client
        .get_billing_contract_billingperiod(id, &period)
        .await
        .unwrap();
    assert_eq!(detail.id.as_deref(), Some(period.as_str()));
}

#[tokio::test]
async fn a_retried_page_is_not_duplicated() {
    let (sandbox, client) = common::start(Sandbox::builder().trustor_orgs(3)).await;
    let expected = client
        .invoices()
        .page_size(200)
        .collect_all()
        .await
        .unwrap();
    // The next two listing requests fail with 503: the first page's, retried below.
    sandbox.inject(
        FaultRule::new(Fault::ServiceUnavailable {
            retry_after_secs: None,
        })
        .times(2)
        .path_prefix("/api/v2/billing/contracts/invoices"),
    );
    let again = client.invoices().page_size(5).collect_all().await.unwrap();
    assert_eq!(again, expected);
}

#[tokio::test]
async fn the_invoice_pdf_is_fetched_from_the_document_host_without_credentials() {
    // The sandbox's document host answers 400 to any request with an Authorization header.
    let (sandbox, client) = common::start(Sandbox::builder().trustor_orgs(1)).await;
    let invoice = client.invoices().items().next().await.unwrap().unwrap();
    let id = invoice.id.unwrap();
    let url = client.invoice_document_url(&id).await.unwrap();
    assert!(url.starts_with(sandbox.document_base_url()), "{url}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice.pdf");

    let document = client.download_invoice(&id, &path).await.unwrap();

    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(document.size, bytes.len() as u64);
    assert_eq!(document.content_type.as_deref(), Some("application/pdf"));
}

#[tokio::test]
async fn an_unknown_invoice_has_no_document_and_leaves_no_file() {
    let (_sandbox, client) = common::start(Sandbox::builder().trustor_orgs(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice.pdf");
    let error = client
        .download_invoice("no-such-invoice", &path)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error}");
    assert!(matches!(error, Error::Service(_)), "{error:?}");
    assert!(!path.exists());
}
