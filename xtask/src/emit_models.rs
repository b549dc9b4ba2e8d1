//! Emits the `billing-models` sources: one file per model (with the enums its fields declare)
//! and a `mod.rs` that re-exports them.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Api, EnumDef, Field, Model, Ty};
use crate::names::snake_case;

/// `#[doc = …]` attributes for free text from the spec, made safe for rustdoc.
pub fn doc(text: &str) -> TokenStream {
    let lines: Vec<String> = text
        .lines()
        .map(|l| format!(" {}", escape_markdown(l.trim_end())))
        .collect();
    quote! { #( #[doc = #lines] )* }
}

/// `#[doc = …]` for text we write ourselves (already Markdown).
pub fn doc_raw(text: &str) -> TokenStream {
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!(" {l}")
            }
        })
        .collect();
    quote! { #( #[doc = #lines] )* }
}

/// Escapes what rustdoc would read as links or HTML, and makes bare URLs autolinks.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_inclusive(' ') {
        let trimmed = word.trim_end();
        if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
            out.push('<');
            out.push_str(trimmed);
            out.push('>');
            out.push_str(&word[trimmed.len()..]);
            continue;
        }
        for c in word.chars() {
            if matches!(c, '[' | ']' | '<' | '>' | '`' | '*' | '_' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// A Rust identifier for a field name, raw where it is a keyword.
pub fn field_ident(name: &str) -> Ident {
    match name {
        "self" | "Self" | "super" | "crate" => format_ident!("{}_", name),
        _ if syn::parse_str::<Ident>(name).is_ok() => Ident::new(name, Span::call_site()),
        _ => Ident::new_raw(name, Span::call_site()),
    }
}

/// `` [`name`](Self::name) ``, or plain `` `name` `` for a raw identifier (`r#type`), which an
/// intra-doc link cannot name.
pub fn field_link(name: &str, ident: &Ident) -> String {
    let ident = ident.to_string();
    if ident.starts_with("r#") {
        format!("`{name}`")
    } else {
        format!("[`{name}`](Self::{ident})")
    }
}

/// The Rust type of a value (without the `Option` of an optional field).
pub fn rust_type(ty: &Ty) -> TokenStream {
    match ty {
        Ty::String => quote!(String),
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::Float | Ty::Double => quote!(Decimal),
        Ty::Bool => quote!(bool),
        Ty::DateTime => quote!(DateTime<Utc>),
        Ty::Date => quote!(NaiveDate),
        Ty::Any => quote!(Value),
        Ty::Array(inner) => {
            let inner = rust_type(inner);
            quote!(Vec<#inner>)
        }
        Ty::Map(inner) => {
            let inner = rust_type(inner);
            quote!(BTreeMap<String, #inner>)
        }
        Ty::Model(name) | Ty::Enum(name) => {
            let ident = format_ident!("{}", name);
            quote!(#ident)
        }
    }
}

fn field_type(field: &Field) -> TokenStream {
    let mut ty = rust_type(&field.ty);
    if field.boxed {
        ty = quote!(Box<#ty>);
    }
    if field.required {
        ty
    } else {
        quote!(Option<#ty>)
    }
}

/// The `wire` newtype that reads and writes a value of this type, for the types whose wire
/// form is not their serde form: date-times (the server's form), dates (`yyyy-MM-dd`) and
/// numbers (exact, from the JSON literal).
fn wire_wrapper(ty: &Ty) -> Option<TokenStream> {
    match ty {
        Ty::DateTime => Some(quote!(wire::Timestamp)),
        Ty::Date => Some(quote!(wire::Day)),
        Ty::Float | Ty::Double => Some(quote!(wire::Number)),
        _ => None,
    }
}

/// A required array may be left out by the server (an `InProgress` report has no `usages`).
fn defaults_when_absent(field: &Field) -> bool {
    field.required && matches!(field.ty, Ty::Array(_) | Ty::Map(_))
}

fn field_doc(field: &Field) -> TokenStream {
    let mut notes = vec![format!("JSON `{}`", field.wire)];
    if defaults_when_absent(field) {
        notes.push("required (empty when the server leaves it out)".into());
    } else if field.required {
        notes.push("required".into());
    }
    if field.read_only {
        notes.push("read-only: set by the server".into());
    }
    match field.ty {
        Ty::DateTime => notes.push("written as `yyyy-MM-ddTHH:mm:ss.SSSZ`".into()),
        Ty::Date => notes.push("written as `yyyy-MM-dd`".into()),
        Ty::Float | Ty::Double => notes.push(
            "an exact decimal, read from the JSON number's literal text and written back with the same value"
                .into(),
        ),
        _ => {}
    }
    let spec_doc = field.doc.as_deref().map(doc).unwrap_or_default();
    let separator = if field.doc.is_some() {
        doc_raw("\n")
    } else {
        TokenStream::new()
    };
    let notes = doc_raw(&format!("{}.", notes.join("; ")));
    quote! { #spec_doc #separator #notes }
}

fn model_file(model: &Model, api: &Api) -> TokenStream {
    let name = format_ident!("{}", model.name);
    let visitor = format_ident!("{}Visitor", model.name);
    let wire_name = &model.name;
    let model_doc = match &model.doc {
        Some(d) => {
            let d = doc(d);
            let tail = doc_raw(&format!(
                "\nThe `{wire_name}` model of the Genesys Cloud Platform API."
            ));
            quote! { #d #tail }
        }
        None => doc_raw(&format!(
            "The `{wire_name}` model of the Genesys Cloud Platform API."
        )),
    };
    let build_note = doc_raw(
        "\nBuild one with `Default` and the `with_*` setters; fields the server sends that this\n\
         version does not know are kept in `unknown_fields` and written back on serialization.",
    );

    let idents: Vec<Ident> = model.fields.iter().map(|f| field_ident(&f.rust)).collect();
    let types: Vec<TokenStream> = model.fields.iter().map(field_type).collect();
    let docs: Vec<TokenStream> = model.fields.iter().map(field_doc).collect();

    let setters = model.fields.iter().zip(&idents).map(|(f, ident)| {
        let setter = format_ident!("with_{}", f.rust.trim_start_matches("r#"));
        let value_ty = rust_type(&f.ty);
        let accepts_into = matches!(f.ty, Ty::String | Ty::Model(_) | Ty::Enum(_));
        let (param_ty, mut value) = if accepts_into {
            (quote!(impl Into<#value_ty>), quote!(value.into()))
        } else {
            (value_ty, quote!(value))
        };
        if f.boxed {
            value = quote!(Box::new(#value));
        }
        if !f.required {
            value = quote!(Some(#value));
        }
        let setter_doc = doc_raw(&format!(
            "Sets {} (JSON `{}`).",
            field_link(&f.rust, ident),
            f.wire
        ));
        quote! {
            #setter_doc
            #[must_use]
            pub fn #setter(mut self, value: #param_ty) -> Self {
                self.#ident = #value;
                self
            }
        }
    });

    // Deserialization: one slot per field, filled from the map, then checked.
    let slots = model.fields.iter().zip(&idents).map(|(f, ident)| {
        let slot = format_ident!("{}", format!("f_{}", f.rust.trim_start_matches("r#")));
        let _ = ident;
        let ty = match (wire_wrapper(&f.ty), f.boxed) {
            (Some(wrapper), _) => wrapper,
            (None, true) => {
                let t = rust_type(&f.ty);
                quote!(Box<#t>)
            }
            (None, false) => rust_type(&f.ty),
        };
        quote! { let mut #slot: Option<Option<#ty>> = None; }
    });
    let arms = model.fields.iter().map(|f| {
        let slot = format_ident!("{}", format!("f_{}", f.rust.trim_start_matches("r#")));
        let wire = &f.wire;
        let key = proc_macro2::Literal::byte_string(wire.as_bytes());
        quote! {
            #key => wire::fill(&mut #slot, &mut map, #wire)?,
        }
    });
    let finish = model.fields.iter().zip(&idents).map(|(f, ident)| {
        let slot = format_ident!("{}", format!("f_{}", f.rust.trim_start_matches("r#")));
        let wire = &f.wire;
        let unwrap_ts = if wire_wrapper(&f.ty).is_some() { quote!(.map(|t| t.0)) } else { TokenStream::new() };
        if defaults_when_absent(f) {
            quote! { #ident: #slot.flatten().unwrap_or_default() }
        } else if f.required {
            quote! { #ident: #slot.flatten() #unwrap_ts .ok_or_else(|| de::Error::missing_field(#wire))? }
        } else {
            quote! { #ident: #slot.flatten() #unwrap_ts }
        }
    });
    let serialize_fields = model.fields.iter().zip(&idents).map(|(f, ident)| {
        let wire = &f.wire;
        let value = match wire_wrapper(&f.ty) {
            Some(wrapper) => quote!(&#wrapper(*value)),
            None => quote!(value),
        };
        if f.required {
            quote! { let value = &self.#ident; map.serialize_entry(#wire, #value)?; }
        } else {
            quote! { if let Some(value) = &self.#ident { map.serialize_entry(#wire, #value)?; } }
        }
    });
    let expecting = format!("a {} object", model.name);

    let enums = owned_enums(model, api).map(|def| enum_tokens(def, true));

    quote! {
        #model_doc
        #build_note
        #[derive(Debug, Clone, PartialEq, Default)]
        #[non_exhaustive]
        pub struct #name {
            #( #docs pub #idents: #types, )*
            /// JSON fields this version does not know, kept as sent.
            pub unknown_fields: Map<String, Value>,
        }

        impl #name {
            #( #setters )*
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_map(#visitor)
            }
        }

        struct #visitor;

        impl<'de> de::Visitor<'de> for #visitor {
            type Value = #name;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(#expecting)
            }

            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                #( #slots )*
                let mut unknown_fields = Map::new();
                while let Some(key) = map.next_key::<wire::Key<'de>>()? {
                    match key.as_bytes() {
                        #( #arms )*
                        _ => {
                            unknown_fields.insert(key.into_string()?, map.next_value()?);
                        }
                    }
                }
                Ok(#name {
                    #( #finish, )*
                    unknown_fields,
                })
            }
        }

        impl Serialize for #name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(None)?;
                #( #serialize_fields )*
                for (key, value) in &self.unknown_fields {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }

        #( #enums )*
    }
}

/// A string enum with its conversions; `with_serde` adds the serde impls (model enums have
/// them, query enums only need their wire text).
pub fn enum_tokens(def: &EnumDef, with_serde: bool) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let variants: Vec<Ident> = def
        .values
        .iter()
        .map(|(v, _)| format_ident!("{}", v))
        .collect();
    let wires: Vec<&String> = def.values.iter().map(|(_, w)| w).collect();
    let variant_docs: Vec<TokenStream> = wires.iter().map(|w| doc_raw(&format!("`{w}`"))).collect();
    let first = &variants[0];
    let rest = &variants[1..];
    let rest_docs = &variant_docs[1..];
    let first_doc = &variant_docs[0];
    let head = match &def.doc {
        Some(d) => {
            let d = doc(d);
            quote! { #d #[doc = ""] }
        }
        None => TokenStream::new(),
    };
    let about = if with_serde {
        doc_raw(&format!(
            "Values of {}. A value this version does not know is kept as [`{}::Unknown`], so it\n\
             survives a parse → serialize round trip unchanged.",
            def.declared_at_text(),
            def.name
        ))
    } else {
        doc_raw(&format!(
            "Values of the query parameter {}. [`{}::Unknown`] sends a value this version does\n\
             not know, as given.",
            def.declared_at_text(),
            def.name
        ))
    };
    let unknown_doc = if with_serde {
        doc_raw("A value this version does not know, exactly as the server sent it.")
    } else {
        doc_raw("Any other value, sent exactly as given.")
    };
    let serde = if with_serde {
        quote! {
            impl Serialize for #name {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl<'de> Deserialize<'de> for #name {
                fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    deserializer.deserialize_str(wire::EnumVisitor::<Self>::new())
                }
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        #head
        #about
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub enum #name {
            #first_doc
            #[default]
            #first,
            #( #rest_docs #rest, )*
            #unknown_doc
            Unknown(String),
        }

        impl #name {
            /// The values this version knows, in the order the spec lists them.
            pub const KNOWN: &'static [&'static str] = &[ #( #wires ),* ];

            /// The value as written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #wires, )*
                    Self::Unknown(value) => value,
                }
            }

            /// Whether this is a value this version does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #wires => Self::#variants, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(value),
                    known => known,
                }
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl fmt::Display for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #serde
    }
}

/// The header every generated file starts with.
pub fn header(spec_path: &str) -> String {
    format!(
        "// @generated by `cargo xtask codegen` from {spec_path}.\n// Do not edit by hand: change the spec or the generator, then run `cargo xtask codegen`.\n\n"
    )
}

/// The enums this model's module defines: those its fields declare, less the shared ones
/// another model's module defines.
fn owned_enums<'a>(model: &'a Model, api: &'a Api) -> impl Iterator<Item = &'a EnumDef> {
    api.enums
        .iter()
        .filter(move |def| def.owner == model.name && model.enums.contains(&def.name))
}

fn uses_of(model: &Model, api: &Api) -> TokenStream {
    let mut uses = vec![
        quote!(
            use std::fmt;
        ),
        quote!(
            use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
        ),
        quote!(
            use serde::ser::SerializeMap;
        ),
        quote!(
            use serde_json::{Map, Value};
        ),
    ];
    let all: Vec<&Ty> = model.fields.iter().map(|f| &f.ty).collect();
    let mentions = |pred: &dyn Fn(&Ty) -> bool| all.iter().any(|t| contains(t, pred));
    if mentions(&|t| *t == Ty::DateTime) {
        uses.push(quote!(
            use chrono::{DateTime, Utc};
        ));
    }
    if mentions(&|t| matches!(t, Ty::Map(_))) {
        uses.push(quote!(
            use std::collections::BTreeMap;
        ));
    }
    if mentions(&|t| *t == Ty::Date) {
        uses.push(quote!(
            use chrono::NaiveDate;
        ));
    }
    if mentions(&|t| matches!(t, Ty::Float | Ty::Double)) {
        uses.push(quote!(
            use rust_decimal::Decimal;
        ));
    }
    let mut models: Vec<String> = Vec::new();
    for t in &all {
        collect_models(t, &mut models);
    }
    models.retain(|m| m != &model.name);
    models.extend(
        model
            .enums
            .iter()
            .filter(|e| !owned_enums(model, api).any(|def| &def.name == *e))
            .cloned(),
    );
    models.sort();
    models.dedup();
    let idents: Vec<Ident> = models.iter().map(|m| format_ident!("{}", m)).collect();
    if !idents.is_empty() {
        uses.push(quote!(use super::{ #( #idents ),* };));
    }
    uses.push(quote!(
        use crate::wire;
    ));
    quote! { #( #uses )* }
}

fn contains(ty: &Ty, pred: &dyn Fn(&Ty) -> bool) -> bool {
    pred(ty)
        || match ty {
            Ty::Array(inner) | Ty::Map(inner) => contains(inner, pred),
            _ => false,
        }
}

fn collect_models(ty: &Ty, out: &mut Vec<String>) {
    match ty {
        Ty::Model(name) => out.push(name.clone()),
        Ty::Array(inner) | Ty::Map(inner) => collect_models(inner, out),
        _ => {}
    }
}

/// Renders tokens as formatted Rust source.
pub fn render(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(space_items(&prettyplease::unparse(&file)))
}

/// Puts a blank line between items (top level and inside impls), which prettyplease omits.
fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev = "";
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start();
        let prev_body = prev.trim_start();
        let prev_indent = prev.len() - prev_body.len();
        let starts_item = (indent == 0 || indent == 4)
            && !body.is_empty()
            && !body.starts_with('}')
            && !body.starts_with(')');
        let after_item = prev_indent == indent
            && (prev_body == "}" || prev_body == "};" || prev_body == "];")
            || (prev_body.starts_with("use ") && !body.starts_with("use "))
            || (prev_body.starts_with("//!") && !body.starts_with("//!"))
            || (prev_body.starts_with("mod ") && !body.starts_with("mod "));
        if starts_item && after_item {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        prev = line;
    }
    out
}

/// The files of `crates/billing-models/src/generated/`, as (file name, contents).
pub fn model_files(api: &Api, spec_path: &str) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    let mut modules = Vec::new();
    let mut exports = Vec::new();
    for model in &api.models {
        let module = snake_case(&model.name);
        let uses = uses_of(model, api);
        let body = model_file(model, api);
        let module_doc = format!(" The `{}` model.", model.name);
        let tokens = quote! {
            #![doc = #module_doc]
            #uses
            #body
        };
        let text = render(tokens)?;
        files.push((
            format!("{module}.rs"),
            format!("{}{text}", header(spec_path)),
        ));
        let m = format_ident!("{}", module);
        modules.push(m.clone());
        let mut names = vec![format_ident!("{}", model.name)];
        names.extend(owned_enums(model, api).map(|def| format_ident!("{}", def.name)));
        exports.push(quote! { pub use #m::{ #( #names ),* }; });
    }
    let mod_rs = quote! {
        //! The wire models, one module per Swagger definition; everything is re-exported here.
        #( mod #modules; )*
        #( #exports )*
    };
    let text = render(mod_rs)?;
    files.push(("mod.rs".to_owned(), format!("{}{text}", header(spec_path))));
    files.sort();
    Ok(files)
}
