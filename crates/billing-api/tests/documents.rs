//! Downloading documents: never with the API's credentials, bounded, all or nothing.

mod common;

use std::path::Path;

use billing_api::{DownloadErrorKind, Downloader, Error};
use common::server::{self, TestServer};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn kind(result: Result<billing_api::Document, Error>) -> DownloadErrorKind {
    match result {
        Err(Error::Download(e)) => e.kind.clone(),
        other => panic!("expected a download error, got {other:?}"),
    }
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test]
async fn a_document_is_fetched_without_the_authorization_header_and_written_whole() {
    let server =
        TestServer::start(|_, _| server::reply(200, "application/pdf", PDF.to_vec())).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("invoice.pdf");
    let url = format!("{}/documents/inv-1.pdf?signature=abc", server.url());

    let document = Downloader::new().to_path(&url, &target).await.unwrap();

    assert_eq!(document.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(document.size, PDF.len() as u64);
    assert_eq!(std::fs::read(&target).unwrap(), PDF);
    assert_eq!(
        entries(dir.path()),
        ["invoice.pdf"],
        "no temporary file left"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].uri, "/documents/inv-1.pdf?signature=abc");
    assert_eq!(seen[0].authorization, None);
}

#[tokio::test]
async fn a_writer_receives_the_document() {
    let server =
        TestServer::start(|_, _| server::reply(200, "application/pdf", PDF.to_vec())).await;
    let mut out = Vec::new();
    let document = Downloader::new()
        .to_writer(&format!("{}/d.pdf", server.url()), &mut out)
        .await
        .unwrap();
    assert_eq!(out, PDF);
    assert_eq!(document.size, PDF.len() as u64);
}

#[tokio::test]
async fn a_document_over_the_cap_leaves_nothing_at_the_path() {
    let big = vec![b'x'; 10_000];
    let server =
        TestServer::start(move |_, _| server::reply(200, "application/pdf", big.clone())).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("invoice.pdf");

    let result = Downloader::new()
        .max_bytes(1_000)
        .to_path(&format!("{}/d.pdf", server.url()), &target)
        .await;

    assert_eq!(kind(result), DownloadErrorKind::TooLarge { limit: 1_000 });
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[tokio::test]
async fn a_chunked_document_is_cut_off_at_the_cap_while_streaming() {
    // No Content-Length: the cap can only be seen while the body streams.
    let mut bytes =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for _ in 0..20 {
        bytes.extend_from_slice(b"64\r\n");
        bytes.extend_from_slice(&[b'x'; 100]);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    let (url, _server) = server::raw(bytes).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("invoice.pdf");

    let result = Downloader::new()
        .max_bytes(1_050)
        .to_path(&format!("{url}/d.pdf"), &target)
        .await;

    assert_eq!(kind(result), DownloadErrorKind::TooLarge { limit: 1_050 });
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn a_truncated_body_leaves_nothing_at_the_path() {
    let mut bytes =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 1000\r\n\r\n"
            .to_vec();
    bytes.extend_from_slice(PDF);
    let (url, _server) = server::raw(bytes).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("invoice.pdf");

    let result = Downloader::new()
        .to_path(&format!("{url}/d.pdf"), &target)
        .await;

    assert!(
        matches!(
            kind(result),
            DownloadErrorKind::Connection | DownloadErrorKind::Truncated { .. }
        ),
        "a body that ends early is an error"
    );
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn an_error_status_leaves_nothing_and_an_existing_file_untouched() {
    let server = TestServer::start(|_, _| server::reply(403, "application/xml", "<Error/>")).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("invoice.pdf");
    std::fs::write(&target, b"earlier").unwrap();

    let result = Downloader::new()
        .to_path(&format!("{}/d.pdf?signature=secret", server.url()), &target)
        .await;

    let error = result.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("403"), "{text}");
    assert!(
        !text.contains("secret"),
        "the signature stays out of messages: {text}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"earlier");
    assert_eq!(entries(dir.path()), ["invoice.pdf"]);
}

#[tokio::test]
async fn plain_http_is_refused_except_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("invoice.pdf");
    for url in [
        "http://documents.example.com/d.pdf?signature=x",
        "http://10.0.0.1/d.pdf",
    ] {
        let result = Downloader::new().to_path(url, &target).await;
        assert_eq!(kind(result), DownloadErrorKind::InsecureUrl, "{url}");
    }
    for url in ["ftp://example.com/d.pdf", "/documents/d.pdf", "not a url"] {
        let result = Downloader::new().to_path(url, &target).await;
        assert_eq!(kind(result), DownloadErrorKind::InvalidUrl, "{url}");
    }
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn a_failed_download_names_the_document_without_its_signature_or_user_info() {
    let server = TestServer::start(|_, _| server::reply(403, "text/plain", "expired")).await;
    let url = server.url().replace("http://", "http://reader:pa55w0rd@")
        + "/documents/inv-1.pdf?X-Amz-Signature=s1gnatur3#frag";
    let err = Downloader::new()
        .to_writer(&url, &mut Vec::new())
        .await
        .unwrap_err();
    let Error::Download(download) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        download.kind,
        DownloadErrorKind::Status(http::StatusCode::FORBIDDEN)
    );
    assert_eq!(
        download.location,
        format!("{}/documents/inv-1.pdf", server.url())
    );
    let shown = format!("{err} {err:?}");
    for secret in ["pa55w0rd", "s1gnatur3", "reader"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert_eq!(server.seen().len(), 1);
}

/// The document host `https://documents.billing.test`, reachable only through the proxy: the
/// proxy tunnels to a TLS front (certificate from a CA made here) over `server`.
struct BehindProxy {
    pki: common::tls::Pki,
    proxy: common::tls::ConnectProxy,
    _front: common::tls::TlsFront,
}

async fn behind_proxy(server: &TestServer) -> BehindProxy {
    let pki = common::tls::Pki::new(&["documents.billing.test"]);
    let front = common::tls::TlsFront::start(&pki, server.addr()).await;
    let proxy = common::tls::ConnectProxy::start(front.addr).await;
    BehindProxy {
        pki,
        proxy,
        _front: front,
    }
}

#[tokio::test]
async fn a_clients_download_uses_its_proxy_roots_and_user_agent_but_not_its_token() {
    const DOCUMENT_URL: &str = "https://documents.billing.test/inv-1.pdf?X-Amz-Signature=s1gn";
    // One server plays the API (plain HTTP on loopback, reached directly) and, behind the
    // proxy and the TLS front, the document host.
    let server = TestServer::start(|seen, _| {
        if seen
            .uri
            .starts_with("/api/v2/billing/contracts/invoices/inv-1/document")
        {
            server::json(200, format!(r#"{{"url":"{DOCUMENT_URL}"}}"#))
        } else {
            server::reply(200, "application/pdf", PDF.to_vec())
        }
    })
    .await;
    let hosts = behind_proxy(&server).await;
    let client = billing_api::Client::builder()
        .environment(billing_api::Environment::custom(&server.url(), &server.url()).unwrap())
        .token_source(std::sync::Arc::new(billing_api::StaticTokenSource::new(
            "api-token-9f8e",
        )))
        .proxy(billing_api::Proxy::https(hosts.proxy.url()))
        .add_root_certificate(hosts.pki.ca())
        .user_agent_suffix("docs-test/1")
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("invoice.pdf");

    let document = client.download_invoice("inv-1", &target).await.unwrap();

    assert_eq!(document.size, PDF.len() as u64);
    assert_eq!(std::fs::read(&target).unwrap(), PDF);
    assert_eq!(
        hosts.proxy.request_lines(),
        ["CONNECT documents.billing.test:443 HTTP/1.1"],
        "the document went through the proxy, the API request did not"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer api-token-9f8e")
    );
    assert_eq!(seen[1].uri, "/inv-1.pdf?X-Amz-Signature=s1gn");
    assert_eq!(seen[1].authorization, None, "no token to the document host");
    let agent = seen[1].user_agent.as_deref().unwrap_or_default();
    assert!(agent.ends_with(" docs-test/1"), "{agent}");
}

#[tokio::test]
async fn a_download_without_the_clients_roots_is_refused_by_tls() {
    let server =
        TestServer::start(|_, _| server::reply(200, "application/pdf", PDF.to_vec())).await;
    let hosts = behind_proxy(&server).await;
    let client = billing_api::Client::builder()
        .token_source(std::sync::Arc::new(billing_api::StaticTokenSource::new(
            "t",
        )))
        .proxy(billing_api::Proxy::https(hosts.proxy.url()))
        .build()
        .unwrap();
    let mut out = Vec::new();
    let result = client
        .downloader()
        .to_writer(
            "https://documents.billing.test/inv-1.pdf?X-Amz-Signature=s1gn",
            &mut out,
        )
        .await;
    assert_eq!(kind(result), DownloadErrorKind::Connection);
    assert_eq!(hosts.proxy.request_lines().len(), 1);
    assert!(
        server.seen().is_empty(),
        "the test CA is not trusted by default"
    );
}
