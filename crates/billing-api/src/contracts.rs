//! Contracts, every page of them: [`Client::contracts`].
//!
//! One contract ([`Client::get_billing_contract`]) and one billing period's charges and wallets
//! ([`Client::get_billing_contract_billingperiod`]) are single calls of the generated API. The
//! Contract & Billing API is a preview: Genesys may change it without notice.

use billing_models::{BillingContract, BillingContractListing};
use chrono::NaiveDate;

use crate::operations::{
    GET_BILLING_CONTRACTS, GetBillingContractsQuery, GetBillingContractsStatus,
};
use crate::paging::{CursorQuery, ListingRequest, sealed};
use crate::{Client, Error, Operation};

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
        ListingRequest::new(self, GetBillingContractsQuery::default())
    }
}

/// A listing of contracts being set up; made by [`Client::contracts`].
pub type ContractsRequest = ListingRequest<GetBillingContractsQuery>;

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
}

impl sealed::Sealed for GetBillingContractsQuery {}

impl CursorQuery for GetBillingContractsQuery {
    type Item = BillingContract;
    type Page = BillingContractListing;
    const OPERATION: &'static Operation = &GET_BILLING_CONTRACTS;

    async fn fetch(
        mut self,
        client: Client,
        page_size: Option<i32>,
        after: Option<String>,
    ) -> Result<BillingContractListing, Error> {
        (self.page_size, self.after) = (page_size, after);
        client.get_billing_contracts(&self).await
    }
}
