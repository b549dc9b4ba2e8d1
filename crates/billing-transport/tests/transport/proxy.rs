//! HTTPS requests go through the configured proxy with a CONNECT tunnel.

use std::time::Duration;

use billing_transport::{Environment, Proxy, RetryConfig, Transport, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

#[tokio::test]
async fn https_requests_are_tunnelled_through_the_proxy() {
    // A "proxy" on loopback that records the CONNECT request and refuses it. No outside host is
    // ever contacted: the client only connects to the proxy.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = listener.local_addr().unwrap();
    let (seen_tx, seen_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let n = stream.read(&mut buf).await.unwrap();
        let _ = seen_tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
        let _ = stream
            .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            .await;
    });

    let transport = Transport::builder()
        .environment(
            Environment::custom(
                "https://api.billing.invalid",
                "https://login.billing.invalid",
            )
            .unwrap(),
        )
        .proxy(Proxy::https(format!("http://user:pw@{proxy}")).no_proxy("localhost"))
        .retry(RetryConfig::disabled())
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    assert!(matches!(err, TransportError::Connect { .. }), "{err:?}");

    let connect = seen_rx.await.unwrap();
    assert!(
        connect.starts_with("CONNECT api.billing.invalid:443 HTTP/1.1\r\n"),
        "{connect}"
    );
    assert!(
        connect
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic "),
        "{connect}"
    );
}
