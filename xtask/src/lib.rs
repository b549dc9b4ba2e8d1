//! Project automation for genesys-billing: code generation from the pinned Swagger spec
//! (`cargo xtask codegen [--check]`) and extraction of the Billing part of the full Genesys
//! Cloud Platform API spec (`cargo xtask spec-extract --from FULL.json`).
//!
//! Pipeline: [`spec`] (typed Swagger 2.0) → [`ir`] (models, fields, enums, operations) →
//! emitters ([`emit_models`]) → [`codegen`] (write or check the files).

pub mod codegen;
pub mod emit_docs;
pub mod emit_models;
pub mod emit_ops;
pub mod extract;
pub mod ir;
pub mod man;
pub mod names;
pub mod spec;
