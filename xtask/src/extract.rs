//! `cargo xtask spec-extract --from FULL.json`: cuts the part this SDK serves out of the full
//! Genesys Cloud Platform API swagger: every path operation tagged `Billing`, the trustor
//! lookups of the Organization Authorization API, and everything they reference,
//! transitively (cycles such as `ErrorBody.errors` included once); then applies the
//! local pins that `xtask/spec/README.md` explains.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use crate::spec::Json;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "options", "head"];

/// Which operations a pinned document holds.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    /// Every operation carrying one of these tags.
    pub tags: &'a [&'a str],
    /// And these operations, whatever their tag.
    pub operation_ids: &'a [&'a str],
    /// Apply the local pins (see `xtask/spec/README.md`) after selecting.
    pub pins: bool,
}

impl<'a> Selection<'a> {
    /// The operations tagged `tag`, nothing pinned.
    pub fn tag(tag: &'a [&'a str]) -> Self {
        Selection {
            tags: tag,
            operation_ids: &[],
            pins: false,
        }
    }
}

/// What `xtask/spec/billing.swagger.json` holds.
pub const PINNED: Selection<'static> = Selection {
    tags: &["Billing"],
    operation_ids: &["getOrgauthorizationTrustors", "getOrgauthorizationTrustor"],
    pins: true,
};

/// Extracts the selected operations from a full document (as JSON text) into a smaller
/// document, pretty-printed, keys in the source's order.
pub fn extract(full: &str, selection: &Selection<'_>) -> Result<String, String> {
    let root: Json = serde_json::from_str(full).map_err(|e| format!("input: {e}"))?;
    let Json::Object(mut root) = root else {
        return Err("input: the document is not a JSON object".into());
    };
    let Some(Json::Object(paths)) = root.get("paths") else {
        return Err("input: no `paths` object".into());
    };

    let mut kept_paths = IndexMap::new();
    let mut kept_tags = BTreeSet::new();
    for (path, item) in paths {
        let Json::Object(item) = item else { continue };
        let mut kept = IndexMap::new();
        for (key, value) in item {
            let is_method = METHODS.contains(&key.as_str());
            if !is_method || is_selected(value, selection) {
                kept.insert(key.clone(), value.clone());
                if is_method
                    && let Json::Object(op) = value
                    && let Some(Json::Array(tags)) = op.get("tags")
                    && let Some(Json::String(first)) = tags.first()
                {
                    kept_tags.insert(first.clone());
                }
            }
        }
        if kept.keys().any(|k| METHODS.contains(&k.as_str())) {
            kept_paths.insert(path.clone(), Json::Object(kept));
        }
    }
    if kept_paths.is_empty() {
        return Err(format!(
            "input: no operation is tagged {:?} or has an id in {:?}",
            selection.tags, selection.operation_ids
        ));
    }
    if selection.pins {
        pins(&mut kept_paths, &mut root);
    }

    // Follow `$ref`s from the kept paths through definitions, parameters and responses.
    let mut wanted: BTreeSet<(String, String)> = BTreeSet::new();
    let mut queue: Vec<(String, String)> = Vec::new();
    for item in kept_paths.values() {
        collect_refs(item, &mut queue)?;
    }
    while let Some(target) = queue.pop() {
        if !wanted.insert(target.clone()) {
            continue;
        }
        let (section, name) = &target;
        let Some(Json::Object(entries)) = root.get(section) else {
            return Err(format!(
                "input: `#/{section}/{name}` is referenced but there is no `{section}`"
            ));
        };
        let value = entries
            .get(name)
            .ok_or_else(|| format!("input: `#/{section}/{name}` is referenced but missing"))?;
        collect_refs(value, &mut queue)?;
    }

    let mut out = IndexMap::new();
    for (key, value) in &root {
        let value = match key.as_str() {
            "paths" => Json::Object(kept_paths.clone()),
            "definitions" | "parameters" | "responses" => {
                let Json::Object(entries) = value else {
                    continue;
                };
                let kept: IndexMap<String, Json> = entries
                    .iter()
                    .filter(|(name, _)| wanted.contains(&(key.clone(), (*name).clone())))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if kept.is_empty() {
                    continue;
                }
                Json::Object(kept)
            }
            "tags" => {
                let Json::Array(tags) = value else { continue };
                Json::Array(
                    tags.iter()
                        .filter(|t| {
                            matches!(t, Json::Object(o)
                                if matches!(o.get("name"), Some(Json::String(n)) if kept_tags.contains(n)))
                        })
                        .cloned()
                        .collect(),
                )
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    let mut text = serde_json::to_string_pretty(&Json::Object(out)).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

fn is_selected(operation: &Json, selection: &Selection<'_>) -> bool {
    let Json::Object(op) = operation else {
        return false;
    };
    let tagged = matches!(op.get("tags"), Some(Json::Array(tags))
        if tags.iter().any(|t| matches!(t, Json::String(t) if selection.tags.contains(&t.as_str()))));
    let named = matches!(op.get("operationId"), Some(Json::String(id))
        if selection.operation_ids.contains(&id.as_str()));
    tagged || named
}

/// The pinned document's own title and description (the source's `version` and
/// `x-snapshot-date` are kept).
const TITLE: &str = "Genesys Cloud Platform API v2 - Billing and trustor organizations";
const DESCRIPTION: &str = "The part of the Genesys Cloud Platform API v2 (Swagger 2.0) this SDK serves: the operations tagged Billing (billable usage, trustee billing overview, and the preview contracts and invoices endpoints) and the two trustor lookups of the Organization Authorization API, with every definition they reach. Assembled from the official generated SDKs (Python purecloudplatformclientv2 269.0.0, JavaScript purecloud-platform-client-v2 262.0.0, .NET 270.0.0) and checked against per-tag splits of the public swagger (2026-07-23 and 2026-08-07). Local pins (see xtask/spec/README.md): pageSize of the cursor-paged billing operations is integer/int32; OrgUser keeps only the properties that reach no other definition; version is not required in OrgUser and Organization.";

/// The definition `Trustor.createdBy` names is cut down to these references (see
/// [`pins`]); its other properties stay readable in `unknown_fields`.
const ORG_USER_KEEPS: &[&str] = &["Organization"];

/// Local corrections to the vendor's document, each explained in `xtask/spec/README.md`:
///
/// 1. `pageSize` of the `Billing` operations is `integer`/`int32` where the SDKs type it
///    `string`: the server reads a number, and a typed page size can be checked before a
///    request is sent.
/// 2. `OrgUser` (what `Trustor.createdBy` points to) keeps only the properties that reach no
///    definition other than [`ORG_USER_KEEPS`]: the rest pulls in 39 definitions (users,
///    groups, locations, some recursive) that no part of this SDK reads. The server's full
///    object still round-trips, the dropped properties land in `unknown_fields`.
/// 3. `version` is not required in `OrgUser` and `Organization`: both arrive nested inside a
///    trustor, where nothing says the server writes it, and one missing `version` must not
///    make a whole trustor listing unreadable.
/// 4. The title and description say what the document is.
fn pins(paths: &mut IndexMap<String, Json>, root: &mut IndexMap<String, Json>) {
    for item in paths.values_mut() {
        let Json::Object(item) = item else { continue };
        for op in item.values_mut() {
            let Json::Object(op) = op else { continue };
            let billing = matches!(op.get("tags"), Some(Json::Array(tags)) if tags.contains(&Json::String("Billing".into())));
            let Some(Json::Array(params)) = op.get_mut("parameters") else {
                continue;
            };
            for param in params {
                let Json::Object(param) = param else { continue };
                let is_page_size = param.get("name") == Some(&Json::String("pageSize".into()))
                    && param.get("in") == Some(&Json::String("query".into()))
                    && param.get("type") == Some(&Json::String("string".into()));
                if billing && is_page_size {
                    param.insert("type".into(), Json::String("integer".into()));
                    param.insert("format".into(), Json::String("int32".into()));
                }
            }
        }
    }
    if let Some(Json::Object(info)) = root.get_mut("info") {
        info.insert("title".into(), Json::String(TITLE.into()));
        info.insert("description".into(), Json::String(DESCRIPTION.into()));
    }
    let Some(Json::Object(definitions)) = root.get_mut("definitions") else {
        return;
    };
    if let Some(Json::Object(org_user)) = definitions.get_mut("OrgUser")
        && let Some(Json::Object(properties)) = org_user.get_mut("properties")
    {
        properties.retain(|_, schema| {
            let mut refs = Vec::new();
            // A reference that cannot be read is kept, so extraction reports it.
            collect_refs(schema, &mut refs).is_err()
                || refs
                    .iter()
                    .all(|(_, name)| name == "OrgUser" || ORG_USER_KEEPS.contains(&name.as_str()))
        });
    }
    for name in ["OrgUser", "Organization"] {
        let Some(Json::Object(definition)) = definitions.get_mut(name) else {
            continue;
        };
        if let Some(Json::Array(required)) = definition.get_mut("required") {
            required.retain(|r| r != &Json::String("version".into()));
            if required.is_empty() {
                definition.shift_remove("required");
            }
        }
    }
}

fn collect_refs(value: &Json, out: &mut Vec<(String, String)>) -> Result<(), String> {
    match value {
        Json::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    let Json::String(r) = v else {
                        return Err("input: a `$ref` that is not a string".into());
                    };
                    let rest = r.strip_prefix("#/").ok_or_else(|| {
                        format!("input: external reference `{r}` is not supported")
                    })?;
                    let (section, name) = rest
                        .split_once('/')
                        .ok_or_else(|| format!("input: reference `{r}` has no name"))?;
                    let name = name.replace("~1", "/").replace("~0", "~");
                    out.push((section.to_owned(), name));
                } else {
                    collect_refs(v, out)?;
                }
            }
        }
        Json::Array(items) => {
            for item in items {
                collect_refs(item, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}
