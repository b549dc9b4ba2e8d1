//! Serde types for the Genesys Cloud Billing API.
