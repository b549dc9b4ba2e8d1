//! The paging rules on the wire, against servers that misbehave on purpose: every page once,
//! no token off the API host, no loops, nothing lost without an error.

mod common;

use billing_api::models::{BillingInvoice, Trustor};
use billing_api::{Error, ItemStream};
use common::server::{self, Seen, TestServer};
use futures_util::StreamExt;

const INVOICES: &str = "/api/v2/billing/contracts/invoices";

/// A page of invoices `ids`, pointing to `next`.
fn invoices(ids: &[u32], next: Option<&str>) -> String {
    let entities: Vec<String> = ids
        .iter()
        .map(|i| format!(r#"{{"id":"inv-{i}","amount":{i}.10}}"#))
        .collect();
    let next = next.map_or(String::new(), |n| format!(r#","nextUri":"{n}""#));
    format!(r#"{{"entities":[{}]{next}}}"#, entities.join(","))
}

/// Every element of a stream: items as their ids, an error as `Err`.
async fn drain<T>(mut stream: ItemStream<T>, id: fn(&T) -> &str) -> (Vec<String>, Option<Error>) {
    let mut ids = Vec::new();
    while let Some(next) = stream.next().await {
        match next {
            Ok(item) => ids.push(id(&item).to_owned()),
            Err(error) => {
                assert!(stream.next().await.is_none(), "nothing after an error");
                return (ids, Some(error));
            }
        }
    }
    (ids, None)
}

fn invoice_id(i: &BillingInvoice) -> &str {
    i.id.as_deref().unwrap_or("")
}

fn trustor_id(t: &Trustor) -> &str {
    t.id.as_deref().unwrap_or("")
}

fn paging_reason(error: Option<Error>) -> String {
    match error {
        Some(Error::Paging { reason, .. }) => reason,
        other => panic!("expected a paging error, got {other:?}"),
    }
}

/// A server that answers page `after=cK` from `pages[K]` (the first page without `after`).
async fn cursor_server(pages: Vec<String>) -> TestServer {
    TestServer::start(move |seen: &Seen, _| {
        let page = match seen.query("after") {
            None => 0,
            Some(cursor) => cursor.trim_start_matches('c').parse::<usize>().unwrap(),
        };
        server::json(200, pages[page].clone())
    })
    .await
}

#[tokio::test]
async fn every_page_is_followed_once_with_the_filters_and_the_cursor() {
    let server = cursor_server(vec![
        invoices(&[1, 2], Some(&format!("{INVOICES}?pageSize=2&after=c1"))),
        invoices(&[3, 4], Some(&format!("{INVOICES}?pageSize=2&after=c2"))),
        invoices(&[5], None),
    ])
    .await;
    let client = common::client_for(&server.url());

    let request = client
        .invoices()
        .page_size(2)
        .payment_status(billing_api::operations::GetBillingContractsInvoicesPaymentStatus::UnPaid);
    let (ids, error) = drain(request.items(), invoice_id).await;

    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids, ["inv-1", "inv-2", "inv-3", "inv-4", "inv-5"]);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    for (request, after) in seen.iter().zip([None, Some("c1"), Some("c2")]) {
        assert_eq!(request.query("after"), after);
        assert_eq!(request.query("pageSize"), Some("2"));
        assert_eq!(request.query("paymentStatus"), Some("UnPaid"));
    }
}

#[tokio::test]
async fn pages_come_one_by_one_with_their_numbers() {
    let server = cursor_server(vec![
        invoices(&[1, 2], Some(&format!("{INVOICES}?after=c1"))),
        invoices(&[3], None),
    ])
    .await;
    let client = common::client_for(&server.url());
    let mut pages = client.invoices().pages();
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!((first.number, first.items.len()), (1, 2));
    assert_eq!(
        server.seen().len(),
        1,
        "the next page is asked for only when wanted"
    );
    let second = pages.next().await.unwrap().unwrap();
    assert_eq!((second.number, second.items.len()), (2, 1));
    assert!(pages.next().await.is_none());
}

#[tokio::test]
async fn an_absolute_next_uri_on_the_api_host_is_followed() {
    let url = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let base = url.clone();
    let server = TestServer::start(move |seen: &Seen, _| match seen.query("after") {
        None => server::json(
            200,
            invoices(
                &[1],
                Some(&format!("{}{INVOICES}?after=c1", base.get().unwrap())),
            ),
        ),
        Some(_) => server::json(200, invoices(&[2], None)),
    })
    .await;
    url.set(server.url()).unwrap();
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.invoices().items(), invoice_id).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids, ["inv-1", "inv-2"]);
}

#[tokio::test]
async fn a_next_uri_off_the_api_host_or_the_listing_is_refused_after_the_page_it_came_with() {
    // The other server stands for any foreign host: it must never be asked anything.
    let foreign = TestServer::start(|_, _| server::json(200, invoices(&[99], None))).await;
    for next in [
        format!("{}{INVOICES}?after=c1", foreign.url()),
        format!(
            "//{}{INVOICES}?after=c1",
            foreign.url().trim_start_matches("http://")
        ),
        "/api/v2/billing/contracts?after=c1".to_owned(),
        format!("{INVOICES}/inv-1/lines?after=c1"),
        format!("{INVOICES}?pageSize=2"),
    ] {
        let first = invoices(&[1, 2], Some(&next));
        let server = TestServer::start(move |_, _| server::json(200, first.clone())).await;
        let client = common::client_for(&server.url());

        let (ids, error) = drain(client.invoices().items(), invoice_id).await;

        assert_eq!(ids, ["inv-1", "inv-2"], "{next}");
        let reason = paging_reason(error);
        assert!(reason.contains("nextUri"), "{next}: {reason}");
        assert_eq!(server.seen().len(), 1, "{next}");
    }
    assert!(
        foreign.seen().is_empty(),
        "the foreign host was never asked"
    );
}

#[tokio::test]
async fn a_repeated_cursor_stops_with_an_error_instead_of_looping() {
    let server = cursor_server(vec![
        invoices(&[1], Some(&format!("{INVOICES}?after=c1"))),
        invoices(&[2], Some(&format!("{INVOICES}?after=c2"))),
        invoices(&[3], Some(&format!("{INVOICES}?after=c1"))),
    ])
    .await;
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.invoices().items(), invoice_id).await;
    assert_eq!(ids, ["inv-1", "inv-2", "inv-3"]);
    assert!(paging_reason(error).contains("second time"));
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn endless_empty_pages_stop_with_an_error() {
    let server = TestServer::start(|_, n| {
        server::json(200, invoices(&[], Some(&format!("{INVOICES}?after=c{n}"))))
    })
    .await;
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.invoices().items(), invoice_id).await;
    assert!(ids.is_empty());
    assert!(paging_reason(error).contains("empty pages"));
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_failure_part_way_yields_the_items_before_it_then_the_error() {
    let first = invoices(&[1, 2], Some(&format!("{INVOICES}?after=c1")));
    let server = TestServer::start(move |seen: &Seen, _| match seen.query("after") {
        None => server::json(200, first.clone()),
        Some(_) => server::json(
            500,
            r#"{"message":"boom","code":"internal.server.error","status":500}"#,
        ),
    })
    .await;
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.invoices().items(), invoice_id).await;
    assert_eq!(ids, ["inv-1", "inv-2"]);
    let error = error.expect("the failure is reported");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500), "{error}");
}

#[tokio::test]
async fn a_page_retried_below_is_yielded_once() {
    // Page 2 fails twice with 503, then answers: the transport retries it, the listing sees it
    // once, and no item comes twice.
    let pages = [
        invoices(&[1, 2], Some(&format!("{INVOICES}?after=c1"))),
        invoices(&[3, 4], None),
    ];
    let server = TestServer::start(move |seen: &Seen, n| match (seen.query("after"), n) {
        (None, _) => server::json(200, pages[0].clone()),
        (Some(_), 1 | 2) => server::json(503, r#"{"message":"busy","status":503}"#),
        (Some(_), _) => server::json(200, pages[1].clone()),
    })
    .await;
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.invoices().items(), invoice_id).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids, ["inv-1", "inv-2", "inv-3", "inv-4"]);
    assert_eq!(
        server.seen().len(),
        4,
        "one request for page 1, three attempts for page 2"
    );
}

#[tokio::test]
async fn a_page_size_outside_1_to_200_is_refused_before_any_request() {
    let server = TestServer::start(|_, _| server::json(200, invoices(&[1], None))).await;
    let client = common::client_for(&server.url());
    for bad in [0, 201] {
        let (ids, error) = drain(client.invoices().page_size(bad).items(), invoice_id).await;
        assert!(ids.is_empty());
        assert!(
            matches!(
                error,
                Some(Error::InvalidInput {
                    parameter: "pageSize",
                    ..
                })
            ),
            "{error:?}"
        );
        let (_, error) = drain(client.trustors().page_size(bad).items(), trustor_id).await;
        assert!(matches!(error, Some(Error::InvalidInput { .. })));
    }
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn invoice_lines_follow_their_own_path_only() {
    let lines = "/api/v2/billing/contracts/invoices/inv%201/lines";
    let (first, second) = (
        format!(r#"{{"entities":[{{"id":"l1","amount":0.10}}],"nextUri":"{lines}?after=c1"}}"#),
        r#"{"entities":[{"id":"l2","amount":0.90}]}"#.to_owned(),
    );
    let server = TestServer::start(move |seen: &Seen, _| match seen.query("after") {
        None => server::json(200, first.clone()),
        Some(_) => server::json(200, second.clone()),
    })
    .await;
    let client = common::client_for(&server.url());
    let lines_all = client.invoice_lines("inv 1").collect_all().await.unwrap();
    let total: billing_api::models::Decimal = lines_all.iter().filter_map(|l| l.amount).sum();
    assert_eq!(total.to_string(), "1.00");
    assert!(server.seen()[1].uri.starts_with(lines));
}

/// A trustor page: `ids`, page `number` of `count`, with a nextUri unless `last`.
fn trustors(ids: &[&str], number: i32, count: i32, last: bool) -> String {
    let entities: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"id":"{id}","enabled":{}}}"#, !id.starts_with("off")))
        .collect();
    let next = if last {
        String::new()
    } else {
        format!(
            r#","nextUri":"/api/v2/orgauthorization/trustors?pageSize=2&pageNumber={}""#,
            number + 1
        )
    };
    format!(
        r#"{{"entities":[{}],"pageSize":2,"pageNumber":{number},"pageCount":{count}{next}}}"#,
        entities.join(",")
    )
}

#[tokio::test]
async fn trustor_pages_are_followed_by_number_to_the_page_count() {
    // The last page still offers a nextUri: pageCount says it is the last.
    let server = TestServer::start(|seen: &Seen, _| {
        let n: i32 = seen.query("pageNumber").unwrap().parse().unwrap();
        let page = match n {
            1 => trustors(&["a", "off-1"], 1, 2, false),
            _ => trustors(&["b"], 2, 2, false),
        };
        server::json(200, page)
    })
    .await;
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.trustors().page_size(2).items(), trustor_id).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids, ["a", "b"], "disabled trusts are left out by default");
    let (ids, _) = drain(
        client
            .trustors()
            .page_size(2)
            .include_disabled(true)
            .items(),
        trustor_id,
    )
    .await;
    assert_eq!(ids, ["a", "off-1", "b"]);
    let seen = server.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[1].query("pageNumber"), Some("2"));
    assert_eq!(seen[1].query("pageSize"), Some("2"));
}

#[tokio::test]
async fn trustor_paging_stops_at_an_empty_page_or_a_page_without_next_uri() {
    let server = TestServer::start(|seen: &Seen, _| {
        let n: i32 = seen.query("pageNumber").unwrap().parse().unwrap();
        server::json(
            200,
            match n {
                1 => trustors(&["a"], 1, 9, false),
                _ => trustors(&[], 2, 9, false),
            },
        )
    })
    .await;
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.trustors().items(), trustor_id).await;
    assert_eq!((ids.len(), error.is_none()), (1, true));

    let server = TestServer::start(|_, _| server::json(200, trustors(&["a"], 1, 9, true))).await;
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.trustors().items(), trustor_id).await;
    assert_eq!((ids.len(), error.is_none()), (1, true));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_server_that_ignores_the_page_number_is_caught() {
    // Always page 1, without saying which page it is: the repeat is seen by its content.
    let server = TestServer::start(|_, _| {
        server::json(
            200,
            r#"{"entities":[{"id":"a","enabled":true}],"nextUri":"/api/v2/orgauthorization/trustors?pageNumber=2"}"#,
        )
    })
    .await;
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.trustors().items(), trustor_id).await;
    assert_eq!(ids, ["a"]);
    assert!(paging_reason(error).contains("repeats page 1"));

    // Says it is page 1 when asked for page 2.
    let server = TestServer::start(|_, _| server::json(200, trustors(&["a"], 1, 5, false))).await;
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.trustors().items(), trustor_id).await;
    assert_eq!(ids, ["a"]);
    assert!(paging_reason(error).contains("asked for page 2"));
}

#[tokio::test]
async fn a_trustor_next_uri_off_the_host_is_refused() {
    let server = TestServer::start(|_, _| {
        server::json(
            200,
            r#"{"entities":[{"id":"a","enabled":true}],"pageNumber":1,"pageCount":3,"nextUri":"https://evil.example.com/api/v2/orgauthorization/trustors?pageNumber=2"}"#,
        )
    })
    .await;
    let client = common::client_for(&server.url());
    let (ids, error) = drain(client.trustors().items(), trustor_id).await;
    assert_eq!(ids, ["a"]);
    assert!(paging_reason(error).contains("not on the API host"));
    assert_eq!(server.seen().len(), 1);
}
