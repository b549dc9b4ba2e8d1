//! `cargo xtask spec-extract` on a synthetic "full" Platform API document.

use serde_json::{Value, json};
use xtask::extract::Selection;

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
    let text = xtask::extract::extract(FULL, &Selection::tag(&["Billing"])).unwrap();
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
    let err = xtask::extract::extract(&doc.to_string(), &Selection::tag(&["Billing"])).unwrap_err();
    assert!(err.contains("#/definitions/Limit"), "{err}");
    let err = xtask::extract::extract(FULL, &Selection::tag(&["Nothing"])).unwrap_err();
    assert!(
        err.contains("no operation is tagged [\"Nothing\"]"),
        "{err}"
    );
}

#[test]
fn the_pinned_spec_is_a_fixed_point() {
    let root = xtask::codegen::workspace_root();
    let pinned = std::fs::read_to_string(root.join(xtask::codegen::SPEC_PATH)).unwrap();
    let again = xtask::extract::extract(&pinned, &xtask::extract::PINNED).unwrap();
    let (a, b): (Value, Value) = (
        serde_json::from_str(&pinned).unwrap(),
        serde_json::from_str(&again).unwrap(),
    );
    assert_eq!(
        a, b,
        "extracting (and pinning) the pinned document again changes nothing"
    );
}

/// The pinned selection: Billing by tag, the trustor lookups by id, and the local pins.
#[test]
fn pinned_selection_takes_the_trustor_lookups_and_applies_the_pins() {
    let full = r##"{
        "swagger": "2.0",
        "info": {"title": "Genesys Cloud Platform API v2", "version": "v2"},
        "tags": [{"name": "Billing"}, {"name": "Organization Authorization"}, {"name": "Users"}],
        "paths": {
            "/api/v2/billing/contracts": {
                "get": {"tags": ["Billing"], "operationId": "getBillingContracts",
                        "parameters": [{"name": "pageSize", "in": "query", "type": "string"}, {"name": "after", "in": "query", "type": "string"}],
                        "responses": {"200": {"schema": {"$ref": "#/definitions/NamedEntity"}}}}
            },
            "/api/v2/orgauthorization/trustors/{trustorOrgId}": {
                "get": {"tags": ["Organization Authorization"], "operationId": "getOrgauthorizationTrustor",
                        "responses": {"200": {"schema": {"$ref": "#/definitions/Trustor"}}}}
            },
            "/api/v2/orgauthorization/trustees": {
                "get": {"tags": ["Organization Authorization"], "operationId": "getOrgauthorizationTrustees",
                        "responses": {"200": {"schema": {"$ref": "#/definitions/NamedEntity"}}}}
            }
        },
        "definitions": {
            "NamedEntity": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Trustor": {"type": "object", "properties": {"createdBy": {"$ref": "#/definitions/OrgUser"}, "organization": {"$ref": "#/definitions/Organization"}}},
            "OrgUser": {"type": "object", "required": ["version"], "properties": {
                "name": {"type": "string"}, "manager": {"$ref": "#/definitions/User"},
                "groups": {"type": "array", "items": {"$ref": "#/definitions/Group"}},
                "version": {"type": "integer", "format": "int32"},
                "organization": {"$ref": "#/definitions/Organization"}}},
            "Organization": {"type": "object", "required": ["version", "name"], "properties": {"name": {"type": "string"}, "version": {"type": "integer"}}},
            "User": {"type": "object", "properties": {"manager": {"$ref": "#/definitions/User"}}},
            "Group": {"type": "object", "properties": {"name": {"type": "string"}}}
        }
    }"##;
    let out: Value =
        serde_json::from_str(&xtask::extract::extract(full, &xtask::extract::PINNED).unwrap())
            .unwrap();
    let paths: Vec<&String> = out["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        [
            "/api/v2/billing/contracts",
            "/api/v2/orgauthorization/trustors/{trustorOrgId}"
        ],
        "only the named Organization Authorization operations"
    );
    let page_size = &out["paths"]["/api/v2/billing/contracts"]["get"]["parameters"][0];
    assert_eq!(
        (&page_size["type"], &page_size["format"]),
        (&json!("integer"), &json!("int32"))
    );
    let org_user: Vec<&String> = out["definitions"]["OrgUser"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(org_user, ["name", "organization", "version"]); // sorted by `Value`
    assert!(out["definitions"]["OrgUser"].get("required").is_none());
    assert_eq!(
        out["definitions"]["Organization"]["required"],
        json!(["name"])
    );
    let defs: Vec<&String> = out["definitions"].as_object().unwrap().keys().collect();
    assert_eq!(defs, ["NamedEntity", "OrgUser", "Organization", "Trustor"]);
    let tags: Vec<&str> = out["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Billing", "Organization Authorization"]);
    assert!(out["info"]["title"].as_str().unwrap().contains("trustor"));
}
