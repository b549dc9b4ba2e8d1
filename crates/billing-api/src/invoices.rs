//! Invoices and their lines, every page of them ([`Client::invoices`],
//! [`Client::invoice_lines`]), and an invoice's PDF ([`Client::download_invoice`]).
//!
//! The Contract & Billing API is a preview: Genesys may change it without notice.

use std::path::Path;

use chrono::NaiveDate;
use futures_util::TryStreamExt;

use billing_models::{
    BillingInvoice, BillingInvoiceItem, BillingInvoiceItemListing, BillingInvoiceListing,
};

use crate::download::Document;
use crate::operations::{
    GET_BILLING_CONTRACTS_INVOICE_LINES, GET_BILLING_CONTRACTS_INVOICES,
    GetBillingContractsInvoiceLinesQuery, GetBillingContractsInvoicesPaymentStatus,
    GetBillingContractsInvoicesQuery,
};
use crate::paging::{self, ItemStream, Listing, PageStream, Route};
use crate::{Client, Error};

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
        InvoicesRequest {
            client: self.clone(),
            query: GetBillingContractsInvoicesQuery::default(),
            page_size: None,
        }
    }

    /// The lines of one invoice, following every page.
    pub fn invoice_lines(&self, invoice_id: impl Into<String>) -> InvoiceLinesRequest {
        InvoiceLinesRequest {
            client: self.clone(),
            invoice_id: invoice_id.into(),
            page_size: None,
        }
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
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until its pages or items are streamed"]
pub struct InvoicesRequest {
    client: Client,
    query: GetBillingContractsInvoicesQuery,
    page_size: Option<u32>,
}

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

    /// Items per page, 1..=[`MAX_PAGE_SIZE`](crate::MAX_PAGE_SIZE) (the server's default
    /// when not set); anything else fails before a request is made.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Every page, in order.
    pub fn pages(self) -> PageStream<BillingInvoice> {
        let InvoicesRequest {
            client,
            mut query,
            page_size,
        } = self;
        query.page_size = match paging::check_page_size(page_size) {
            Ok(page_size) => page_size,
            Err(error) => return paging::failed(error),
        };
        let route = Route::new(
            &GET_BILLING_CONTRACTS_INVOICES,
            &[],
            client.api_base().cloned(),
        );
        paging::by_cursor(route, move |after| {
            let (client, mut query) = (client.clone(), query.clone());
            query.after = after;
            async move { client.get_billing_contracts_invoices(&query).await }
        })
    }

    /// Every invoice, page after page.
    pub fn items(self) -> ItemStream<BillingInvoice> {
        paging::items(self.pages())
    }

    /// Every invoice in one `Vec`; on an error the invoices fetched so far are dropped (use
    /// [`items`](Self::items) to keep them).
    pub async fn collect_all(self) -> Result<Vec<BillingInvoice>, Error> {
        self.items().try_collect().await
    }
}

/// A listing of one invoice's lines being set up; made by [`Client::invoice_lines`].
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until its pages or items are streamed"]
pub struct InvoiceLinesRequest {
    client: Client,
    invoice_id: String,
    page_size: Option<u32>,
}

impl InvoiceLinesRequest {
    /// Items per page, 1..=[`MAX_PAGE_SIZE`](crate::MAX_PAGE_SIZE) (the server's default
    /// when not set); anything else fails before a request is made.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Every page, in order.
    pub fn pages(self) -> PageStream<BillingInvoiceItem> {
        let InvoiceLinesRequest {
            client,
            invoice_id,
            page_size,
        } = self;
        let page_size = match paging::check_page_size(page_size) {
            Ok(page_size) => page_size,
            Err(error) => return paging::failed(error),
        };
        let query = GetBillingContractsInvoiceLinesQuery {
            page_size,
            ..Default::default()
        };
        let route = Route::new(
            &GET_BILLING_CONTRACTS_INVOICE_LINES,
            &[&invoice_id],
            client.api_base().cloned(),
        );
        paging::by_cursor(route, move |after| {
            let (client, invoice_id, mut query) =
                (client.clone(), invoice_id.clone(), query.clone());
            query.after = after;
            async move {
                client
                    .get_billing_contracts_invoice_lines(&invoice_id, &query)
                    .await
            }
        })
    }

    /// Every line, page after page.
    pub fn items(self) -> ItemStream<BillingInvoiceItem> {
        paging::items(self.pages())
    }

    /// Every line in one `Vec`; on an error the lines fetched so far are dropped (use
    /// [`items`](Self::items) to keep them).
    pub async fn collect_all(self) -> Result<Vec<BillingInvoiceItem>, Error> {
        self.items().try_collect().await
    }
}

impl Listing for BillingInvoiceListing {
    type Item = BillingInvoice;

    fn next_uri(&self) -> Option<&str> {
        self.next_uri.as_deref()
    }

    fn is_empty(&self) -> bool {
        self.entities.as_ref().is_none_or(Vec::is_empty)
    }

    fn into_items(self) -> Vec<BillingInvoice> {
        self.entities.unwrap_or_default()
    }
}

impl Listing for BillingInvoiceItemListing {
    type Item = BillingInvoiceItem;

    fn next_uri(&self) -> Option<&str> {
        self.next_uri.as_deref()
    }

    fn is_empty(&self) -> bool {
        self.entities.as_ref().is_none_or(Vec::is_empty)
    }

    fn into_items(self) -> Vec<BillingInvoiceItem> {
        self.entities.unwrap_or_default()
    }
}
