//! Emits `crates/billing-api/src/generated/`: the operation table (id, method, path template)
//! and one `Client` method per operation, named after the snake_case operation id.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::emit_models::{doc, doc_raw, field_ident, header, render};
use crate::ir::{Api, Location, OperationIr, ParamIr, Ty};

/// The Rust type a method takes for a parameter.
fn param_type(p: &ParamIr) -> TokenStream {
    let inner = match &p.ty {
        Ty::String => quote!(&str),
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::F32 => quote!(f32),
        Ty::F64 => quote!(f64),
        Ty::Bool => quote!(bool),
        Ty::DateTime => quote!(DateTime<Utc>),
        Ty::Date => quote!(NaiveDate),
        Ty::Enum(name) => {
            let ident = format_ident!("{}", name);
            quote!(&models::#ident)
        }
        other => unreachable!("lowering refuses parameters of type {other:?}"),
    };
    if p.required {
        inner
    } else {
        quote!(Option<#inner>)
    }
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
        Ty::Enum(_) => quote!(#v.as_str()),
        _ => quote!(&#v.to_string()),
    }
}

fn const_name(op: &OperationIr) -> Ident {
    format_ident!("{}", op.fn_name.to_uppercase())
}

fn method_doc(op: &OperationIr) -> TokenStream {
    let mut text = String::new();
    if let Some(summary) = &op.summary {
        text.push_str(&crate::emit_models::escape_markdown(summary));
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
        for p in &op.params {
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
            text.push_str(&format!(
                "- `{}` ({place} `{}`, {need}{default}): {about}\n",
                p.rust, p.wire
            ));
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
    let params: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let ident = field_ident(&p.rust);
            let ty = param_type(p);
            quote!(#ident: #ty)
        })
        .collect();
    let steps = op.params.iter().map(|p| {
        let ident = field_ident(&p.rust);
        let wire = &p.wire;
        let value = quote!(#ident);
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
    let _ = doc;
    let tokens = quote! {
        //! The API's operations: their table, and one [`Client`] method each.
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
