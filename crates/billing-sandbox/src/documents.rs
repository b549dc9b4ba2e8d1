//! The document host: a second listener, standing in for the storage service the invoice
//! document URLs point to. Like a pre-signed object store it authenticates by the URL's
//! `signature` alone and refuses any request that also carries an `Authorization` header, so a
//! client that forwards the API's bearer token there fails loudly.

use std::fmt::Write as _;

use bytes::Bytes;
use http::StatusCode;
use http::header::AUTHORIZATION;
use sha2::{Digest as _, Sha256};

use crate::reply::Reply;
use crate::router::Incoming;
use crate::state::{Config, Shared};

const DOCUMENTS_PREFIX: &str = "/documents/";

/// The URL the document endpoint answers for an invoice.
pub(crate) fn signed_url(config: &Config, invoice_id: &str) -> String {
    format!(
        "{}{DOCUMENTS_PREFIX}{invoice_id}.pdf?signature={}",
        config.document_base_url,
        signature(config, invoice_id)
    )
}

fn signature(config: &Config, invoice_id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(config.document_key.as_bytes())
        .chain_update(b"|")
        .chain_update(invoice_id.as_bytes())
        .finalize();
    digest.iter().take(16).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// An S3-style XML error, as storage services answer.
fn storage_error(status: StatusCode, code: &str, message: &str) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>\n"
    );
    Reply::with_type(status, "application/xml", Bytes::from(body))
}

/// Answers a request on the document host.
pub(crate) fn handle(shared: &Shared, request: &Incoming<'_>) -> Reply {
    if request.headers.contains_key(AUTHORIZATION) {
        return storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the signature query parameter or the \
             Authorization header should be specified",
        );
    }
    let Some(id) = request
        .path
        .strip_prefix(DOCUMENTS_PREFIX)
        .and_then(|name| name.strip_suffix(".pdf"))
        .filter(|id| !id.is_empty() && !id.contains('/'))
    else {
        return storage_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    if request.method != http::Method::GET {
        return storage_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        );
    }
    let config = &shared.config;
    if crate::wire::query_param(request.query, "signature").as_deref()
        != Some(signature(config, id).as_str())
    {
        return storage_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    match crate::invoices::summary(&config.orgs, config.today(), id, config.invoice_lines) {
        Some(text) => Reply::with_type(StatusCode::OK, "application/pdf", Bytes::from(pdf(&text))),
        None => storage_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        ),
    }
}

/// A one-page PDF 1.4 showing `lines` of text, with a correct cross-reference table.
pub(crate) fn pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 14 Tf 72 760 Td 18 TL");
    for line in lines {
        // PDF string literals escape backslashes and parentheses; the text is ASCII.
        let escaped = line
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        let _ = write!(content, " ({escaped}) Tj T*");
    }
    content.push_str(" ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{object}\nendobj\n", i + 1);
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(out, "{offset:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_offsets_point_at_their_objects() {
        let bytes = pdf(&["Invoice (test)".to_owned()]);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("%PDF-1.4\n") && text.ends_with("%%EOF\n"));
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[startxref..].starts_with("xref\n"));
        let entries: Vec<usize> = text[startxref..]
            .lines()
            .skip(3)
            .take(5)
            .map(|l| l[..10].parse().unwrap())
            .collect();
        for (i, offset) in entries.iter().enumerate() {
            assert!(text[*offset..].starts_with(&format!("{} 0 obj", i + 1)));
        }
        assert!(text.contains("(Invoice \\(test\\)) Tj"));
    }
}
