//! gzip answers: asked for, decompressed, and capped by their decompressed size.

use std::io::Write;
use std::sync::Arc;

use billing_transport::{StaticTokenSource, TransportError};
use flate2::Compression;
use flate2::write::GzEncoder;
use http::Response;

use crate::common::*;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A gzip answer when the request accepts gzip, a plain one otherwise.
fn maybe_gzipped(req: &Recorded, body: &[u8]) -> Response<Body> {
    let accepts = req
        .headers
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let mut response = Response::builder().status(200);
    let body = if accepts {
        response = response.header("content-encoding", "gzip");
        gzip(body)
    } else {
        body.to_vec()
    };
    response
        .header("content-length", body.len())
        .body(full(body))
        .unwrap()
}

fn report(len: usize) -> Vec<u8> {
    let line = br#"{"name":"phone-1234","date":"2026-10-02T00:00:00.000Z"},"#;
    line.iter().copied().cycle().take(len).collect()
}

#[tokio::test]
async fn gzip_is_asked_for_and_decompressed() {
    let body = report(256 * 1024);
    let expected = body.clone();
    let server = Server::start(move |req| maybe_gzipped(req, &body)).await;
    let transport = builder(&server)
        .token_source(Arc::new(StaticTokenSource::new("t")))
        .build()
        .unwrap();
    let response = transport.send(get(API_PATH)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().as_ref(), expected.as_slice());
    // Decompressed: the encoding and the compressed length are gone.
    assert!(response.headers().get("content-encoding").is_none());
    assert_eq!(
        server.requests()[0]
            .headers
            .get("accept-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
}

#[tokio::test]
async fn gzip_can_be_turned_off() {
    let body = report(4096);
    let server = Server::start(move |req| maybe_gzipped(req, &body)).await;
    let transport = builder(&server)
        .token_source(Arc::new(StaticTokenSource::new("t")))
        .gzip(false)
        .build()
        .unwrap();
    let response = transport.send(get(API_PATH)).await.unwrap();
    assert_eq!(response.body().len(), 4096);
    assert!(
        server.requests()[0]
            .headers
            .get("accept-encoding")
            .is_none()
    );
}

#[tokio::test]
async fn the_cap_counts_decompressed_bytes_so_a_gzip_bomb_is_refused() {
    // 64 MiB of zeros compress to about 64 KiB: small on the wire, far above the cap.
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 128 * 1024, "{}", bomb.len());
    let server = Server::start(move |_| {
        Response::builder()
            .status(200)
            .header("content-encoding", "gzip")
            .header("content-length", bomb.len())
            .body(full(bomb.clone()))
            .unwrap()
    })
    .await;
    let limit = 1 << 20;
    let transport = builder(&server)
        .token_source(Arc::new(StaticTokenSource::new("t")))
        .max_body_bytes(limit)
        .build()
        .unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: l } if l == limit),
        "{err:?}"
    );
    assert_eq!(server.hits(API_PATH), 1, "not retried");
}

#[tokio::test]
async fn a_corrupt_gzip_body_is_an_error_not_garbage() {
    let server = Server::start(|_| {
        Response::builder()
            .status(200)
            .header("content-encoding", "gzip")
            .body(full(&b"this is not gzip at all"[..]))
            .unwrap()
    })
    .await;
    let transport = builder(&server)
        .token_source(Arc::new(StaticTokenSource::new("t")))
        .retry(billing_transport::RetryConfig::disabled())
        .build()
        .unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    assert!(matches!(err, TransportError::Io { .. }), "{err:?}");
}
