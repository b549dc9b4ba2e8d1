//! Which handler answers a request: the login routes (`/oauth/...`) directly, the API routes
//! after the bearer token and the per-token rate limit have been checked.

use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::{HeaderMap, Method};

use crate::contracts::CONTRACTS_PATH;
use crate::fault::Variation;
use crate::invoices::INVOICES_PATH;
use crate::reply::Reply;
use crate::state::{RateDecision, RateInfo, Shared};
use crate::trustors::TRUSTORS_PATH;
use crate::wire::{self, ApiError, LimitInfo};

/// What an API handler needs to know about its request.
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) query: Option<&'a str>,
    pub(crate) variation: Variation,
    pub(crate) correlation_id: &'a str,
}

impl Ctx<'_> {
    /// The first value of a query parameter, decoded.
    pub(crate) fn param(&self, name: &str) -> Option<String> {
        wire::query_param(self.query, name)
    }

    pub(crate) fn error(&self, error: &ApiError) -> Reply {
        Reply::error(error, self.correlation_id)
    }

    pub(crate) fn not_found(&self) -> Reply {
        Reply::not_found(self.correlation_id)
    }

    /// `200` with `body` as JSON.
    pub(crate) fn ok<T: serde::Serialize>(&self, body: &T) -> Reply {
        match serde_json::to_vec(body) {
            Ok(bytes) => Reply::json_bytes(http::StatusCode::OK, bytes.into()),
            Err(_) => self.error(&ApiError::new(wire::INTERNAL_SERVER_ERROR)),
        }
    }
}

/// A request as the router sees it.
pub(crate) struct Incoming<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a Bytes,
}

/// Which listener a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// The API and login host.
    Api,
    /// The document host the invoice document URLs point to.
    Documents,
}

const BILLABLE_USAGE_PATH: &str = "/api/v2/billing/reports/billableusage";
const OVERVIEW_PREFIX: &str = "/api/v2/billing/trusteebillingoverview/";

/// The API operations, with their path parameters.
enum Operation<'a> {
    BillableUsage,
    TrusteeOverview(&'a str),
    Contracts,
    Contract(&'a str),
    ContractPeriod(&'a str, &'a str),
    Invoices,
    InvoiceLines(&'a str),
    InvoiceDocument(&'a str),
    Trustors,
    Trustor(&'a str),
}

/// A single non-empty path segment.
fn segment(s: &str) -> Option<&str> {
    (!s.is_empty() && !s.contains('/')).then_some(s)
}

impl<'a> Operation<'a> {
    fn parse(path: &'a str) -> Option<Self> {
        if path == BILLABLE_USAGE_PATH {
            return Some(Operation::BillableUsage);
        }
        if let Some(org) = path.strip_prefix(OVERVIEW_PREFIX).and_then(segment) {
            return Some(Operation::TrusteeOverview(org));
        }
        if path == TRUSTORS_PATH {
            return Some(Operation::Trustors);
        }
        if let Some(id) = path
            .strip_prefix(TRUSTORS_PATH)
            .and_then(|r| r.strip_prefix('/'))
            .and_then(segment)
        {
            return Some(Operation::Trustor(id));
        }
        // `/contracts/invoices…` before `/contracts/{contractId}…`: "invoices" is no contract id.
        if path == INVOICES_PATH {
            return Some(Operation::Invoices);
        }
        if let Some(rest) = path
            .strip_prefix(INVOICES_PATH)
            .and_then(|r| r.strip_prefix('/'))
        {
            return match rest.split_once('/') {
                Some((id, "lines")) => segment(id).map(Operation::InvoiceLines),
                Some((id, "document")) => segment(id).map(Operation::InvoiceDocument),
                _ => None,
            };
        }
        if path == CONTRACTS_PATH {
            return Some(Operation::Contracts);
        }
        let rest = path.strip_prefix(CONTRACTS_PATH)?.strip_prefix('/')?;
        match rest.split('/').collect::<Vec<_>>()[..] {
            [id] => segment(id).map(Operation::Contract),
            [id, "billingperiods", period] => {
                Some(Operation::ContractPeriod(segment(id)?, segment(period)?))
            }
            _ => None,
        }
    }
}

/// The `Limit` of the per-token rate limit, as the platform names it.
pub(crate) fn rate_limit_info(shared: &Shared) -> LimitInfo {
    LimitInfo {
        key: "client.credentials.token.rate.per.minute",
        namespace: "platform.api",
        value: i64::from(shared.config.limit_numbers().0),
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Answers a request; the rate numbers are those of the token it counted against, if any.
pub(crate) async fn route(
    shared: &Shared,
    host: Host,
    request: Incoming<'_>,
    variation: Variation,
    correlation_id: &str,
) -> (Reply, Option<RateInfo>) {
    if host == Host::Documents {
        return (crate::documents::handle(shared, &request), None);
    }
    if let Some(reply) = crate::oauth::route(shared, &request, variation, correlation_id) {
        return (reply, None);
    }
    let Some(operation) = Operation::parse(request.path) else {
        return (Reply::not_found(correlation_id), None);
    };
    if request.method != Method::GET {
        return (Reply::not_found(correlation_id), None);
    }

    let Some(token) = bearer(request.headers) else {
        let error = ApiError::new(wire::AUTHENTICATION_REQUIRED);
        return (Reply::error(&error, correlation_id), None);
    };
    if !shared.token_valid(token) {
        let error = ApiError::new(wire::BAD_CREDENTIALS);
        return (Reply::error(&error, correlation_id), None);
    }
    let rate = match shared.count_request(token) {
        RateDecision::Allowed(info) => info,
        RateDecision::Exceeded {
            info,
            retry_after_secs,
        } => {
            let error = ApiError::new(wire::TOO_MANY_REQUESTS_RETRY_AFTER)
                .param("retryAfter", retry_after_secs.to_string())
                .limit(rate_limit_info(shared))
                .retry_after(retry_after_secs);
            return (Reply::error(&error, correlation_id), Some(info));
        }
    };
    let ctx = Ctx {
        shared,
        query: request.query,
        variation,
        correlation_id,
    };
    let reply = match operation {
        Operation::BillableUsage => crate::report::handle(&ctx).await,
        Operation::TrusteeOverview(org) => crate::overview::handle(&ctx, org),
        Operation::Contracts => crate::contracts::list(&ctx),
        Operation::Contract(id) => crate::contracts::one(&ctx, id),
        Operation::ContractPeriod(id, period) => crate::contracts::period(&ctx, id, period),
        Operation::Invoices => crate::invoices::list(&ctx),
        Operation::InvoiceLines(id) => crate::invoices::lines(&ctx, id),
        Operation::InvoiceDocument(id) => crate::invoices::document(&ctx, id),
        Operation::Trustors => crate::trustors::list(&ctx),
        Operation::Trustor(id) => crate::trustors::one(&ctx, id),
    };
    (reply, Some(rate))
}
