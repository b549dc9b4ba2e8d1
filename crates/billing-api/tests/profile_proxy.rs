//! A gc profile's `proxy_*` keys reach the wire: the token and API requests of a client
//! configured from the profile go through that proxy, with `proxy_username`/`proxy_password`
//! as `Proxy-Authorization` to the proxy only, and the password never shows in Debug output or
//! the log.
//!
//! A test binary of its own: it installs the global tracing subscriber (callsite interest is
//! cached process-wide, so a thread-local one shared with parallel tests could miss events).

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine;
use billing_api::Client;
use billing_api::profile::Profile;
use billing_sandbox::Sandbox;
use chrono::{TimeZone, Utc};
use common::tls::{ConnectProxy, Pki, TlsFront};

const PROXY_USER: &str = "me@example.com";
const PROXY_PASSWORD: &str = "pr0xy p@ss:w/rd+9d3e";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_profiles_proxy_carries_the_token_and_api_requests_and_its_password_stays_hidden() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .unwrap();

    // api.billing.test and login.billing.test exist only behind the proxy: it tunnels every
    // CONNECT to a TLS front over the sandbox, which serves both.
    let sandbox = Sandbox::start().await.unwrap();
    let pki = Pki::new(&["api.billing.test", "login.billing.test"]);
    let sandbox_addr = sandbox
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let front = TlsFront::start(&pki, sandbox_addr).await;
    let proxy = ConnectProxy::start(front.addr).await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!(
            r#"[behind-proxy]
environment = "https://api.billing.test"
client_credentials = "{id}"
client_secret = "{secret}"
proxy_protocol = "http"
proxy_host = "127.0.0.1"
proxy_port = "{port}"
proxy_username = "{PROXY_USER}"
proxy_password = "{PROXY_PASSWORD}"
"#,
            id = sandbox.client_id(),
            secret = sandbox.client_secret(),
            port = proxy.addr.port(),
        ),
    )
    .unwrap();
    let profile = Profile::load(Some(&path), Some("behind-proxy"))
        .unwrap()
        .unwrap();
    let builder = profile
        .configure(Client::builder())
        .unwrap()
        .add_root_certificate(pki.ca());
    let shown = format!("{profile:?} {builder:?}");
    let client = builder.build().unwrap();
    let shown = format!("{shown} {client:?}");

    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap();

    // Through the proxy: the token request to the login host, the API request to the API host.
    let mut lines = proxy.request_lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            "CONNECT api.billing.test:443 HTTP/1.1",
            "CONNECT login.billing.test:443 HTTP/1.1"
        ]
    );
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{PROXY_USER}:{PROXY_PASSWORD}"));
    for head in proxy.heads() {
        assert!(
            head.to_ascii_lowercase().contains(&format!(
                "proxy-authorization: basic {}",
                basic.to_ascii_lowercase()
            )),
            "the user name and password, decoded, as basic auth: {head}"
        );
    }
    let requests = sandbox.requests();
    assert!(requests.iter().any(|r| r.path() == "/oauth/token"));
    assert!(requests.iter().any(|r| r.path().starts_with("/api/")));
    for request in &requests {
        assert_eq!(request.header("proxy-authorization"), None, "proxy only");
    }

    // The password shows nowhere, in any form.
    let encoded =
        percent_encoding::utf8_percent_encode(PROXY_PASSWORD, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(!log.is_empty(), "the log was captured");
    for text in [&shown, &log] {
        for secret in [PROXY_PASSWORD, &encoded, &basic] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}
