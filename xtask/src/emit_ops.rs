//! Emits `crates/billing-api/src/generated/`: the operation table (id, method, path template),
//! one `Client` method per operation, named after the snake_case operation id, the query
//! parameter structs of operations with many optional parameters, and the query enums.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::emit_models::{doc, doc_raw, enum_tokens, field_ident, header, render};
use crate::ir::{Api, Location, OperationIr, ParamIr, Ty};

/// The owned Rust type of a parameter value (a query struct's field, without its `Option`).
fn owned_param_type(ty: &Ty) -> TokenStream {
    match ty {
        Ty::String => quote!(String),
        Ty::Enum(name) => {
            let ident = format_ident!("{}", name);
            quote!(#ident)
        }
        other => scalar_param_type(other),
    }
}

fn scalar_param_type(ty: &Ty) -> TokenStream {
    match ty {
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::Float | Ty::Double => quote!(models::Decimal),
        Ty::Bool => quote!(bool),
        Ty::DateTime => quote!(DateTime<Utc>),
        Ty::Date => quote!(NaiveDate),
        other => unreachable!("lowering refuses parameters of type {other:?}"),
    }
}

/// The Rust type a method takes for a parameter.
fn param_type(p: &ParamIr) -> TokenStream {
    let inner = match &p.ty {
        Ty::String => quote!(&str),
        Ty::Enum(name) => {
            let ident = format_ident!("{}", name);
            quote!(&#ident)
        }
        other => scalar_param_type(other),
    };
    if p.required {
        inner
    } else {
        quote!(Option<#inner>)
    }
}

/// The type of a query struct field, as the docs show it.
pub fn query_field_type_text(p: &ParamIr) -> String {
    let inner = owned_param_type(&p.ty);
    render_type(&quote!(Option<#inner>))
}

/// The type as the docs show it.
pub fn param_type_text(p: &ParamIr) -> String {
    render_type(&param_type(p))
}

fn render_type(tokens: &TokenStream) -> String {
    tokens
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace("& ", "&")
        .replace(" :: ", "::")
        .replace("< ", "<")
}

/// An expression turning the parameter value `v` into its wire text.
fn to_wire(ty: &Ty, v: &TokenStream) -> TokenStream {
    match ty {
        Ty::String => quote!(#v),
        Ty::DateTime => quote!(&models::datetime::format(&#v)),
        Ty::Date => quote!(&models::date::format(&#v)),
        Ty::Enum(_) => quote!(#v.as_str()),
        _ => quote!(&#v.to_string()),
    }
}

fn const_name(op: &OperationIr) -> Ident {
    format_ident!("{}", op.fn_name.to_uppercase())
}

/// What the docs say about an operation the vendor marks as a preview.
pub const PREVIEW_NOTE: &str = "**Preview:** Genesys marks this operation as a preview: it may change, in breaking and non-breaking ways, at any time without notice.";

fn param_line(p: &ParamIr, name: &str) -> String {
    let place = match p.location {
        Location::Path => "path",
        Location::Query => "query",
    };
    let need = if p.required { "required" } else { "optional" };
    let default = p
        .default
        .as_ref()
        .map(|d| format!(", server default {d}"))
        .unwrap_or_default();
    let about = p
        .doc
        .as_deref()
        .map(crate::emit_models::escape_markdown)
        .unwrap_or_default();
    format!(
        "- `{name}` ({place} `{}`, {need}{default}): {about}\n",
        p.wire
    )
}

fn method_doc(op: &OperationIr) -> TokenStream {
    let mut text = String::new();
    if let Some(summary) = &op.summary {
        text.push_str(&crate::emit_models::escape_markdown(summary));
        text.push_str("\n\n");
    }
    if op.preview {
        text.push_str(PREVIEW_NOTE);
        text.push_str("\n\n");
    }
    if let Some(description) = &op.description {
        text.push_str(&crate::emit_models::escape_markdown(description));
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "`{} {}` (operation `{}`).\n",
        op.method, op.path, op.id
    ));
    if !op.params.is_empty() {
        text.push_str("\n# Parameters\n");
        let in_struct = op.query_struct_params().unwrap_or_default();
        for p in &op.params {
            if in_struct.iter().any(|q| q.wire == p.wire) {
                continue;
            }
            text.push_str(&param_line(p, &p.rust));
        }
        if !in_struct.is_empty() {
            let name = op.query_struct_name();
            text.push_str(&format!(
                "- `query`: the optional query parameters, each sent only when set (see [`{name}`]):\n"
            ));
            for p in &in_struct {
                text.push_str("  ");
                text.push_str(&param_line(p, &p.rust));
            }
        }
    }
    text.push_str("\n# Errors\n");
    text.push_str("[`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent for a value that cannot be encoded; otherwise\nthe transport, service and decode errors of [`Error`](crate::Error). The service may answer:\n");
    for (status, codes) in &op.errors {
        let codes: Vec<String> = codes.keys().map(|c| format!("`{c}`")).collect();
        text.push_str(&format!(
            "- {status}{}\n",
            if codes.is_empty() {
                String::new()
            } else {
                format!(": {}", codes.join(", "))
            }
        ));
    }
    if !op.permissions.is_empty() || !op.scopes.is_empty() {
        text.push_str("\n# Authorization\n");
        if !op.scopes.is_empty() {
            text.push_str(&format!(
                "OAuth scopes: {}. ",
                op.scopes
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !op.permissions.is_empty() {
            text.push_str(&format!(
                "Permissions (any of): {}.",
                op.permissions
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        text.push('\n');
    }
    doc_raw(&text)
}

fn method(op: &OperationIr) -> TokenStream {
    let name = format_ident!("{}", op.fn_name);
    let konst = const_name(op);
    let in_struct = op.query_struct_params().unwrap_or_default();
    let is_in_struct = |p: &ParamIr| in_struct.iter().any(|q| q.wire == p.wire);
    let mut params: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|p| !is_in_struct(p))
        .map(|p| {
            let ident = field_ident(&p.rust);
            let ty = param_type(p);
            quote!(#ident: #ty)
        })
        .collect();
    if !in_struct.is_empty() {
        let query_ty = format_ident!("{}", op.query_struct_name());
        params.push(quote!(query: &#query_ty));
    }
    let steps = op.params.iter().map(|p| {
        let ident = field_ident(&p.rust);
        let wire = &p.wire;
        let value = quote!(#ident);
        if is_in_struct(p) {
            let v = quote!(value);
            let text = to_wire(&p.ty, &v);
            // Strings and enums are borrowed from the struct; the other types are `Copy`.
            let source = if matches!(p.ty, Ty::String | Ty::Enum(_)) {
                quote!(&query.#ident)
            } else {
                quote!(query.#ident)
            };
            return quote! { if let Some(value) = #source { request.query(#wire, #text); } };
        }
        match (p.location, p.required) {
            (Location::Path, _) => {
                let text = to_wire(&p.ty, &value);
                quote! { request.path_param(#wire, #text)?; }
            }
            (Location::Query, true) => {
                let text = to_wire(&p.ty, &value);
                quote! { request.query(#wire, #text); }
            }
            (Location::Query, false) => {
                let v = quote!(value);
                let text = to_wire(&p.ty, &v);
                quote! { if let Some(value) = #ident { request.query(#wire, #text); } }
            }
        }
    });
    let response = match &op.response {
        Ty::Model(name) => format_ident!("{}", name),
        other => unreachable!("lowering refuses responses of type {other:?}"),
    };
    let docs = method_doc(op);
    quote! {
        #docs
        pub async fn #name(&self, #( #params ),*) -> Result<models::#response, Error> {
            let mut request = RequestBuilder::new(&#konst);
            #( #steps )*
            self.execute(request).await
        }
    }
}

/// The struct holding an operation's optional query parameters, with `with_*` setters.
fn query_struct(op: &OperationIr, params: &[&ParamIr]) -> TokenStream {
    let name = format_ident!("{}", op.query_struct_name());
    let method = &op.fn_name;
    let struct_doc = doc_raw(&format!(
        "The optional query parameters of [`Client::{method}`] (operation `{}`): each is sent\n\
         only when set. Start from `Default` and chain the `with_*` setters.",
        op.id
    ));
    let fields = params.iter().map(|p| {
        let ident = field_ident(&p.rust);
        let ty = owned_param_type(&p.ty);
        let mut text = p
            .doc
            .as_deref()
            .map(crate::emit_models::escape_markdown)
            .unwrap_or_default();
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!("Query `{}`", p.wire));
        if let Some(d) = &p.default {
            text.push_str(&format!("; server default {d}"));
        }
        match p.ty {
            Ty::Date => text.push_str("; sent as `yyyy-MM-dd`"),
            Ty::DateTime => text.push_str("; sent as UTC `yyyy-MM-ddTHH:mm:ss.SSSZ`"),
            _ => {}
        }
        text.push('.');
        let d = doc_raw(&text);
        quote! { #d pub #ident: Option<#ty>, }
    });
    let setters = params.iter().map(|p| {
        let ident = field_ident(&p.rust);
        let setter = format_ident!("with_{}", p.rust);
        let ty = owned_param_type(&p.ty);
        let (param_ty, value) = if matches!(p.ty, Ty::String | Ty::Enum(_)) {
            (quote!(impl Into<#ty>), quote!(value.into()))
        } else {
            (ty, quote!(value))
        };
        let d = doc_raw(&format!(
            "Sets [`{}`](Self::{}) (query `{}`).",
            p.rust, ident, p.wire
        ));
        quote! {
            #d
            #[must_use]
            pub fn #setter(mut self, value: #param_ty) -> Self {
                self.#ident = Some(#value);
                self
            }
        }
    });
    quote! {
        #struct_doc
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #( #fields )*
        }

        impl #name {
            #( #setters )*
        }
    }
}

/// The files of `crates/billing-api/src/generated/`.
pub fn api_files(api: &Api, spec_path: &str) -> Result<Vec<(String, String)>, String> {
    let consts = api.operations.iter().map(|op| {
        let konst = const_name(op);
        let id = &op.id;
        let method = format_ident!("{}", op.method);
        let path = &op.path;
        let text = format!("`{} {}` (`{}`).", op.method, op.path, op.id);
        let d = doc_raw(&text);
        quote! {
            #d
            pub const #konst: Operation = Operation { id: #id, method: Method::#method, path_template: #path };
        }
    });
    let all: Vec<Ident> = api.operations.iter().map(const_name).collect();
    let methods = api.operations.iter().map(method);
    let query_structs = api.operations.iter().filter_map(|op| {
        op.query_struct_params()
            .map(|params| query_struct(op, &params))
    });
    let param_enums = api
        .operations
        .iter()
        .flat_map(|o| &o.params)
        .filter_map(|p| match &p.ty {
            Ty::Enum(name) => api.enums.iter().find(|e| &e.name == name),
            _ => None,
        })
        .map(|def| enum_tokens(def, false));
    let uses_dates = api
        .operations
        .iter()
        .flat_map(|o| &o.params)
        .any(|p| p.ty == Ty::DateTime);
    let uses_naive = api
        .operations
        .iter()
        .flat_map(|o| &o.params)
        .any(|p| p.ty == Ty::Date);
    let chrono_use = match (uses_dates, uses_naive) {
        (true, true) => quote!(
            use chrono::{DateTime, NaiveDate, Utc};
        ),
        (true, false) => quote!(
            use chrono::{DateTime, Utc};
        ),
        (false, true) => quote!(
            use chrono::NaiveDate;
        ),
        (false, false) => TokenStream::new(),
    };
    let uses_enums = api
        .operations
        .iter()
        .flat_map(|o| &o.params)
        .any(|p| matches!(p.ty, Ty::Enum(_)));
    let fmt_use = if uses_enums {
        quote!(
            use std::fmt;
        )
    } else {
        TokenStream::new()
    };
    let _ = doc;
    let tokens = quote! {
        //! The API's operations: their table, one [`Client`] method each, the query parameter
        //! structs of operations with more than two optional query parameters, and the enums
        //! of query parameters.
        #fmt_use
        #chrono_use
        use http::Method;
        use billing_models as models;
        use crate::request::{Operation, RequestBuilder};
        use crate::{Client, Error};

        #( #consts )*

        /// Every operation of the API, in spec order.
        pub const OPERATIONS: &[&Operation] = &[ #( &#all ),* ];

        impl Client {
            #( #methods )*
        }

        #( #query_structs )*

        #( #param_enums )*
    };
    let text = render(tokens)?;
    let mod_rs = render(quote! {
        //! Code generated from the API spec; see `operations`.
        pub mod operations;
    })?;
    Ok(vec![
        ("mod.rs".into(), format!("{}{mod_rs}", header(spec_path))),
        (
            "operations.rs".into(),
            format!("{}{text}", header(spec_path)),
        ),
    ])
}
