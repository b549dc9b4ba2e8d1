//! Contracts, every page of them: [`Client::contracts`].
//!
//! One contract ([`Client::get_billing_contract`]) and one billing period's charges and wallets
//! ([`Client::get_billing_contract_billingperiod`]) are single calls of the generated API. The
//! Contract & Billing API is a preview: Genesys may change it without notice.

use chrono::NaiveDate;
use futures_util::TryStreamExt;

use billing_models::{BillingContract, BillingContractListing};

use crate::operations::{
    GET_BILLING_CONTRACTS, GetBillingContractsQuery, GetBillingContractsStatus,
};
use crate::paging::{self, ItemStream, Listing, PageStream, Route};
use crate::{Client, Error};

impl Client {
    /// The org's contracts, following every page; filters and the page size are set on the
    /// returned request.
    ///
    /// ```no_run
    /// # async fn demo(client: billing_api::Client) -> Result<(), billing_api::Error> {
    /// use billing_api::operations::GetBillingContractsStatus;
    /// use futures_util::TryStreamExt;
    ///
    /// let mut contracts = client.contracts().status(GetBillingContractsStatus::Active).items();
    /// while let Some(contract) = contracts.try_next().await? {
    ///     println!("{:?} {:?}", contract.id, contract.external_number);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn contracts(&self) -> ContractsRequest {
        ContractsRequest {
            client: self.clone(),
            query: GetBillingContractsQuery::default(),
            page_size: None,
        }
    }
}

/// A listing of contracts being set up; made by [`Client::contracts`].
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until its pages or items are streamed"]
pub struct ContractsRequest {
    client: Client,
    query: GetBillingContractsQuery,
    page_size: Option<u32>,
}

impl ContractsRequest {
    /// Only contracts with this status.
    pub fn status(mut self, status: GetBillingContractsStatus) -> Self {
        self.query.status = Some(status);
        self
    }

    /// Only contracts from this date on (`dateStart`).
    pub fn date_start(mut self, date: NaiveDate) -> Self {
        self.query.date_start = Some(date);
        self
    }

    /// Only contracts up to this date (`dateEnd`).
    pub fn date_end(mut self, date: NaiveDate) -> Self {
        self.query.date_end = Some(date);
        self
    }

    /// Only the contract with this external number.
    pub fn external_number(mut self, number: impl Into<String>) -> Self {
        self.query.external_number = Some(number.into());
        self
    }

    /// Items per page, 1..=[`MAX_PAGE_SIZE`](crate::MAX_PAGE_SIZE) (the server's default
    /// when not set); anything else fails before a request is made.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Every page, in order.
    pub fn pages(self) -> PageStream<BillingContract> {
        let ContractsRequest {
            client,
            mut query,
            page_size,
        } = self;
        query.page_size = match paging::check_page_size(page_size) {
            Ok(page_size) => page_size,
            Err(error) => return paging::failed(error),
        };
        let route = Route::new(&GET_BILLING_CONTRACTS, &[], client.api_base().cloned());
        paging::by_cursor(route, move |after| {
            let (client, mut query) = (client.clone(), query.clone());
            query.after = after;
            async move { client.get_billing_contracts(&query).await }
        })
    }

    /// Every contract, page after page.
    pub fn items(self) -> ItemStream<BillingContract> {
        paging::items(self.pages())
    }

    /// Every contract in one `Vec`; on an error the contracts fetched so far are dropped (use
    /// [`items`](Self::items) to keep them).
    pub async fn collect_all(self) -> Result<Vec<BillingContract>, Error> {
        self.items().try_collect().await
    }
}

impl Listing for BillingContractListing {
    type Item = BillingContract;

    fn next_uri(&self) -> Option<&str> {
        self.next_uri.as_deref()
    }

    fn is_empty(&self) -> bool {
        self.entities.as_ref().is_none_or(Vec::is_empty)
    }

    fn into_items(self) -> Vec<BillingContract> {
        self.entities.unwrap_or_default()
    }
}
