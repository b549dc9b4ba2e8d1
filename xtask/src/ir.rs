//! The generator's intermediate form: models, fields, enums and operations, lowered from the
//! typed spec. Lowering is where unsupported constructs are refused, each by its JSON pointer.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use crate::names::{pascal_case, snake_case, variant_name};
use crate::spec::{AdditionalProperties, Json, Parameter, Schema, Spec, pointer_segment};

/// Everything the emitters need, in spec order.
#[derive(Debug)]
pub struct Api {
    /// One per definition.
    pub models: Vec<Model>,
    /// String enums, named after the model (or operation) and field that declare them; model
    /// fields with the same wire name and value list share one.
    pub enums: Vec<EnumDef>,
    /// One per operation.
    pub operations: Vec<OperationIr>,
}

/// A wire model (a Swagger definition).
#[derive(Debug)]
pub struct Model {
    /// Rust and wire name.
    pub name: String,
    /// The definition's description.
    pub doc: Option<String>,
    /// Fields in spec order.
    pub fields: Vec<Field>,
    /// Enums declared inline by this model's fields (shared ones included).
    pub enums: Vec<String>,
}

/// One property of a model.
#[derive(Debug)]
pub struct Field {
    /// JSON key.
    pub wire: String,
    /// snake_case Rust name (without `r#`).
    pub rust: String,
    /// The property's description.
    pub doc: Option<String>,
    /// The type.
    pub ty: Ty,
    /// In the definition's `required` list.
    pub required: bool,
    /// `readOnly: true`.
    pub read_only: bool,
    /// Boxed because the referenced model contains this one directly.
    pub boxed: bool,
}

/// A field or parameter type.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `string`
    String,
    /// `integer` / `int32`
    I32,
    /// `integer` / `int64` (and plain `integer`)
    I64,
    /// `number` / `float`: an exact decimal all the same, read from the JSON literal.
    Float,
    /// `number` / `double` (and plain `number`): an exact decimal, read from the JSON literal.
    Double,
    /// `boolean`
    Bool,
    /// `string` / `date-time`
    DateTime,
    /// `string` / `date`
    Date,
    /// An object of any shape.
    Any,
    /// `array`
    Array(Box<Ty>),
    /// `object` with `additionalProperties`
    Map(Box<Ty>),
    /// `$ref` to a definition
    Model(String),
    /// A string enum (by generated name)
    Enum(String),
}

/// A string enum.
#[derive(Debug)]
pub struct EnumDef {
    /// Rust name.
    pub name: String,
    /// The declaring property's description.
    pub doc: Option<String>,
    /// Where it was declared, for docs: `Model.wireField`, one per field sharing the type.
    pub declared_at: Vec<String>,
    /// The model (or operation) whose module defines the type.
    pub owner: String,
    /// `(variant, wire value)` in spec order.
    pub values: Vec<(String, String)>,
}

impl EnumDef {
    /// The declaring fields as Markdown: `` `A.x` ``, or `` `A.x`, `B.x` and `C.x` ``.
    pub fn declared_at_text(&self) -> String {
        let spans: Vec<String> = self.declared_at.iter().map(|d| format!("`{d}`")).collect();
        match spans.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => spans.concat(),
        }
    }
}

/// One operation.
#[derive(Debug)]
pub struct OperationIr {
    /// The spec's operation id (camelCase).
    pub id: String,
    /// snake_case method name.
    pub fn_name: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Parameters, path parameters first, then in spec order.
    pub params: Vec<ParamIr>,
    /// The 200 response type.
    pub response: Ty,
    /// Error statuses with the codes the server may send.
    pub errors: BTreeMap<u16, IndexMap<String, String>>,
    /// OAuth scopes.
    pub scopes: Vec<String>,
    /// Permissions (any of).
    pub permissions: Vec<String>,
    /// The first tag (the API area, e.g. `Billing`), which names its reference page.
    pub tag: String,
    /// `x-genesys-preview: true`: the vendor may change the operation without notice.
    pub preview: bool,
}

impl OperationIr {
    /// The optional query parameters, when there are more than two of them: the method then
    /// takes them in one generated struct (see [`OperationIr::query_struct_name`]) rather than
    /// as a row of `None`s.
    pub fn query_struct_params(&self) -> Option<Vec<&ParamIr>> {
        let optional: Vec<&ParamIr> = self
            .params
            .iter()
            .filter(|p| p.location == Location::Query && !p.required)
            .collect();
        (optional.len() > 2).then_some(optional)
    }

    /// `getBillingContracts` → `GetBillingContractsQuery`.
    pub fn query_struct_name(&self) -> String {
        format!("{}Query", pascal_case(&self.id))
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
}

/// One operation parameter.
#[derive(Debug)]
pub struct ParamIr {
    /// Wire name.
    pub wire: String,
    /// snake_case Rust name.
    pub rust: String,
    /// Where it goes.
    pub location: Location,
    /// Must be sent.
    pub required: bool,
    /// Its type.
    pub ty: Ty,
    /// The server's default, as JSON text.
    pub default: Option<String>,
    /// Description.
    pub doc: Option<String>,
}

/// Keys that change nothing about the generated code.
const HARMLESS: &[&str] = &[
    "title",
    "example",
    "default",
    "uniqueItems",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
];

/// Type names the generated code uses unqualified; a definition may not take them.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Default",
    "Map",
    "Value",
    "DateTime",
    "Utc",
    "NaiveDate",
    "Decimal",
    "Self",
    "Deserialize",
    "Serialize",
    "Deserializer",
    "Serializer",
    "Into",
    "From",
];

fn check_other(
    other: &IndexMap<String, Json>,
    pointer: &str,
    allowed: &[&str],
) -> Result<(), String> {
    for key in other.keys() {
        if key.starts_with("x-")
            || HARMLESS.contains(&key.as_str())
            || allowed.contains(&key.as_str())
        {
            continue;
        }
        return Err(format!(
            "{pointer}/{}: unsupported keyword `{key}`",
            pointer_segment(key)
        ));
    }
    Ok(())
}

struct Lowering<'a> {
    spec: &'a Spec,
    enums: Vec<EnumDef>,
    enum_names: BTreeSet<String>,
    field_enums: Vec<FieldEnum>,
}

/// An enum declared inline by a model field, before sharing.
struct FieldEnum {
    model: String,
    wire: String,
    /// The per-field name: model name, field name, then `Item`/`Value` for collections.
    name: String,
    pointer: String,
}

/// Lowers a spec to the IR, or names the first construct it cannot handle.
pub fn lower(spec: &Spec) -> Result<Api, String> {
    check_other(
        &spec.other,
        "",
        &[
            "info",
            "host",
            "basePath",
            "schemes",
            "consumes",
            "produces",
            "securityDefinitions",
            "security",
            "tags",
            "externalDocs",
            "parameters",
            "responses",
        ],
    )?;
    let mut l = Lowering {
        spec,
        enums: Vec::new(),
        enum_names: BTreeSet::new(),
        field_enums: Vec::new(),
    };
    let mut models = Vec::new();
    for (name, schema) in &spec.definitions {
        models.push(l.model(name, schema)?);
    }
    mark_boxed(&mut models);
    share_field_enums(spec, &mut models, &mut l.enums, &l.field_enums)?;
    let mut operations = Vec::new();
    for (path, item) in &spec.paths {
        let pointer = format!("/paths/{}", pointer_segment(path));
        check_other(&item.other, &pointer, &[])?;
        if let Some(op) = &item.get {
            operations.push(l.operation(path, "GET", op, &format!("{pointer}/get"))?);
        }
    }
    let mut seen = BTreeSet::new();
    for op in &operations {
        if !seen.insert(op.fn_name.clone()) {
            return Err(format!(
                "operation `{}`: two operations map to the method name `{}`",
                op.id, op.fn_name
            ));
        }
    }
    Ok(Api {
        models,
        enums: l.enums,
        operations,
    })
}

impl Lowering<'_> {
    fn model(&mut self, name: &str, schema: &Schema) -> Result<Model, String> {
        let pointer = format!("/definitions/{}", pointer_segment(name));
        if pascal_case(name) != name || RESERVED_TYPE_NAMES.contains(&name) {
            return Err(format!(
                "{pointer}: definition name `{name}` is not a usable Rust type name"
            ));
        }
        check_other(&schema.other, &pointer, &[])?;
        if schema.reference.is_some() || schema.items.is_some() || schema.enum_values.is_some() {
            return Err(format!("{pointer}: only object definitions are supported"));
        }
        match schema.ty.as_deref() {
            None | Some("object") => {}
            Some(other) => {
                return Err(format!(
                    "{pointer}/type: definitions of type `{other}` are not supported"
                ));
            }
        }
        if schema.additional_properties.is_some() {
            return Err(format!(
                "{pointer}/additionalProperties: not supported on a definition"
            ));
        }
        let empty = IndexMap::new();
        let properties = schema.properties.as_ref().unwrap_or(&empty);
        for required in &schema.required {
            if !properties.contains_key(required) {
                return Err(format!(
                    "{pointer}/required: `{required}` is not a property"
                ));
            }
        }
        let mut fields = Vec::new();
        let mut enums = Vec::new();
        let mut rust_names = BTreeSet::new();
        for (wire, prop) in properties {
            let fp = format!("{pointer}/properties/{}", pointer_segment(wire));
            let rust = snake_case(wire);
            if rust.is_empty() || rust == "unknown_fields" || !rust_names.insert(rust.clone()) {
                return Err(format!(
                    "{fp}: property name maps to an unusable or duplicate Rust name `{rust}`"
                ));
            }
            let enum_name = format!("{name}{}", pascal_case(wire));
            let ty = self.ty(prop, &fp, &enum_name)?;
            let first_new = enums.len();
            collect_enums(&ty, &mut enums);
            for declared in &enums[first_new..] {
                self.field_enums.push(FieldEnum {
                    model: name.to_owned(),
                    wire: wire.clone(),
                    name: declared.clone(),
                    pointer: fp.clone(),
                });
            }
            fields.push(Field {
                wire: wire.clone(),
                rust,
                doc: prop.description.clone(),
                ty,
                required: schema.required.contains(wire),
                read_only: prop.read_only,
                boxed: false,
            });
        }
        Ok(Model {
            name: name.to_owned(),
            doc: schema.description.clone(),
            fields,
            enums,
        })
    }

    fn ty(&mut self, schema: &Schema, pointer: &str, enum_name: &str) -> Result<Ty, String> {
        if let Some(reference) = &schema.reference {
            check_other(&schema.other, pointer, &[])?;
            let target = reference.strip_prefix("#/definitions/").ok_or_else(|| {
                format!("{pointer}/$ref: only local `#/definitions/…` references are supported")
            })?;
            if !self.spec.definitions.contains_key(target) {
                return Err(format!("{pointer}/$ref: `{reference}` does not exist"));
            }
            return Ok(Ty::Model(target.to_owned()));
        }
        check_other(&schema.other, pointer, &[])?;
        if schema.properties.is_some() {
            return Err(format!(
                "{pointer}/properties: inline object types are not supported; move it to a definition"
            ));
        }
        let ty = schema
            .ty
            .as_deref()
            .ok_or_else(|| format!("{pointer}: a schema needs `type` or `$ref`"))?;
        if schema.enum_values.is_some() && ty != "string" {
            return Err(format!("{pointer}/enum: only string enums are supported"));
        }
        let format = schema.format.as_deref();
        match (ty, format) {
            ("string", _) if schema.enum_values.is_some() => {
                let values = schema.enum_values.as_deref().unwrap_or_default();
                self.enum_def(enum_name, values, schema.description.clone(), pointer)
            }
            ("string", Some("date-time")) => Ok(Ty::DateTime),
            ("string", Some("date")) => Ok(Ty::Date),
            ("string", Some("byte" | "binary")) => Err(format!(
                "{pointer}/format: `{}` is not supported",
                format.unwrap_or_default()
            )),
            ("string", _) => Ok(Ty::String),
            ("integer", Some("int32")) => Ok(Ty::I32),
            ("integer", Some("int64") | None) => Ok(Ty::I64),
            ("number", Some("float")) => Ok(Ty::Float),
            ("number", Some("double") | None) => Ok(Ty::Double),
            ("boolean", _) => Ok(Ty::Bool),
            ("array", _) => {
                let items = schema
                    .items
                    .as_deref()
                    .ok_or_else(|| format!("{pointer}: an array needs `items`"))?;
                let inner = self.ty(
                    items,
                    &format!("{pointer}/items"),
                    &format!("{enum_name}Item"),
                )?;
                scalar_only_as_property(&inner, &format!("{pointer}/items"))?;
                Ok(Ty::Array(Box::new(inner)))
            }
            ("object", _) => match &schema.additional_properties {
                None | Some(AdditionalProperties::Bool(true)) => Ok(Ty::Map(Box::new(Ty::Any))),
                Some(AdditionalProperties::Bool(false)) => Err(format!(
                    "{pointer}: an object without properties must allow additionalProperties"
                )),
                Some(AdditionalProperties::Schema(values)) => {
                    let inner = self.ty(
                        values,
                        &format!("{pointer}/additionalProperties"),
                        &format!("{enum_name}Value"),
                    )?;
                    scalar_only_as_property(&inner, &format!("{pointer}/additionalProperties"))?;
                    Ok(Ty::Map(Box::new(inner)))
                }
            },
            (other, f) => Err(format!(
                "{pointer}/type: type `{other}`{} is not supported",
                f.map(|f| format!(" with format `{f}`")).unwrap_or_default()
            )),
        }
    }

    fn enum_def(
        &mut self,
        name: &str,
        values: &[Json],
        doc: Option<String>,
        pointer: &str,
    ) -> Result<Ty, String> {
        if self.spec.definitions.contains_key(name) || !self.enum_names.insert(name.to_owned()) {
            return Err(format!(
                "{pointer}/enum: the generated name `{name}` is already taken"
            ));
        }
        let mut variants = BTreeSet::new();
        let mut out = Vec::new();
        for (i, value) in values.iter().enumerate() {
            let Json::String(wire) = value else {
                return Err(format!("{pointer}/enum/{i}: enum values must be strings"));
            };
            let mut variant = variant_name(wire);
            // `Unknown(String)` holds the values this version does not know; a wire value
            // spelled `Unknown` (Organization.productPlatform has one) gets a variant of its own.
            if variant == "Unknown" {
                variant = "UnknownValue".to_owned();
            }
            if !variants.insert(variant.clone()) {
                return Err(format!(
                    "{pointer}/enum/{i}: `{wire}` maps to the variant `{variant}`, which is taken"
                ));
            }
            out.push((variant, wire.clone()));
        }
        if out.is_empty() {
            return Err(format!("{pointer}/enum: an enum needs at least one value"));
        }
        let declared_at = pointer.rsplit("/properties/").collect::<Vec<_>>();
        let (owner, declared_at) = match declared_at.as_slice() {
            [field, def, ..] => {
                let def = def.trim_start_matches("/definitions/");
                (def.to_owned(), format!("{def}.{field}"))
            }
            _ => (String::new(), pointer.to_owned()),
        };
        self.enums.push(EnumDef {
            name: name.to_owned(),
            doc,
            declared_at: vec![declared_at],
            owner,
            values: out,
        });
        Ok(Ty::Enum(name.to_owned()))
    }

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &crate::spec::Operation,
        pointer: &str,
    ) -> Result<OperationIr, String> {
        check_other(
            &op.other,
            pointer,
            &["produces", "consumes", "security", "deprecated"],
        )?;
        let fn_name = snake_case(&op.operation_id);
        let mut params = Vec::new();
        for (i, p) in op.parameters.iter().enumerate() {
            params.push(self.param(op, p, &format!("{pointer}/parameters/{i}"))?);
        }
        // Every `{name}` in the template must be a path parameter, and the other way round.
        let mut template_names = BTreeSet::new();
        for piece in path.split('{').skip(1) {
            let name = piece.split('}').next().unwrap_or_default();
            template_names.insert(name.to_owned());
        }
        let path_params: BTreeSet<String> = params
            .iter()
            .filter(|p| p.location == Location::Path)
            .map(|p| p.wire.clone())
            .collect();
        if template_names != path_params {
            return Err(format!(
                "{pointer}/parameters: path parameters {path_params:?} do not match the template `{path}`"
            ));
        }
        params.sort_by_key(|p| p.location != Location::Path);
        let ok = op
            .responses
            .get("200")
            .ok_or_else(|| format!("{pointer}/responses: no 200 response"))?;
        let schema = ok
            .schema
            .as_ref()
            .ok_or_else(|| format!("{pointer}/responses/200: no schema"))?;
        let response = self.ty(schema, &format!("{pointer}/responses/200/schema"), "")?;
        if !matches!(response, Ty::Model(_)) {
            return Err(format!(
                "{pointer}/responses/200/schema: only a `$ref` to a definition is supported"
            ));
        }
        let mut errors = BTreeMap::new();
        for (status, response) in &op.responses {
            let rp = format!("{pointer}/responses/{status}");
            let code: u16 = status
                .parse()
                .map_err(|_| format!("{rp}: status must be a number"))?;
            check_other(&response.other, &rp, &[])?;
            if code >= 400 {
                errors.insert(code, response.error_codes.clone());
            }
        }
        let mut scopes = Vec::new();
        if let Some(Json::Array(requirements)) = op.other.get("security") {
            for requirement in requirements {
                if let Json::Object(schemes) = requirement {
                    for list in schemes.values() {
                        if let Json::Array(items) = list {
                            scopes.extend(items.iter().filter_map(|s| {
                                if let Json::String(s) = s {
                                    Some(s.clone())
                                } else {
                                    None
                                }
                            }));
                        }
                    }
                }
            }
        }
        let mut permissions = Vec::new();
        if let Some(Json::Object(req)) = op.other.get("x-inin-requires-permissions")
            && let Some(Json::Array(items)) = req.get("permissions")
        {
            permissions.extend(items.iter().filter_map(|s| {
                if let Json::String(s) = s {
                    Some(s.clone())
                } else {
                    None
                }
            }));
        }
        let tag =
            op.tags.first().cloned().ok_or_else(|| {
                format!("{pointer}/tags: an operation needs a tag (its API area)")
            })?;
        let preview = match op.other.get("x-genesys-preview") {
            None => false,
            Some(Json::Bool(b)) => *b,
            Some(_) => {
                return Err(format!("{pointer}/x-genesys-preview: must be a boolean"));
            }
        };
        Ok(OperationIr {
            id: op.operation_id.clone(),
            fn_name,
            method: method.to_owned(),
            path: path.to_owned(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            params,
            response,
            errors,
            scopes,
            permissions,
            tag,
            preview,
        })
    }

    fn param(
        &mut self,
        op: &crate::spec::Operation,
        p: &Parameter,
        pointer: &str,
    ) -> Result<ParamIr, String> {
        let location = match p.location.as_str() {
            "path" => Location::Path,
            "query" => Location::Query,
            other => {
                return Err(format!(
                    "{pointer}/in: `{other}` parameters are not supported"
                ));
            }
        };
        check_other(&p.other, pointer, &[])?;
        if location == Location::Path && !p.required {
            return Err(format!(
                "{pointer}/required: a path parameter must be required"
            ));
        }
        let schema = Schema {
            reference: None,
            ty: p.ty.clone(),
            format: p.format.clone(),
            description: p.description.clone(),
            enum_values: p.enum_values.clone(),
            required: Vec::new(),
            properties: None,
            items: None,
            additional_properties: None,
            read_only: false,
            other: IndexMap::new(),
        };
        let enum_name = format!("{}{}", pascal_case(&op.operation_id), pascal_case(&p.name));
        let ty = self.ty(&schema, pointer, &enum_name)?;
        if let Ty::Enum(name) = &ty
            && let Some(def) = self.enums.iter_mut().find(|e| &e.name == name)
        {
            def.declared_at = vec![format!("{}.{}", op.operation_id, p.name)];
            def.owner.clone_from(&op.operation_id);
        }
        if matches!(ty, Ty::Array(_) | Ty::Map(_) | Ty::Any | Ty::Model(_)) {
            return Err(format!(
                "{pointer}/type: only scalar parameters are supported"
            ));
        }
        let default = p
            .default
            .as_ref()
            .map(|d| serde_json::to_string(d).unwrap_or_default());
        Ok(ParamIr {
            wire: p.name.clone(),
            rust: snake_case(&p.name),
            location,
            required: p.required,
            ty,
            default,
            doc: p.description.clone(),
        })
    }
}

/// Gives inline enums declared on model fields with the same wire name and the same values (in
/// the same order) one type, so a value read from one model compares with another's. The type is
/// named by the longest common prefix of the declaring models' names that ends at a word
/// boundary, then the field's name (`BillingPlanItem`, `BillingWallet` → `BillingUnitOfMeasure`),
/// and lives in the first declaring model's module. An enum only one field declares, or one whose
/// models share no leading word (`OrgUser`, `Organization`: a bare `State` would say nothing),
/// keeps its per-field names.
fn share_field_enums(
    spec: &Spec,
    models: &mut [Model],
    enums: &mut Vec<EnumDef>,
    field_enums: &[FieldEnum],
) -> Result<(), String> {
    let values_of = |name: &str| -> Vec<String> {
        enums
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.values.iter().map(|(_, w)| w.clone()).collect())
            .unwrap_or_default()
    };
    // (wire name, what follows the model name in the per-field name, values) → declarations.
    let mut groups: IndexMap<(String, String, Vec<String>), Vec<&FieldEnum>> = IndexMap::new();
    for fe in field_enums {
        let rest = fe
            .name
            .strip_prefix(&fe.model)
            .unwrap_or(&fe.name)
            .to_owned();
        groups
            .entry((fe.wire.clone(), rest, values_of(&fe.name)))
            .or_default()
            .push(fe);
    }
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for ((_, rest, _), members) in &groups {
        if members.len() < 2 {
            continue;
        }
        let names: Vec<&str> = members.iter().map(|m| m.model.as_str()).collect();
        let prefix = common_word_prefix(&names);
        if prefix.is_empty() {
            continue;
        }
        let shared = format!("{prefix}{rest}");
        let pointer = &members[0].pointer;
        let taken_by_other = enums
            .iter()
            .any(|e| e.name == shared && !members.iter().any(|m| m.name == e.name));
        if spec.definitions.contains_key(&shared)
            || RESERVED_TYPE_NAMES.contains(&shared.as_str())
            || taken_by_other
            || renames.values().any(|n| *n == shared)
        {
            return Err(format!(
                "{pointer}/enum: the shared name `{shared}` of the enum declared by {} is already taken",
                names.join(", ")
            ));
        }
        let mut declared_at = Vec::new();
        let mut docs = BTreeSet::new();
        for member in members {
            renames.insert(member.name.clone(), shared.clone());
            if let Some(def) = enums.iter().find(|e| e.name == member.name) {
                declared_at.extend(def.declared_at.iter().cloned());
                docs.insert(def.doc.clone());
            }
        }
        // The first declaration stands for the group; the others go.
        let first = &members[0].name;
        enums.retain(|e| e.name == *first || !members.iter().any(|m| m.name == e.name));
        if let Some(def) = enums.iter_mut().find(|e| e.name == *first) {
            def.name.clone_from(&shared);
            def.declared_at = declared_at;
            // A description written for one field would mislead on the others.
            if docs.len() > 1 {
                def.doc = None;
            }
        }
    }
    if renames.is_empty() {
        return Ok(());
    }
    for model in models.iter_mut() {
        for name in &mut model.enums {
            if let Some(shared) = renames.get(name) {
                name.clone_from(shared);
            }
        }
        for field in &mut model.fields {
            rename_enum(&mut field.ty, &renames);
        }
    }
    Ok(())
}

fn rename_enum(ty: &mut Ty, renames: &BTreeMap<String, String>) {
    match ty {
        Ty::Enum(name) => {
            if let Some(shared) = renames.get(name) {
                name.clone_from(shared);
            }
        }
        Ty::Array(inner) | Ty::Map(inner) => rename_enum(inner, renames),
        _ => {}
    }
}

/// The longest common prefix of PascalCase names that ends where a word ends in each of them:
/// `BillingPlanItem`, `BillingProduct` → `Billing` (not `BillingP`); `OrgUser`, `Organization` → ``.
pub fn common_word_prefix(names: &[&str]) -> String {
    let Some((first, others)) = names.split_first() else {
        return String::new();
    };
    let mut len = others.iter().fold(first.len(), |len, other| {
        first
            .bytes()
            .zip(other.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count()
    });
    let ends_word = |name: &str, at: usize| {
        at == name.len() || name.as_bytes().get(at).is_some_and(u8::is_ascii_uppercase)
    };
    while len > 0 && !names.iter().all(|n| ends_word(n, len)) {
        len -= 1;
    }
    first[..len].to_owned()
}

fn collect_enums(ty: &Ty, out: &mut Vec<String>) {
    match ty {
        Ty::Enum(name) => out.push(name.clone()),
        Ty::Array(inner) | Ty::Map(inner) => collect_enums(inner, out),
        _ => {}
    }
}

/// Dates, date-times and numbers have a wire form of their own (see `wire` in the models
/// crate), which the generated code applies to properties only.
fn scalar_only_as_property(ty: &Ty, pointer: &str) -> Result<(), String> {
    match ty {
        Ty::DateTime | Ty::Date | Ty::Float | Ty::Double => Err(format!(
            "{pointer}: date, date-time and number values are supported as properties only, not inside arrays or maps"
        )),
        _ => Ok(()),
    }
}

/// Boxes each direct (non-collection) model field whose target contains the model again.
fn mark_boxed(models: &mut [Model]) {
    let direct: BTreeMap<String, Vec<String>> = models
        .iter()
        .map(|m| {
            (
                m.name.clone(),
                m.fields
                    .iter()
                    .filter_map(|f| {
                        if let Ty::Model(t) = &f.ty {
                            Some(t.clone())
                        } else {
                            None
                        }
                    })
                    .collect(),
            )
        })
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(direct.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    for model in models.iter_mut() {
        for field in &mut model.fields {
            if let Ty::Model(target) = &field.ty {
                field.boxed = reaches(target, &model.name);
            }
        }
    }
}
