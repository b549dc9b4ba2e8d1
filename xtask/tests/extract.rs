//! `cargo xtask spec-extract` on a synthetic "full" Platform API document.

use serde_json::{Value, json};

/// Written as text so the source order of keys is the test's own (`json!` would sort them).
fn full_document() -> Value {
    serde_json::from_str(FULL).unwrap()
}

const FULL: &str = r##"{
        "swagger": "2.0",
        "info": {"title": "Genesys Cloud Platform API v2", "version": "v2"},
        "host": "api.mypurecloud.com",
        "tags": [{"name": "Users"}, {"name": "Billing", "description": ""}],
        "paths": {
            "/api/v2/users/{userId}": {
                "get": {"tags": ["Users"], "operationId": "getUser", "responses": {"200": {"schema": {"$ref": "#/definitions/User"}}}}
            },
            "/api/v2/billing/reports/billableusage": {
                "get": {"tags": ["Billing"], "operationId": "getBillingReportsBillableusage", "parameters": [{"$ref": "#/parameters/startDate"}],
                        "responses": {"200": {"schema": {"$ref": "#/definitions/BillingUsageReport"}}, "400": {"schema": {"$ref": "#/definitions/ErrorBody"}}}}
            },
            "/api/v2/mixed": {
                "get": {"tags": ["Billing"], "operationId": "getMixed", "responses": {"200": {"schema": {"$ref": "#/definitions/NamedEntity"}}}},
                "post": {"tags": ["Users"], "operationId": "postMixed", "responses": {"200": {"schema": {"$ref": "#/definitions/User"}}}}
            }
        },
        "parameters": {
            "startDate": {"name": "startDate", "in": "query", "type": "string"},
            "unused": {"name": "unused", "in": "query", "type": "string"}
        },
        "definitions": {
            "User": {"type": "object", "properties": {"manager": {"$ref": "#/definitions/User"}, "org": {"$ref": "#/definitions/NamedEntity"}}},
            "BillingUsageReport": {"type": "object", "properties": {"usages": {"type": "array", "items": {"$ref": "#/definitions/BillingUsage"}}}},
            "BillingUsage": {"type": "object", "properties": {"name": {"type": "string"}}},
            "ErrorBody": {"type": "object", "properties": {"errors": {"type": "array", "items": {"$ref": "#/definitions/ErrorBody"}}, "limit": {"$ref": "#/definitions/Limit"}}},
            "Limit": {"type": "object", "properties": {"key": {"type": "string"}}},
            "NamedEntity": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Unrelated": {"type": "object", "properties": {"x": {"$ref": "#/definitions/User"}}}
        }
    }"##;

#[test]
fn keeps_billing_operations_and_everything_they_reach() {
    let text = xtask::extract::extract(FULL, "Billing").unwrap();
    let out: Value = serde_json::from_str(&text).unwrap();
    // Source order is kept (the generator's field order follows it).
    let at = |key: &str| {
        text.find(&format!("\"{key}\": {{"))
            .unwrap_or_else(|| panic!("{key}"))
    };
    assert!(at("BillingUsageReport") < at("BillingUsage") && at("Limit") < at("NamedEntity"));
    let paths: Vec<&String> = out["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        ["/api/v2/billing/reports/billableusage", "/api/v2/mixed"]
    );
    assert!(
        out["paths"]["/api/v2/mixed"].get("post").is_none(),
        "a Users operation on a shared path is dropped"
    );
    let defs: Vec<&String> = out["definitions"].as_object().unwrap().keys().collect();
    // The cyclic ErrorBody.errors is followed once; Limit is reached through it; User is not.
    assert_eq!(
        defs,
        [
            "BillingUsage",
            "BillingUsageReport",
            "ErrorBody",
            "Limit",
            "NamedEntity"
        ]
    );
    let params: Vec<&String> = out["parameters"].as_object().unwrap().keys().collect();
    assert_eq!(params, ["startDate"]);
    assert_eq!(out["tags"], json!([{"name": "Billing", "description": ""}]));
    assert_eq!(out["host"], "api.mypurecloud.com");
}

#[test]
fn refuses_documents_without_billing_or_with_dangling_refs() {
    let mut doc = full_document();
    doc["definitions"].as_object_mut().unwrap().remove("Limit");
    let err = xtask::extract::extract(&doc.to_string(), "Billing").unwrap_err();
    assert!(err.contains("#/definitions/Limit"), "{err}");
    let err = xtask::extract::extract(FULL, "Nothing").unwrap_err();
    assert!(err.contains("no operation is tagged `Nothing`"), "{err}");
}

#[test]
fn the_pinned_spec_is_a_fixed_point() {
    let root = xtask::codegen::workspace_root();
    let pinned = std::fs::read_to_string(root.join(xtask::codegen::SPEC_PATH)).unwrap();
    let again = xtask::extract::extract(&pinned, "Billing").unwrap();
    let (a, b): (Value, Value) = (
        serde_json::from_str(&pinned).unwrap(),
        serde_json::from_str(&again).unwrap(),
    );
    assert_eq!(
        a, b,
        "extracting Billing from the Billing subset changes nothing"
    );
}
