//! Trustee billing overviews for many trustor orgs at once: bounded concurrency, each org's
//! result as it arrives, one org's failure never stopping the others.

use futures_util::stream::{self, BoxStream, StreamExt};

use billing_models::TrusteeBillingOverview;

use crate::{Client, Error};

/// How many requests a fan-out keeps in flight when none is set.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// One org's outcome.
#[derive(Debug)]
#[non_exhaustive]
pub struct OrgOverview {
    /// The trustor org id, as given.
    pub org_id: String,
    /// Its overview, or why it could not be had.
    pub result: Result<TrusteeBillingOverview, Error>,
}

/// A fan-out being set up; made by [`Client::trustee_overviews`].
#[derive(Debug)]
#[must_use = "a fan-out does nothing until streamed or collected"]
pub struct FanOut {
    client: Client,
    org_ids: Vec<String>,
    billing_period_index: Option<i32>,
    concurrency: usize,
}

impl FanOut {
    /// The billing period for every org (0 = open period, 1 = last closed, …); the server
    /// default (0) when not set.
    pub fn billing_period_index(mut self, index: i32) -> Self {
        self.billing_period_index = Some(index);
        self
    }

    /// At most this many requests in flight (default [`DEFAULT_CONCURRENCY`]; at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Each org's result, in the order they complete.
    pub fn stream(self) -> BoxStream<'static, OrgOverview> {
        let FanOut {
            client,
            org_ids,
            billing_period_index,
            concurrency,
        } = self;
        stream::iter(org_ids)
            .map(move |org_id| {
                let client = client.clone();
                async move {
                    let result = client
                        .get_billing_trusteebillingoverview_trustor_org_id(
                            &org_id,
                            billing_period_index,
                        )
                        .await;
                    OrgOverview { org_id, result }
                }
            })
            .buffer_unordered(concurrency)
            .boxed()
    }

    /// Every org's result, in the order the ids were given.
    pub async fn collect(self) -> Vec<OrgOverview> {
        let order: std::collections::HashMap<String, usize> = self
            .org_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        let mut all: Vec<OrgOverview> = self.stream().collect().await;
        all.sort_by_key(|o| order.get(&o.org_id).copied().unwrap_or(usize::MAX));
        all
    }
}

impl Client {
    /// Trustee billing overviews for many trustor orgs, `concurrency` at a time.
    ///
    /// Pair it with [`ClientBuilder::rate_limit`](crate::ClientBuilder::rate_limit) to stay under
    /// the org's API limit instead of bouncing off 429s.
    ///
    /// ```no_run
    /// # async fn run(client: billing_api::Client, orgs: Vec<String>) {
    /// use futures_util::StreamExt;
    ///
    /// let mut overviews = client.trustee_overviews(orgs).concurrency(16).stream();
    /// while let Some(org) = overviews.next().await {
    ///     match org.result {
    ///         Ok(overview) => println!("{}: {} usage lines", org.org_id, overview.usages.len()),
    ///         Err(e) => eprintln!("{}: {e}", org.org_id),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn trustee_overviews<I, S>(&self, org_ids: I) -> FanOut
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        FanOut {
            client: self.clone(),
            org_ids: org_ids.into_iter().map(Into::into).collect(),
            billing_period_index: None,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}
