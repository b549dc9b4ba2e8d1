//! Waiting for a billable usage report: the service answers `InProgress` until the report is
//! built, and asks the caller to "wait a few seconds, then try the same request again".

use std::time::Duration;

use billing_models::{BillingUsageReport, BillingUsageReportStatus};
use chrono::{DateTime, Utc};
// tokio's clock, so that a test on paused time drives the deadline.
use tokio::time::Instant;

use crate::{Client, Error};

/// The interval between requests when none is set: "a few seconds", as the API asks.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3);

/// How long to keep asking when no deadline is set.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5 * 60);

/// One answer seen while waiting, handed to the progress callback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The request this answer came from, from 1.
    pub attempt: u32,
    /// Time since the first request.
    pub elapsed: Duration,
    /// The report's status in this answer.
    pub status: Option<BillingUsageReportStatus>,
}

type ProgressFn = Box<dyn FnMut(&Progress) + Send>;

/// Repeats the billable-usage request until the report is no longer `InProgress`.
///
/// Made by [`Client::wait_for_billable_usage`]. Any answer other than `InProgress` (normally
/// `Complete`, but also a status this version does not know) ends the wait and is returned.
#[must_use = "a waiter does nothing until `.await`ed through `wait()`"]
pub struct ReportWaiter {
    client: Client,
    start_date: DateTime<Utc>,
    end_date: DateTime<Utc>,
    interval: Duration,
    deadline: Duration,
    on_progress: Option<ProgressFn>,
}

impl std::fmt::Debug for ReportWaiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportWaiter")
            .field("start_date", &self.start_date)
            .field("end_date", &self.end_date)
            .field("interval", &self.interval)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl ReportWaiter {
    pub(crate) fn new(client: Client, start_date: DateTime<Utc>, end_date: DateTime<Utc>) -> Self {
        ReportWaiter {
            client,
            start_date,
            end_date,
            interval: DEFAULT_INTERVAL,
            deadline: DEFAULT_DEADLINE,
            on_progress: None,
        }
    }

    /// Time between requests (default [`DEFAULT_INTERVAL`]).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Give up with [`Error::NotReady`] once this much time has passed (default
    /// [`DEFAULT_DEADLINE`]). A request is never started when the wait before it would end
    /// past the deadline.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Calls `f` after every answer, e.g. to drive a progress bar.
    pub fn on_progress(mut self, f: impl FnMut(&Progress) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(f));
        self
    }

    /// Requests the report until it is ready, the deadline passes, or a request fails.
    pub async fn wait(mut self) -> Result<BillingUsageReport, Error> {
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let report = self
                .client
                .get_billing_reports_billableusage(self.start_date, self.end_date)
                .await?;
            let progress = Progress {
                attempt,
                elapsed: started.elapsed(),
                status: report.status.clone(),
            };
            if let Some(f) = &mut self.on_progress {
                f(&progress);
            }
            if report.status != Some(BillingUsageReportStatus::InProgress) {
                return Ok(report);
            }
            if started.elapsed() + self.interval > self.deadline {
                return Err(Error::NotReady {
                    attempts: attempt,
                    elapsed: started.elapsed(),
                    last: Box::new(report),
                });
            }
            tokio::time::sleep(self.interval).await;
        }
    }
}

impl Client {
    /// The billable usage report for a period, waiting while the service builds it.
    ///
    /// ```no_run
    /// # async fn run(client: billing_api::Client) -> Result<(), billing_api::Error> {
    /// use std::time::Duration;
    /// use chrono::{TimeZone, Utc};
    ///
    /// let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    /// let end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    /// let report = client
    ///     .wait_for_billable_usage(start, end)
    ///     .interval(Duration::from_secs(5))
    ///     .on_progress(|p| eprintln!("attempt {}: {:?}", p.attempt, p.status))
    ///     .wait()
    ///     .await?;
    /// println!("{} usages", report.usages.len());
    /// # Ok(()) }
    /// ```
    pub fn wait_for_billable_usage(
        &self,
        start_date: DateTime<Utc>,
        end_date: DateTime<Utc>,
    ) -> ReportWaiter {
        ReportWaiter::new(self.clone(), start_date, end_date)
    }
}
