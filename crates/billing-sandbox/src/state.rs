//! What a running sandbox remembers: issued tokens and authorization codes, rate-limit windows,
//! report polls, recorded requests and the cache of generated reports.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::NaiveDate;
use http::{HeaderMap, Method, Version};
use tokio::sync::OnceCell;

use crate::catalog::TrustorOrg;
use crate::fault::Faults;
use crate::oauth::AuthCode;
use crate::report::ReportShape;

/// A request as the sandbox received it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The request method.
    pub method: Method,
    /// The path and query exactly as received, percent-encoding untouched.
    pub path_and_query: String,
    /// The HTTP version.
    pub version: Version,
    /// All request headers.
    pub headers: HeaderMap,
    /// The request body.
    pub body: Bytes,
    /// The `ININ-Correlation-Id` the sandbox answered with (empty if the connection was reset
    /// before an answer).
    pub correlation_id: String,
    /// When the request arrived.
    pub received_at: Instant,
}

impl RecordedRequest {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap_or_default()
    }

    /// The raw query string (not decoded), if any.
    pub fn query(&self) -> Option<&str> {
        self.path_and_query.split_once('?').map(|(_, q)| q)
    }

    /// The first value of a header as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The settings a sandbox was started with.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) pkce_client_id: String,
    pub(crate) deny_consent: bool,
    pub(crate) token_expires_in: Duration,
    pub(crate) in_progress_polls: u32,
    pub(crate) omit_usages_while_in_progress: bool,
    pub(crate) report_shape: ReportShape,
    pub(crate) orgs: Vec<TrustorOrg>,
    pub(crate) org_ids: Vec<String>,
    /// Trustors that exist but are disabled: no overview, listed only among the trustors.
    pub(crate) disabled_orgs: Vec<TrustorOrg>,
    pub(crate) rate_limit: Option<(u32, Duration)>,
    pub(crate) today: Option<NaiveDate>,
    pub(crate) max_recorded_requests: usize,
    /// Lines per invoice; `None` is one per product.
    pub(crate) invoice_lines: Option<usize>,
    /// `http://127.0.0.1:<port>` of the document host.
    pub(crate) document_base_url: String,
    /// What document URLs are signed with.
    pub(crate) document_key: String,
}

impl Config {
    /// The date billing periods are counted from: fixed by the builder, else today (UTC).
    pub(crate) fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }

    /// Requests allowed per window and the window, for headers even when limiting is off.
    pub(crate) fn limit_numbers(&self) -> (u32, Duration) {
        self.rate_limit
            .unwrap_or((u32::MAX, Duration::from_secs(60)))
    }
}

/// The rate-limit numbers sent as `inin-ratelimit-*` headers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateInfo {
    pub(crate) count: u32,
    pub(crate) allowed: u32,
    pub(crate) reset_secs: u64,
}

/// The outcome of counting a request against its token's window.
pub(crate) enum RateDecision {
    Allowed(RateInfo),
    Exceeded {
        info: RateInfo,
        retry_after_secs: u64,
    },
}

struct Window {
    started: Instant,
    count: u32,
}

#[derive(Default)]
struct Mutable {
    tokens: HashMap<String, Instant>,
    windows: HashMap<String, Window>,
    polls: HashMap<(i64, i64), u32>,
    codes: HashMap<String, AuthCode>,
    requests: VecDeque<RecordedRequest>,
}

type ReportCell = Arc<OnceCell<Bytes>>;

/// Everything the connection tasks share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) faults: Faults,
    state: Mutex<Mutable>,
    reports: Mutex<HashMap<(i64, i64), ReportCell>>,
    token_requests: AtomicUsize,
    tokens_issued: AtomicUsize,
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            config,
            faults: Faults::default(),
            state: Mutex::new(Mutable::default()),
            reports: Mutex::new(HashMap::new()),
            token_requests: AtomicUsize::new(0),
            tokens_issued: AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Mutable> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        if request.path() == crate::oauth::TOKEN_PATH {
            self.token_requests.fetch_add(1, Ordering::Relaxed);
        }
        let max = self.config.max_recorded_requests;
        if max == 0 {
            return;
        }
        let mut state = self.lock();
        while state.requests.len() >= max {
            state.requests.pop_front();
        }
        state.requests.push_back(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.iter().cloned().collect()
    }

    pub(crate) fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    pub(crate) fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::Relaxed)
    }

    pub(crate) fn tokens_issued(&self) -> usize {
        self.tokens_issued.load(Ordering::Relaxed)
    }

    /// Issues a new bearer token valid for the configured lifetime.
    pub(crate) fn issue_token(&self) -> String {
        let token = crate::wire::random_token(86);
        let expires = Instant::now() + self.config.token_expires_in;
        self.lock().tokens.insert(token.clone(), expires);
        self.tokens_issued.fetch_add(1, Ordering::Relaxed);
        token
    }

    /// Whether `token` was issued, is not revoked and has not expired.
    pub(crate) fn token_valid(&self, token: &str) -> bool {
        let mut state = self.lock();
        match state.tokens.get(token) {
            Some(expires) if *expires > Instant::now() => true,
            Some(_) => {
                state.tokens.remove(token);
                false
            }
            None => false,
        }
    }

    /// Remembers an authorization code until it is exchanged.
    pub(crate) fn store_code(&self, code: String, issued: AuthCode) {
        self.lock().codes.insert(code, issued);
    }

    /// Removes an authorization code, so that it can be exchanged once at most.
    pub(crate) fn take_code(&self, code: &str) -> Option<AuthCode> {
        self.lock().codes.remove(code)
    }

    pub(crate) fn revoke_all_tokens(&self) {
        let mut state = self.lock();
        state.tokens.clear();
        state.windows.clear();
    }

    /// Counts a request against the fixed window of its token.
    pub(crate) fn count_request(&self, token: &str) -> RateDecision {
        let (allowed, per) = self.config.limit_numbers();
        let now = Instant::now();
        let mut state = self.lock();
        let window = state.windows.entry(token.to_owned()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(window.started) >= per {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        let reset_secs = ceil_secs(per.saturating_sub(now.duration_since(window.started)));
        if self.config.rate_limit.is_some() && window.count >= allowed {
            let info = RateInfo {
                count: window.count,
                allowed,
                reset_secs,
            };
            return RateDecision::Exceeded {
                info,
                retry_after_secs: reset_secs.max(1),
            };
        }
        window.count = window.count.saturating_add(1);
        RateDecision::Allowed(RateInfo {
            count: window.count,
            allowed,
            reset_secs,
        })
    }

    /// Rate numbers for a response that did not count against a token.
    pub(crate) fn uncounted_rate(&self) -> RateInfo {
        let (allowed, per) = self.config.limit_numbers();
        RateInfo {
            count: 0,
            allowed,
            reset_secs: ceil_secs(per),
        }
    }

    /// Counts one poll of a period; true while the report is still in progress.
    pub(crate) fn poll_in_progress(&self, period: (i64, i64)) -> bool {
        let mut state = self.lock();
        let polls = state.polls.entry(period).or_insert(0);
        *polls = polls.saturating_add(1);
        *polls <= self.config.in_progress_polls
    }

    /// The Complete report of a period, generated once (off the async threads) and then served
    /// from the cache.
    pub(crate) async fn complete_report(&self, period: (i64, i64)) -> Bytes {
        let cell = {
            let mut reports = self
                .reports
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            reports.entry(period).or_default().clone()
        };
        let shape = self.config.report_shape;
        cell.get_or_init(|| async move {
            let build = move || {
                Bytes::from(crate::report::complete(
                    period.0,
                    period.1,
                    shape,
                    crate::fault::Variation::default(),
                ))
            };
            match tokio::task::spawn_blocking(build).await {
                Ok(bytes) => bytes,
                // Only a panic inside `build` gets here; build again to surface it.
                Err(_) => build(),
            }
        })
        .await
        .clone()
    }

    /// Forgets tokens, rate windows, polls, recorded requests and armed faults.
    pub(crate) fn reset(&self) {
        let mut state = self.lock();
        *state = Mutable::default();
        drop(state);
        self.faults.clear();
        self.token_requests.store(0, Ordering::Relaxed);
        self.tokens_issued.store(0, Ordering::Relaxed);
    }

    pub(crate) fn org(&self, id: &str) -> Option<&TrustorOrg> {
        // Org ids are generated in order, but a linear scan over even 10,000 orgs is cheap next
        // to the JSON; a map would only cost memory.
        self.config.orgs.iter().find(|o| o.id == id)
    }
}
