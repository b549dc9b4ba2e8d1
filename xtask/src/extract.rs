//! `cargo xtask spec-extract --from FULL.json`: cuts the Billing part out of the full Genesys
//! Cloud Platform API swagger: every path operation tagged `Billing` and everything it
//! references, transitively (cycles such as `ErrorBody.errors` included once).

use std::collections::BTreeSet;

use indexmap::IndexMap;

use crate::spec::Json;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "options", "head"];

/// Extracts the operations tagged `tag` from a full document (as JSON text) into a smaller
/// document, pretty-printed, keys in the source's order.
pub fn extract(full: &str, tag: &str) -> Result<String, String> {
    let root: Json = serde_json::from_str(full).map_err(|e| format!("input: {e}"))?;
    let Json::Object(root) = root else {
        return Err("input: the document is not a JSON object".into());
    };
    let Some(Json::Object(paths)) = root.get("paths") else {
        return Err("input: no `paths` object".into());
    };

    let mut kept_paths = IndexMap::new();
    for (path, item) in paths {
        let Json::Object(item) = item else { continue };
        let mut kept = IndexMap::new();
        for (key, value) in item {
            let is_method = METHODS.contains(&key.as_str());
            if !is_method || has_tag(value, tag) {
                kept.insert(key.clone(), value.clone());
            }
        }
        if kept.keys().any(|k| METHODS.contains(&k.as_str())) {
            kept_paths.insert(path.clone(), Json::Object(kept));
        }
    }
    if kept_paths.is_empty() {
        return Err(format!("input: no operation is tagged `{tag}`"));
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
                Json::Array(tags.iter().filter(|t| matches!(t, Json::Object(o) if o.get("name") == Some(&Json::String(tag.to_owned())))).cloned().collect())
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    let mut text = serde_json::to_string_pretty(&Json::Object(out)).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

fn has_tag(operation: &Json, tag: &str) -> bool {
    let Json::Object(op) = operation else {
        return false;
    };
    matches!(op.get("tags"), Some(Json::Array(tags)) if tags.contains(&Json::String(tag.to_owned())))
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
