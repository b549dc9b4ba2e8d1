//! Typed Swagger 2.0 documents: the subset of the format the generator understands.
//!
//! Every object keeps the keys it does not model in `other`, so lowering can refuse a
//! construct it does not support (naming its JSON pointer) instead of silently skipping it.

use indexmap::IndexMap;
use serde::Deserialize;

/// An ordered JSON value: the document's key order is kept, so output follows the spec.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(untagged)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// Any number, kept as written.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, in document order.
    Object(IndexMap<String, Json>),
}

/// The root of a Swagger 2.0 document.
#[derive(Debug, Deserialize)]
pub struct Spec {
    /// Must be `"2.0"`.
    pub swagger: String,
    /// Operations by path.
    #[serde(default)]
    pub paths: IndexMap<String, PathItem>,
    /// Named schemas.
    #[serde(default)]
    pub definitions: IndexMap<String, Schema>,
    /// Everything else at the root (info, host, security definitions, tags …).
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

/// The operations on one path.
#[derive(Debug, Deserialize)]
pub struct PathItem {
    /// `GET`
    pub get: Option<Operation>,
    /// Keys not modelled (other methods, shared parameters): refused by lowering.
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

/// One operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Tags; the Billing API's operations carry `Billing`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// The operation id, e.g. `getBillingReportsBillableusage`.
    pub operation_id: String,
    /// Parameters, in spec order.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// Responses by status code.
    #[serde(default)]
    pub responses: IndexMap<String, Response>,
    /// Everything else (produces, security, vendor extensions).
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

/// One operation parameter.
#[derive(Debug, Deserialize)]
pub struct Parameter {
    /// The wire name.
    pub name: String,
    /// `query`, `path`, …
    #[serde(rename = "in")]
    pub location: String,
    /// Description.
    pub description: Option<String>,
    /// Whether the parameter must be sent.
    #[serde(default)]
    pub required: bool,
    /// JSON type.
    #[serde(rename = "type")]
    pub ty: Option<String>,
    /// Type format (`date-time`, `int32`, …).
    pub format: Option<String>,
    /// Server-side default.
    pub default: Option<Json>,
    /// Allowed values.
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<Json>>,
    /// Keys not modelled: refused by lowering.
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

/// One response.
#[derive(Debug, Deserialize)]
pub struct Response {
    /// Description.
    pub description: Option<String>,
    /// Body schema.
    pub schema: Option<Schema>,
    /// Error codes the server may put in `ErrorBody.code`, with their messages.
    #[serde(rename = "x-inin-error-codes", default)]
    pub error_codes: IndexMap<String, String>,
    /// Keys not modelled.
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

/// A schema (definition, property, array item or map value).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    /// `#/definitions/Name`
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// JSON type.
    #[serde(rename = "type")]
    pub ty: Option<String>,
    /// Type format.
    pub format: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Allowed values of a string.
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<Json>>,
    /// Names of required properties.
    #[serde(default)]
    pub required: Vec<String>,
    /// Object properties, in spec order.
    pub properties: Option<IndexMap<String, Schema>>,
    /// Array items.
    pub items: Option<Box<Schema>>,
    /// Map values (`true`, or a schema).
    pub additional_properties: Option<AdditionalProperties>,
    /// Set by the server only.
    #[serde(default)]
    pub read_only: bool,
    /// Keys not modelled: refused by lowering unless harmless.
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

/// The value of `additionalProperties`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum AdditionalProperties {
    /// `true` / `false`
    Bool(bool),
    /// A schema for the values.
    Schema(Box<Schema>),
}

impl Spec {
    /// Reads a document from JSON text.
    pub fn from_json(text: &str) -> Result<Spec, String> {
        let spec: Spec = serde_json::from_str(text).map_err(|e| format!("spec: {e}"))?;
        if spec.swagger != "2.0" {
            return Err(format!(
                "/swagger: expected \"2.0\", found {:?}",
                spec.swagger
            ));
        }
        Ok(spec)
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn pointer_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}
