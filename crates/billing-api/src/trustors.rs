//! The orgs that trust this one (the customers a partner manages), every page of them:
//! [`Client::trustors`].

use futures_util::{StreamExt, TryStreamExt};

use billing_models::{Trustor, TrustorEntityListing};

use crate::operations::GET_ORGAUTHORIZATION_TRUSTORS;
use crate::paging::{self, ItemStream, NumberedListing, Page, PageStream, Route};
use crate::{Client, Error};

impl Client {
    /// The trustor orgs, following every page number; disabled trusts are left out unless
    /// [`include_disabled`](TrustorsRequest::include_disabled) says otherwise.
    ///
    /// ```no_run
    /// # async fn demo(client: billing_api::Client) -> Result<(), billing_api::Error> {
    /// let trustors = client.trustors().page_size(100).collect_all().await?;
    /// let org_ids: Vec<String> = trustors.into_iter().filter_map(|t| t.id).collect();
    /// # Ok(()) }
    /// ```
    pub fn trustors(&self) -> TrustorsRequest {
        TrustorsRequest {
            client: self.clone(),
            page_size: None,
            include_disabled: false,
        }
    }
}

/// A listing of trustor orgs being set up; made by [`Client::trustors`].
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until its pages or items are streamed"]
pub struct TrustorsRequest {
    client: Client,
    page_size: Option<u32>,
    include_disabled: bool,
}

impl TrustorsRequest {
    /// Items per page, 1..=[`MAX_PAGE_SIZE`](crate::MAX_PAGE_SIZE) (the server's default,
    /// 25, when not set); anything else fails before a request is made.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Whether trusts that are disabled (`enabled: false`, so no trustee user has access)
    /// are kept; they are left out by default.
    pub fn include_disabled(mut self, include: bool) -> Self {
        self.include_disabled = include;
        self
    }

    /// Every page, in order (without the disabled trusts unless asked for).
    pub fn pages(self) -> PageStream<Trustor> {
        let TrustorsRequest {
            client,
            page_size,
            include_disabled,
        } = self;
        let page_size = match paging::check_page_size(page_size) {
            Ok(page_size) => page_size,
            Err(error) => return paging::failed(error),
        };
        let route = Route::new(
            &GET_ORGAUTHORIZATION_TRUSTORS,
            &[],
            client.api_base().cloned(),
        );
        let pages = paging::by_page_number(route, move |page_number| {
            let client = client.clone();
            async move {
                client
                    .get_orgauthorization_trustors(page_size, Some(page_number))
                    .await
            }
        });
        if include_disabled {
            return pages;
        }
        pages
            .map_ok(|mut page: Page<Trustor>| {
                page.items.retain(|trustor| trustor.enabled);
                page
            })
            .boxed()
    }

    /// Every trustor org, page after page.
    pub fn items(self) -> ItemStream<Trustor> {
        paging::items(self.pages())
    }

    /// Every trustor org in one `Vec`; on an error the orgs fetched so far are dropped (use
    /// [`items`](Self::items) to keep them).
    pub async fn collect_all(self) -> Result<Vec<Trustor>, Error> {
        self.items().try_collect().await
    }
}

impl NumberedListing for TrustorEntityListing {
    fn page_number(&self) -> Option<i32> {
        self.page_number
    }

    fn page_count(&self) -> Option<i32> {
        self.page_count
    }

    fn first_id(&self) -> Option<&str> {
        self.entities.as_ref()?.first()?.id.as_deref()
    }
}
