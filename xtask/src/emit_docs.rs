//! Emits the reference pages in `docs/reference/`: one page per API area (`BillingApi.md`,
//! `OrganizationAuthorizationApi.md`: the methods, in the shape of the other Genesys SDKs'
//! reference) and one page per model.

use std::collections::BTreeSet;

use crate::emit_ops::{PREVIEW_NOTE, param_type_text, query_field_type_text};
use crate::ir::{Api, Field, Location, Model, OperationIr, ParamIr, Ty};
use crate::names::pascal_case;

/// The Rust type of a value, as text; models link to their pages when `link` is set.
pub fn ty_text(ty: &Ty, link: Option<&str>) -> String {
    match ty {
        Ty::String => "String".into(),
        Ty::I32 => "i32".into(),
        Ty::I64 => "i64".into(),
        Ty::Float | Ty::Double => "Decimal".into(),
        Ty::Bool => "bool".into(),
        Ty::DateTime => "DateTime<Utc>".into(),
        Ty::Date => "NaiveDate".into(),
        Ty::Any => "serde_json::Value".into(),
        Ty::Array(inner) => format!("Vec<{}>", ty_text(inner, link)),
        Ty::Map(inner) => format!("BTreeMap<String, {}>", ty_text(inner, link)),
        Ty::Model(name) => match link {
            Some(prefix) => format!("[{name}]({prefix}{name}.md)"),
            None => name.clone(),
        },
        Ty::Enum(name) => name.clone(),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn field_type_text(f: &Field, link: Option<&str>) -> String {
    let mut t = ty_text(&f.ty, link);
    if f.boxed {
        t = format!("Box<{t}>");
    }
    if f.required {
        t
    } else {
        format!("Option<{t}>")
    }
}

fn wire_type(ty: &Ty) -> String {
    match ty {
        Ty::String | Ty::Enum(_) => "string".into(),
        Ty::I32 => "integer (int32)".into(),
        Ty::I64 => "integer (int64)".into(),
        Ty::Float => "number (float)".into(),
        Ty::Double => "number (double)".into(),
        Ty::Bool => "boolean".into(),
        Ty::DateTime => "string (date-time)".into(),
        Ty::Date => "string (date)".into(),
        Ty::Any => "object".into(),
        Ty::Array(inner) => format!("array of {}", wire_type(inner)),
        Ty::Map(inner) => format!("map of {}", wire_type(inner)),
        Ty::Model(name) => name.clone(),
    }
}

/// Whether a parameter travels in the operation's query struct.
fn in_query_struct(op: &OperationIr, p: &ParamIr) -> bool {
    op.query_struct_params()
        .is_some_and(|params| params.iter().any(|q| q.wire == p.wire))
}

fn signature(op: &OperationIr) -> String {
    let mut params: Vec<String> = op
        .params
        .iter()
        .filter(|p| !in_query_struct(op, p))
        .map(|p| format!("    {}: {},", p.rust, param_type_text(p)))
        .collect();
    if op.query_struct_params().is_some() {
        params.push(format!(
            "    query: &billing_api::operations::{},",
            op.query_struct_name()
        ));
    }
    let response = ty_text(&op.response, None);
    format!(
        "pub async fn {}(\n    &self,\n{}\n) -> Result<{response}, billing_api::Error>",
        op.fn_name,
        params.join("\n")
    )
}

fn example(op: &OperationIr) -> String {
    let mut args: Vec<String> = op
        .params
        .iter()
        .filter(|p| !in_query_struct(op, p))
        .map(|p| match (&p.ty, p.required) {
            (_, false) => "None".to_owned(),
            (Ty::DateTime, true) => {
                if p.rust.contains("end") {
                    "end".to_owned()
                } else {
                    "start".to_owned()
                }
            }
            (Ty::String, true) => format!("\"{}\"", example_string(&p.rust)),
            (_, true) => "Default::default()".to_owned(),
        })
        .collect();
    let dates = op
        .params
        .iter()
        .any(|p| p.ty == Ty::DateTime && p.required && !in_query_struct(op, p));
    let mut text =
        String::from("```rust,no_run\n# async fn run() -> Result<(), billing_api::Error> {\n");
    if dates {
        text.push_str("use chrono::{TimeZone, Utc};\n\n");
    }
    text.push_str("// GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET, GENESYSCLOUD_REGION\nlet client = billing_api::Client::from_env()?;\n");
    if dates {
        text.push_str("let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();\nlet end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();\n");
    }
    if let Some(params) = op.query_struct_params() {
        let mut setters = String::new();
        if params
            .iter()
            .any(|p| p.rust == "page_size" && p.ty == Ty::I32)
        {
            setters.push_str("\n    .with_page_size(100)");
        }
        if let Some(p) = params.iter().find(|p| p.ty == Ty::Date) {
            setters.push_str(&format!(
                "\n    .with_{}(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())",
                p.rust
            ));
        }
        text.push_str(&format!(
            "let query = billing_api::operations::{}::default(){setters};\n",
            op.query_struct_name()
        ));
        args.push("&query".to_owned());
    }
    text.push_str(&format!(
        "let result = client.{}({}).await?;\nprintln!(\"{{result:#?}}\");\n# Ok(()) }}\n```\n",
        op.fn_name,
        args.join(", ")
    ));
    text
}

fn example_string(name: &str) -> &'static str {
    if name.contains("org") {
        "5c3b0f2e-7d41-4f8a-9b6c-2e1d0a9f8c7b"
    } else {
        "example"
    }
}

/// The reference page of an API area: `Billing` → `BillingApi`.
pub fn page_name(tag: &str) -> String {
    format!("{}Api", pascal_case(tag))
}

/// The API areas, in the order their first operation appears in the spec.
fn tags(api: &Api) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for op in &api.operations {
        if !out.contains(&op.tag.as_str()) {
            out.push(&op.tag);
        }
    }
    out
}

/// `docs/reference/<Tag>Api.md`: the operations of one API area.
pub fn api_page(api: &Api, tag: &str) -> String {
    let page = page_name(tag);
    let mut s = format!(
        "<!-- @generated by `cargo xtask codegen` from xtask/spec/billing.swagger.json. Do not edit by hand. -->\n\n\
         # {page}\n\n\
         Methods of [`billing_api::Client`](../../crates/billing-api/src/client.rs) for the Genesys Cloud {tag} API.\n\
         Paths are relative to the region's API host (`https://api.mypurecloud.com` for `us_east_1`;\n\
         see [the regions guide](../guide/authentication-and-regions.md)).\n\n\
         | Method | HTTP request | Description |\n| --- | --- | --- |\n",
    );
    let ops: Vec<&OperationIr> = api.operations.iter().filter(|o| o.tag == tag).collect();
    for op in &ops {
        s.push_str(&format!(
            "| [`{0}`](#{0}) | **{1}** {2} | {3} |\n",
            op.fn_name,
            op.method,
            op.path,
            cell(op.summary.as_deref().unwrap_or(""))
        ));
    }
    for op in &ops {
        s.push_str(&format!(
            "\n## {}\n\n```text\n{}\n```\n\n",
            op.fn_name,
            signature(op)
        ));
        if let Some(summary) = &op.summary {
            s.push_str(&format!("{summary}\n\n"));
        }
        if op.preview {
            s.push_str(&format!("{PREVIEW_NOTE}\n\n"));
        }
        if let Some(description) = op.description.as_deref().filter(|d| !d.is_empty()) {
            s.push_str(&format!("{description}\n\n"));
        }
        s.push_str(&format!(
            "Wraps `{} {}` (operation id `{}`).\n\n",
            op.method, op.path, op.id
        ));
        if !op.permissions.is_empty() {
            s.push_str(&format!(
                "Requires ANY of these permissions: {}\n\n",
                op.permissions
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        s.push_str("### Example\n\n");
        s.push_str(&example(op));
        s.push_str("\n### Parameters\n\n| Name | Rust type | Wire name | Description | Required | Notes |\n| --- | --- | --- | --- | --- | --- |\n");
        for p in &op.params {
            let place = match p.location {
                Location::Path => "path",
                Location::Query => "query",
            };
            let mut notes = Vec::new();
            if let Some(d) = &p.default {
                notes.push(format!("server default {d}"));
            }
            match p.ty {
                Ty::DateTime => notes.push("sent as UTC `yyyy-MM-ddTHH:mm:ss.SSSZ`".into()),
                Ty::Date => notes.push("sent as `yyyy-MM-dd`".into()),
                Ty::Enum(_) => {
                    notes.push("values as on the wire; `Unknown(String)` sends any other".into())
                }
                _ => {}
            }
            if p.location == Location::Path {
                notes.push("percent-encoded as one path segment".into());
            }
            let (name, rust_type) = if in_query_struct(op, p) {
                (format!("query.{}", p.rust), query_field_type_text(p))
            } else {
                (p.rust.clone(), param_type_text(p))
            };
            s.push_str(&format!(
                "| `{}` | `{}` | `{}` ({place}) | {} | {} | {} |\n",
                name,
                rust_type,
                p.wire,
                cell(p.doc.as_deref().unwrap_or("")),
                if p.required { "yes" } else { "no" },
                cell(&notes.join("; "))
            ));
        }
        s.push_str(&format!(
            "\n### Return type\n\n{}\n\n",
            ty_text(&op.response, Some("models/"))
                .replace('[', "[**")
                .replace("](", "**](")
        ));
        s.push_str("### Errors\n\n| Status | Codes the service may send (`ErrorBody.code`) |\n| --- | --- |\n");
        for (status, codes) in &op.errors {
            s.push_str(&format!(
                "| {status} | {} |\n",
                codes
                    .keys()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        s.push_str("\nAll of them arrive as `billing_api::Error::Service` with the parsed [ErrorBody](models/ErrorBody.md), except a 429 or 5xx that the retry layer recovers from.\n\n");
        s.push_str("### Authorization\n\n[PureCloud OAuth](../guide/authentication-and-regions.md): client credentials");
        if !op.scopes.is_empty() {
            s.push_str(&format!(
                " (scopes: {})",
                op.scopes
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        s.push_str(".\n\n### HTTP request headers\n\n- **Content-Type**: not sent (no body)\n- **Accept**: `application/json`\n- **Authorization**: `Bearer <access token>` (added by the transport)\n");
    }
    s
}

/// The models an operation's answer reaches (itself included).
fn reached_models<'a>(api: &'a Api, root: &str) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.to_owned()];
    while let Some(name) = stack.pop() {
        let Some(model) = api.models.iter().find(|m| m.name == name) else {
            continue;
        };
        if !seen.insert(model.name.as_str()) {
            continue;
        }
        for f in &model.fields {
            let mut ty = &f.ty;
            while let Ty::Array(inner) | Ty::Map(inner) = ty {
                ty = inner;
            }
            if let Ty::Model(target) = ty {
                stack.push(target.clone());
            }
        }
    }
    seen
}

/// `docs/reference/models/<Model>.md`.
pub fn model_page(model: &Model, api: &Api) -> String {
    let mut s = format!(
        "<!-- @generated by `cargo xtask codegen` from xtask/spec/billing.swagger.json. Do not edit by hand. -->\n\n# {}\n\n",
        model.name
    );
    if let Some(d) = &model.doc {
        s.push_str(&format!("{d}\n\n"));
    }
    s.push_str(&format!(
        "Rust: `billing_models::{0}`. Build one with `{0}::default()` and the `with_*` setters; JSON fields this version does not know are kept in `unknown_fields`.\n\n\
         | Wire name | Rust field | Rust type | Wire type | Required | Read-only | Description |\n| --- | --- | --- | --- | --- | --- | --- |\n",
        model.name
    ));
    for f in &model.fields {
        let required = match (f.required, &f.ty) {
            (true, Ty::Array(_) | Ty::Map(_)) => "yes (empty when left out)",
            (true, _) => "yes",
            (false, _) => "no",
        };
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} | {} |\n",
            f.wire,
            f.rust,
            code_with_links(&field_type_text(f, Some(""))),
            wire_type(&f.ty),
            required,
            if f.read_only { "yes" } else { "no" },
            cell(f.doc.as_deref().unwrap_or(""))
        ));
    }
    for name in &model.enums {
        let Some(def) = api.enums.iter().find(|e| &e.name == name) else {
            continue;
        };
        s.push_str(&format!(
            "\n## Enum `{}`\n\nValues of {}. A value this version does not know is kept as `{}::Unknown(String)`, exactly as sent.\n\n| Wire value | Rust variant |\n| --- | --- |\n",
            def.name, def.declared_at_text(), def.name
        ));
        for (variant, wire) in &def.values {
            s.push_str(&format!("| `{wire}` | `{variant}` |\n"));
        }
    }
    // The pages whose answers reach this model; a model only errors carry (ErrorBody) is
    // every page's.
    let mut pages: Vec<&str> = tags(api)
        .into_iter()
        .filter(|tag| {
            api.operations.iter().filter(|o| o.tag == *tag).any(|o| {
                matches!(&o.response, Ty::Model(root) if reached_models(api, root).contains(model.name.as_str()))
            })
        })
        .collect();
    if pages.is_empty() {
        pages = tags(api);
    }
    let back: Vec<String> = pages
        .into_iter()
        .map(|tag| {
            let page = page_name(tag);
            format!("[Back to {page}](../{page}.md)")
        })
        .collect();
    s.push_str(&format!("\n{}\n", back.join(" · ")));
    s
}

/// `Vec<[X](X.md)>` → `` `Vec<`[`X`](X.md)`>` ``: code spans around the text, links kept.
fn code_with_links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        let end = rest[start..]
            .find(')')
            .map(|e| start + e + 1)
            .unwrap_or(rest.len());
        if start > 0 {
            out.push_str(&format!("`{}`", &rest[..start]));
        }
        let link = &rest[start..end];
        let (label, target) = link
            .trim_start_matches('[')
            .split_once("](")
            .unwrap_or((link, ""));
        out.push_str(&format!("[`{label}`]({}", target));
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        out.push_str(&format!("`{rest}`"));
    }
    out
}

/// Every reference page: (path under `docs/reference/`, contents).
pub fn reference_files(api: &Api) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = tags(api)
        .into_iter()
        .map(|tag| (format!("{}.md", page_name(tag)), api_page(api, tag)))
        .collect();
    for model in &api.models {
        files.push((format!("models/{}.md", model.name), model_page(model, api)));
    }
    files
}
