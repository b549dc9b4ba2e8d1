//! Serde types for the Genesys Cloud Billing API, generated from its Swagger document.
//!
//! This crate has no HTTP and no async runtime: a program that only reads or writes stored
//! Billing JSON depends on it alone.
//!
//! # What you need first
//!
//! | to read… | use |
//! |---|---|
//! | a billable usage report | [`BillingUsageReport`] → [`BillingUsage`] → [`BillingUsageResource`] |
//! | a partner's view of a customer org | [`TrusteeBillingOverview`] → [`SubscriptionOverviewUsage`] |
//! | contracts and their billing periods | [`BillingContractListing`] → [`BillingContract`] → [`BillingContractPeriod`]; one period's charges and wallets: [`BillingContractPeriodDetail`] |
//! | invoices and their lines | [`BillingInvoiceListing`] → [`BillingInvoice`]; [`BillingInvoiceItemListing`] → [`BillingInvoiceItem`]; an invoice's PDF link: [`UrlResponse`] |
//! | the orgs that trust yours | [`TrustorEntityListing`] → [`Trustor`] |
//! | an error answer | [`ErrorBody`] (with [`Detail`] and [`Limit`]) |
//! | money and quantities | [`Decimal`] (re-exported from `rust_decimal`), parsed by [`decimal::parse_json_number`] |
//! | dates and date-times on their own | [`date::parse`] / [`date::format`], [`datetime::parse`] / [`datetime::format`] |
//!
//! ```
//! use billing_models::{BillingUsageReport, BillingUsageReportStatus};
//!
//! let json = r#"{"startDate":"2024-05-01T00:00:00.000Z","endDate":"2024-06-01T00:00:00.000Z",
//!               "status":"InProgress"}"#;
//! let report: BillingUsageReport = serde_json::from_str(json)?;
//! assert_eq!(report.status, Some(BillingUsageReportStatus::InProgress));
//! assert!(report.usages.is_empty()); // a required array the server left out decodes as empty
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! What the types promise:
//! - Wire names are exactly the spec's; Rust fields are their snake_case forms.
//! - Required fields are plain types; optional ones are `Option<_>` and left out when `None`.
//! - `date-time` fields are [`chrono::DateTime<Utc>`](chrono::DateTime), read from any RFC 3339
//!   offset and written as `yyyy-MM-ddTHH:mm:ss.SSSZ` (see [`datetime`]).
//! - `date` fields are [`chrono::NaiveDate`], read and written as `yyyy-MM-dd` (see [`date`]).
//! - `number` fields (money, quantities, rates of the contracts and invoices API) are exact
//!   [`Decimal`]s read from the JSON literal: `0.10` is 0.10, never a binary float, and ten
//!   of them add up to exactly `1.00` (see [`decimal`]). The usage report and trustee
//!   overview send money and quantities as strings; those models keep them as strings.
//! - String enums keep values this version does not know (`Unknown(String)`), and every model
//!   keeps JSON fields it does not know in `unknown_fields`: parse → serialize loses nothing.
//! - Models are `#[non_exhaustive]`: build them with `Default` and the `with_*` setters, so new
//!   fields can arrive without breaking your code (see `docs/adr/0001-model-construction.md`).
//!
//! ```
//! use billing_models::{BillingUsage, BillingUsageResource};
//!
//! let usage = BillingUsage::default()
//!     .with_name("Genesys Cloud CX 3")
//!     .with_total_usage("1")
//!     .with_resources(vec![BillingUsageResource::default().with_name("agent-1@example.com")]);
//! assert_eq!(serde_json::to_value(&usage)?["totalUsage"], "1");
//! # Ok::<(), serde_json::Error>(())
//! ```

pub mod date;
pub mod datetime;
pub mod decimal;
#[rustfmt::skip]
mod generated;
mod wire;

pub use generated::*;
/// The exact decimal type of every `number` field, re-exported so that code reading the
/// models needs no dependency of its own.
pub use rust_decimal::Decimal;

/// `docs/guide/models-only.md`, compiled and run as a doctest so its code cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/models-only.md")]
struct ModelsOnlyGuide;
