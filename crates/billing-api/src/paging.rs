//! Walking a listing from page to page: the billing listings by cursor (`nextUri` and the
//! `after` cursor it carries), the trustor listing by page number.
//!
//! Both walks keep the same rules, because a server that misbehaves must never make the client
//! leak its token, loop, or lose data without saying so:
//!
//! * **The token stays on the API host.** A `nextUri` on another host, outside the API base, or
//!   on a path other than the listing's own is refused. The walk never sends a request to the
//!   `nextUri` itself: it reads the cursor out of it and asks the same operation again, through
//!   the client's own stack, with the caller's filters.
//! * **No loops.** A cursor that comes back, a page number the server did not answer for, or a
//!   page that repeats an earlier one stops the walk with [`Error::Paging`].
//! * **No silent loss.** A page is yielded once, when its request succeeded (the transport
//!   retries a page below this level, so a retry never duplicates items). A failure part-way
//!   yields every item fetched before it, then the error, then the stream ends.
//! * **`pageSize` in 1..=[`MAX_PAGE_SIZE`]**, refused before any request.

use std::collections::HashSet;
use std::future::Future;

use billing_transport::same_origin;
use futures_util::TryStreamExt;
use futures_util::stream::{self, BoxStream, StreamExt};
use http::Uri;
use percent_encoding::percent_decode_str;

use crate::request::Operation;
use crate::{Client, Error};

/// The largest `pageSize` the listings accept.
pub const MAX_PAGE_SIZE: u32 = 200;

/// Empty pages that still point to a next page, in a row, before the walk gives up: a server
/// that hands out fresh cursors for nothing would otherwise keep it busy forever.
const MAX_EMPTY_PAGES_IN_A_ROW: u32 = 3;

/// One page of a listing, as the server sent it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's items, in the server's order.
    pub items: Vec<T>,
    /// Where this page is in the walk: 1 for the first page fetched.
    pub number: usize,
}

/// The pages of a listing, each once, in order; after an error the stream ends.
pub type PageStream<T> = BoxStream<'static, Result<Page<T>, Error>>;

/// The items of a listing, page after page; after an error the stream ends.
pub type ItemStream<T> = BoxStream<'static, Result<T, Error>>;

/// Flattens pages into items, keeping the error (if any) as the last element.
pub(crate) fn items<T: Send + 'static>(pages: PageStream<T>) -> ItemStream<T> {
    pages
        .flat_map(|page| match page {
            Ok(page) => stream::iter(page.items.into_iter().map(Ok)).left_stream(),
            Err(error) => stream::once(async { Err(error) }).right_stream(),
        })
        .boxed()
}

/// A walk that fails before its first request.
pub(crate) fn failed<T: Send + 'static>(error: Error) -> PageStream<T> {
    stream::once(async { Err(error) }).boxed()
}

/// Checks a page size before anything is sent.
pub(crate) fn check_page_size(page_size: Option<u32>) -> Result<Option<i32>, Error> {
    match page_size {
        None => Ok(None),
        Some(n @ 1..=MAX_PAGE_SIZE) => Ok(i32::try_from(n).ok()),
        Some(n) => Err(Error::InvalidInput {
            parameter: "pageSize",
            reason: format!("{n} is outside 1..={MAX_PAGE_SIZE}"),
        }),
    }
}

/// A cursor listing being set up: its filters (methods of [`ContractsRequest`],
/// [`InvoicesRequest`]), the page size, then its pages, its items or all of them. Made by
/// [`Client::contracts`], [`Client::invoices`] and [`Client::invoice_lines`].
///
/// [`ContractsRequest`]: crate::ContractsRequest
/// [`InvoicesRequest`]: crate::InvoicesRequest
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until its pages or items are streamed"]
pub struct ListingRequest<Q> {
    client: Client,
    pub(crate) query: Q,
    page_size: Option<u32>,
}

impl<Q: CursorQuery> ListingRequest<Q> {
    pub(crate) fn new(client: &Client, query: Q) -> Self {
        ListingRequest {
            client: client.clone(),
            query,
            page_size: None,
        }
    }

    /// Items per page, 1..=[`MAX_PAGE_SIZE`] (the server's default when not set); anything
    /// else fails before a request is made.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Every page, in order.
    pub fn pages(self) -> PageStream<Q::Item> {
        let ListingRequest {
            client,
            query,
            page_size,
        } = self;
        let page_size = match check_page_size(page_size) {
            Ok(page_size) => page_size,
            Err(error) => return failed(error),
        };
        let route = Route::new(
            Q::OPERATION,
            &query.path_params(),
            client.api_base().cloned(),
        );
        by_cursor(route, move |after| {
            query.clone().fetch(client.clone(), page_size, after)
        })
    }

    /// Every item, page after page.
    pub fn items(self) -> ItemStream<Q::Item> {
        items(self.pages())
    }

    /// Every item in one `Vec`; on an error the items fetched so far are dropped (use
    /// [`items`](Self::items) to keep them).
    pub async fn collect_all(self) -> Result<Vec<Q::Item>, Error> {
        self.items().try_collect().await
    }
}

/// What a cursor listing asks for, beyond the page size and the cursor: the operation, the
/// values of its path parameters, and the call with its filters. Implemented by the queries of
/// this crate's listings only; name it to write code over any of them.
pub trait CursorQuery: Clone + Send + Sync + sealed::Sealed + 'static {
    /// What the listing lists.
    type Item: Send + 'static;
    /// The listing model the operation answers.
    type Page: Listing<Item = Self::Item>;
    /// The operation.
    const OPERATION: &'static Operation;

    /// The values of the operation's path parameters, in template order.
    fn path_params(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Asks for one page.
    fn fetch(
        self,
        client: Client,
        page_size: Option<i32>,
        after: Option<String>,
    ) -> impl Future<Output = Result<Self::Page, Error>> + Send + 'static;
}

pub(crate) mod sealed {
    /// Keeps [`CursorQuery`](super::CursorQuery) to this crate's listings.
    pub trait Sealed {}
}

/// What a cursor-paged listing model gives the walk.
pub trait Listing: Send + 'static {
    /// The entity type.
    type Item: Send + 'static;
    /// The `nextUri` field.
    fn next_uri(&self) -> Option<&str>;
    /// Whether the page has no entities.
    fn is_empty(&self) -> bool;
    /// The `entities` field (absent is empty).
    fn into_items(self) -> Vec<Self::Item>;
}

/// Implements [`Listing`] for models with the usual `entities` and `nextUri` fields.
macro_rules! entity_listings {
    ($($listing:ty => $item:ty),* $(,)?) => {$(
        impl Listing for $listing {
            type Item = $item;

            fn next_uri(&self) -> Option<&str> {
                self.next_uri.as_deref()
            }

            fn is_empty(&self) -> bool {
                self.entities.as_ref().is_none_or(Vec::is_empty)
            }

            fn into_items(self) -> Vec<$item> {
                self.entities.unwrap_or_default()
            }
        }
    )*};
}

entity_listings! {
    billing_models::BillingContractListing => billing_models::BillingContract,
    billing_models::BillingInvoiceListing => billing_models::BillingInvoice,
    billing_models::BillingInvoiceItemListing => billing_models::BillingInvoiceItem,
    billing_models::TrustorEntityListing => billing_models::Trustor,
}

/// What a page-number listing adds.
pub(crate) trait NumberedListing: Listing {
    /// The `pageNumber` the server says it answered.
    fn page_number(&self) -> Option<i32>;
    /// The `pageCount` field.
    fn page_count(&self) -> Option<i32>;
    /// The first item's id, to recognize a page that repeats an earlier one.
    fn first_id(&self) -> Option<&str>;
}

/// Where a listing lives: the operation, the values of its path parameters, and the API base
/// the client talks to (`None` when the client was given its own service, so no absolute
/// `nextUri` can be checked and all are refused).
#[derive(Debug, Clone)]
pub(crate) struct Route {
    operation: &'static Operation,
    path_params: Vec<String>,
    api_base: Option<Uri>,
}

impl Route {
    pub(crate) fn new(
        operation: &'static Operation,
        path_params: &[&str],
        api_base: Option<Uri>,
    ) -> Route {
        Route {
            operation,
            path_params: path_params.iter().map(|p| (*p).to_owned()).collect(),
            api_base,
        }
    }

    /// The query of `next_uri` when it names this listing on the API host; else why not.
    fn check<'a>(&self, next_uri: &'a str) -> Result<&'a str, String> {
        let shown = shorten(next_uri);
        if next_uri.starts_with("//") {
            return Err(format!(
                "nextUri `{shown}` names another host; the access token is only sent to the API host"
            ));
        }
        let uri: Uri = next_uri
            .parse()
            .map_err(|_| format!("nextUri `{shown}` is not a URI"))?;
        if uri.scheme().is_some() || uri.authority().is_some() {
            if !self
                .api_base
                .as_ref()
                .is_some_and(|base| same_origin(&uri, base))
            {
                return Err(format!(
                    "nextUri `{shown}` is not on the API host; the access token is only sent to the API host"
                ));
            }
        } else if !next_uri.starts_with('/') {
            return Err(format!("nextUri `{shown}` is not a path from the API root"));
        }
        // A relative `nextUri` may be written from the host's root or from the API base.
        let prefix = self
            .api_base
            .as_ref()
            .map_or("", |b| b.path().trim_end_matches('/'));
        let path = uri.path();
        let path = path
            .strip_prefix(prefix)
            .filter(|rest| rest.starts_with('/'))
            .unwrap_or(path);
        if !self.is_listing_path(path) {
            return Err(format!(
                "nextUri `{shown}` is not under {}; refusing to follow it",
                self.operation.path_template
            ));
        }
        Ok(next_uri.split_once('?').map_or("", |(_, q)| q))
    }

    /// Whether `path` is this listing's path: the template's literal segments, and the values
    /// that were sent in place of its placeholders.
    fn is_listing_path(&self, path: &str) -> bool {
        let template = self.operation.path_template.split('/');
        let mut given = path.split('/');
        let mut params = self.path_params.iter();
        for expected in template {
            let Some(segment) = given.next() else {
                return false;
            };
            let segment = percent_decode_str(segment).decode_utf8_lossy();
            let same = if expected.starts_with('{') {
                params.next().is_some_and(|value| *value == segment)
            } else {
                expected == segment
            };
            if !same {
                return false;
            }
        }
        given.next().is_none()
    }
}

/// A query parameter, percent-decoded (a `+` stays a `+`: these are URIs, not forms).
fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode_str(key).decode_utf8_lossy() == name)
            .then(|| percent_decode_str(value).decode_utf8_lossy().into_owned())
    })
}

fn shorten(text: &str) -> String {
    const MAX: usize = 160;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// What the walk does after a page.
enum Step<K> {
    /// Yield the page, then ask for `K`.
    Next(K),
    /// Yield the page; it was the last one.
    Last,
    /// Yield the page, then fail: its items are good, what it points to is not.
    LastThenFail(String),
    /// Fail without yielding the page: its items were yielded already.
    Fail(String),
}

struct Walk<K, F, D> {
    route: Route,
    fetch: F,
    decide: D,
    next: Option<K>,
    pending: Option<Error>,
    page: usize,
}

/// The engine both walks share: ask for `start`, then for whatever `decide` says after each
/// page. The next request is made only when the consumer asks for the next page.
fn walk<L, K, F, Fut, D>(route: Route, start: K, fetch: F, decide: D) -> PageStream<L::Item>
where
    L: Listing,
    K: Clone + Send + 'static,
    F: FnMut(K) -> Fut + Send + 'static,
    Fut: Future<Output = Result<L, Error>> + Send + 'static,
    D: FnMut(&Route, &K, &L) -> Step<K> + Send + 'static,
{
    let state = Walk {
        route,
        fetch,
        decide,
        next: Some(start),
        pending: None,
        page: 0,
    };
    stream::unfold(state, |mut walk| async move {
        if let Some(error) = walk.pending.take() {
            return Some((Err(error), walk));
        }
        let request = walk.next.take()?;
        walk.page += 1;
        let listing = match (walk.fetch)(request.clone()).await {
            Ok(listing) => listing,
            Err(error) => return Some((Err(error), walk)),
        };
        let fault = |reason| Error::Paging {
            operation: walk.route.operation.id,
            page: walk.page,
            reason,
        };
        match (walk.decide)(&walk.route, &request, &listing) {
            Step::Next(next) => walk.next = Some(next),
            Step::Last => {}
            Step::LastThenFail(reason) => walk.pending = Some(fault(reason)),
            Step::Fail(reason) => return Some((Err(fault(reason)), walk)),
        }
        let page = Page {
            items: listing.into_items(),
            number: walk.page,
        };
        Some((Ok(page), walk))
    })
    .boxed()
}

/// Walks a cursor-paged listing: `fetch(None)` for the first page, then `fetch(Some(after))`
/// with the `after` cursor of each page's `nextUri`, until a page has none.
pub(crate) fn by_cursor<L, F, Fut>(route: Route, fetch: F) -> PageStream<L::Item>
where
    L: Listing,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<L, Error>> + Send + 'static,
{
    let mut seen = HashSet::new();
    let mut empty_in_a_row = 0;
    walk(route, None, fetch, move |route, _, listing: &L| {
        let Some(next_uri) = listing.next_uri() else {
            return Step::Last;
        };
        let query = match route.check(next_uri) {
            Ok(query) => query,
            Err(reason) => return Step::LastThenFail(reason),
        };
        let Some(cursor) = query_param(query, "after").filter(|c| !c.is_empty()) else {
            return Step::LastThenFail(format!(
                "nextUri `{}` carries no `after` cursor",
                shorten(next_uri)
            ));
        };
        if !seen.insert(cursor.clone()) {
            return Step::LastThenFail(format!(
                "the server sent the cursor `{}` a second time; stopping instead of looping",
                shorten(&cursor)
            ));
        }
        empty_in_a_row = if listing.is_empty() {
            empty_in_a_row + 1
        } else {
            0
        };
        if empty_in_a_row >= MAX_EMPTY_PAGES_IN_A_ROW {
            return Step::LastThenFail(format!(
                "{empty_in_a_row} empty pages in a row, each pointing to another"
            ));
        }
        Step::Next(Some(cursor))
    })
}

/// Walks a page-number listing: pages 1, 2, 3, … until a page is empty, has no `nextUri`, or
/// is the `pageCount`th.
pub(crate) fn by_page_number<L, F, Fut>(route: Route, fetch: F) -> PageStream<L::Item>
where
    L: NumberedListing,
    F: FnMut(i32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<L, Error>> + Send + 'static,
{
    let mut first_ids = std::collections::HashMap::new();
    walk(route, 1, fetch, move |route, &asked, listing: &L| {
        if let Some(answered) = listing.page_number().filter(|n| *n != asked) {
            return Step::Fail(format!(
                "asked for page {asked}, the server answered page {answered}"
            ));
        }
        if listing.is_empty() {
            return Step::Last;
        }
        if let Some(id) = listing.first_id() {
            if let Some(earlier) = first_ids.insert(id.to_owned(), asked) {
                return Step::Fail(format!("page {asked} repeats page {earlier}"));
            }
        }
        let Some(next_uri) = listing.next_uri() else {
            return Step::Last;
        };
        if let Err(reason) = route.check(next_uri) {
            return Step::LastThenFail(reason);
        }
        if listing.page_count().is_some_and(|count| asked >= count) {
            return Step::Last;
        }
        match asked.checked_add(1) {
            Some(next) => Step::Next(next),
            None => Step::LastThenFail("the page numbers ran out".to_owned()),
        }
    })
}

#[cfg(test)]
mod tests {
    use http::Method;

    use super::*;

    static LINES: Operation = Operation {
        id: "getLines",
        method: Method::GET,
        path_template: "/api/v2/billing/contracts/invoices/{invoiceId}/lines",
    };

    fn route(base: &str) -> Route {
        Route::new(&LINES, &["inv 1"], Some(base.parse().unwrap()))
    }

    #[test]
    fn a_next_uri_on_the_listing_path_gives_its_query() {
        let route = route("https://api.mypurecloud.com");
        for next in [
            "/api/v2/billing/contracts/invoices/inv%201/lines?pageSize=2&after=c%2B1",
            "https://api.mypurecloud.com/api/v2/billing/contracts/invoices/inv%201/lines?after=c%2B1",
            "HTTPS://API.mypurecloud.com:443/api/v2/billing/contracts/invoices/inv%201/lines?after=c%2B1",
        ] {
            let query = route.check(next).unwrap();
            assert_eq!(
                query_param(query, "after").as_deref(),
                Some("c+1"),
                "{next}"
            );
        }
        assert_eq!(query_param("after=a+b", "after").as_deref(), Some("a+b"));
    }

    #[test]
    fn a_next_uri_under_a_base_path_prefix_is_accepted_both_ways() {
        let route = route("https://gateway.example.com/genesys");
        let tail = "/api/v2/billing/contracts/invoices/inv%201/lines?after=x";
        assert!(route.check(tail).is_ok());
        assert!(route.check(&format!("/genesys{tail}")).is_ok());
        assert!(
            route
                .check(&format!("https://gateway.example.com/genesys{tail}"))
                .is_ok()
        );
    }

    #[test]
    fn a_next_uri_off_the_host_or_the_listing_is_refused() {
        let route = route("https://api.mypurecloud.com");
        for next in [
            "https://evil.example.com/api/v2/billing/contracts/invoices/inv%201/lines?after=x",
            "http://api.mypurecloud.com/api/v2/billing/contracts/invoices/inv%201/lines?after=x",
            "https://api.mypurecloud.com:8443/api/v2/billing/contracts/invoices/inv%201/lines?after=x",
            "//evil.example.com/api/v2/billing/contracts/invoices/inv%201/lines?after=x",
            "/api/v2/billing/contracts/invoices/other/lines?after=x",
            "/api/v2/billing/contracts/invoices/inv%201/lines/extra?after=x",
            "/api/v2/billing/contracts/invoices/inv%201/../../contracts?after=x",
            "/api/v2/billing/contracts/invoices?after=x",
            "api/v2/billing/contracts/invoices/inv%201/lines?after=x",
            "?after=x",
            "https://user@evil.example.com/x",
        ] {
            assert!(route.check(next).is_err(), "{next} was accepted");
        }
    }

    #[test]
    fn without_a_known_base_only_relative_next_uris_pass() {
        let route = Route::new(&LINES, &["inv 1"], None);
        let path = "/api/v2/billing/contracts/invoices/inv%201/lines?after=x";
        assert!(route.check(path).is_ok());
        assert!(route.check(&format!("http://127.0.0.1:1{path}")).is_err());
    }

    #[test]
    fn page_sizes_outside_the_range_are_refused() {
        assert_eq!(check_page_size(None).unwrap(), None);
        assert_eq!(check_page_size(Some(1)).unwrap(), Some(1));
        assert_eq!(check_page_size(Some(200)).unwrap(), Some(200));
        for bad in [0, 201, u32::MAX] {
            assert!(matches!(
                check_page_size(Some(bad)),
                Err(Error::InvalidInput {
                    parameter: "pageSize",
                    ..
                })
            ));
        }
    }
}
