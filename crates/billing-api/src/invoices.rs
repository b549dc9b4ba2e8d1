//! Invoices and their lines, every page of them ([`Client::invoices`],
//! [`Client::invoice_lines`]), and an invoice's PDF ([`Client::download_invoice`]).
//!
//! The Contract & Billing API is a preview: Genesys may change it without notice.

use std::path::Path;

use billing_models::{
    BillingInvoice, BillingInvoiceItem, BillingInvoiceItemListing, BillingInvoiceListing,
};
use chrono::NaiveDate;

use crate::download::Document;
use crate::operations::{
    GET_BILLING_CONTRACTS_INVOICE_LINES, GET_BILLING_CONTRACTS_INVOICES,
    GetBillingContractsInvoiceLinesQuery, GetBillingContractsInvoicesPaymentStatus,
    GetBillingContractsInvoicesQuery,
};
use crate::paging::{CursorQuery, ListingRequest, sealed};
use crate::{Client, Error, Operation};

impl Client {
    /// The org's invoices, following every page; filters and the page size are set on the
    /// returned request.
    ///
    /// ```no_run
    /// # async fn demo(client: billing_api::Client) -> Result<(), billing_api::Error> {
    /// use billing_api::operations::GetBillingContractsInvoicesPaymentStatus;
    ///
    /// let unpaid = client
    ///     .invoices()
    ///     .payment_status(GetBillingContractsInvoicesPaymentStatus::UnPaid)
    ///     .collect_all()
    ///     .await?;
    /// for invoice in &unpaid {
    ///     println!("{:?}: {:?} {:?}", invoice.id, invoice.amount, invoice.currency_iso_code);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn invoices(&self) -> InvoicesRequest {
        ListingRequest::new(self, GetBillingContractsInvoicesQuery::default())
    }

    /// The lines of one invoice, following every page.
    pub fn invoice_lines(&self, invoice_id: impl Into<String>) -> InvoiceLinesRequest {
        ListingRequest::new(self, InvoiceLinesQuery(invoice_id.into()))
    }

    /// Downloads an invoice's PDF to `path`: asks the API for the document's pre-signed URL,
    /// then fetches it with [`Client::downloader`] (this client's proxy and TLS settings, the
    /// default cap and timeout), which never sends this client's credentials. After any
    /// failure nothing is at `path`.
    pub async fn download_invoice(
        &self,
        invoice_id: &str,
        path: impl AsRef<Path>,
    ) -> Result<Document, Error> {
        let url = self.invoice_document_url(invoice_id).await?;
        self.downloader().to_path(&url, path).await
    }

    /// The pre-signed URL of an invoice's PDF.
    pub async fn invoice_document_url(&self, invoice_id: &str) -> Result<String, Error> {
        self.get_billing_contracts_invoice_document(invoice_id)
            .await?
            .url
            .filter(|url| !url.is_empty())
            .ok_or_else(|| Error::Download(Box::new(crate::download::DownloadError::no_url())))
    }
}

/// A listing of invoices being set up; made by [`Client::invoices`].
pub type InvoicesRequest = ListingRequest<GetBillingContractsInvoicesQuery>;

impl InvoicesRequest {
    /// Only invoices from this date on (`dateStart`).
    pub fn date_start(mut self, date: NaiveDate) -> Self {
        self.query.date_start = Some(date);
        self
    }

    /// Only invoices up to this date (`dateEnd`).
    pub fn date_end(mut self, date: NaiveDate) -> Self {
        self.query.date_end = Some(date);
        self
    }

    /// Only invoices with this payment status.
    pub fn payment_status(mut self, status: GetBillingContractsInvoicesPaymentStatus) -> Self {
        self.query.payment_status = Some(status);
        self
    }
}

impl sealed::Sealed for GetBillingContractsInvoicesQuery {}

impl CursorQuery for GetBillingContractsInvoicesQuery {
    type Item = BillingInvoice;
    type Page = BillingInvoiceListing;
    const OPERATION: &'static Operation = &GET_BILLING_CONTRACTS_INVOICES;

    async fn fetch(
        mut self,
        client: Client,
        page_size: Option<i32>,
        after: Option<String>,
    ) -> Result<BillingInvoiceListing, Error> {
        (self.page_size, self.after) = (page_size, after);
        client.get_billing_contracts_invoices(&self).await
    }
}

/// A listing of one invoice's lines being set up; made by [`Client::invoice_lines`].
pub type InvoiceLinesRequest = ListingRequest<InvoiceLinesQuery>;

/// The invoice whose lines an [`InvoiceLinesRequest`] lists.
#[derive(Debug, Clone)]
pub struct InvoiceLinesQuery(String);

impl sealed::Sealed for InvoiceLinesQuery {}

impl CursorQuery for InvoiceLinesQuery {
    type Item = BillingInvoiceItem;
    type Page = BillingInvoiceItemListing;
    const OPERATION: &'static Operation = &GET_BILLING_CONTRACTS_INVOICE_LINES;

    fn path_params(&self) -> Vec<&str> {
        vec![&self.0]
    }

    async fn fetch(
        self,
        client: Client,
        page_size: Option<i32>,
        after: Option<String>,
    ) -> Result<BillingInvoiceItemListing, Error> {
        let query = GetBillingContractsInvoiceLinesQuery {
            page_size,
            after,
            ..Default::default()
        };
        client
            .get_billing_contracts_invoice_lines(&self.0, &query)
            .await
    }
}
