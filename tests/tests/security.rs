//! Security properties, as tests:
//! - the client secret and access tokens never appear in `Debug`, `Display`, error messages or
//!   tracing output (a TRACE-level subscriber captures everything this binary logs);
//! - credentials are never sent over plain HTTP to a host that is not loopback, and the refusal
//!   comes before any I/O;
//! - redirects are not followed, so a token cannot be lured to another host;
//! - a body over the cap is refused while it streams, without reading it all.
//!
//! Everything runs on 127.0.0.1; the "remote" hosts are `.invalid` names and a non-routable
//! address that no test ever connects to.

mod raw_server;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use billing_api::{
    Client, ClientBuilder, ClientCredentials, Environment, Error, RetryConfig, StaticTokenSource,
};
use billing_sandbox::{Fault, FaultRule, Sandbox};
use billing_transport::{
    AccessToken, AuthError, ClientCredentialsTokenSource, TokenSource, Transport, TransportError,
};
use chrono::{TimeZone, Utc};
use raw_server::{Answer, RawServer, json, response};

const CLIENT_ID: &str = "security-client-id";
const SECRET: &str = "s3cr3t-do-not-print-7f3a9c";
const STATIC_TOKEN: &str = "static-token-do-not-print-4b1d";

// ---------------------------------------------------------------------------------------------
// Capturing everything this binary traces

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

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The global TRACE subscriber (global, because callsite interest is cached process-wide and a
/// thread-local one would miss events of the runtime's worker threads).
fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        captured
    })
}

/// `text` holds none of `secrets` (nor their base64 forms, as in a Basic header).
fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} contains the secret {secret:?}:\n{text}"
        );
    }
}

/// Every way an error can be printed: `Display`, alternate `Display`, `Debug`, pretty `Debug`,
/// and the `Display` of each source.
fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{error}\n{error:#}\n{error:?}\n{error:#?}\n");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!("{cause}\n{cause:?}\n"));
        source = cause.source();
    }
    text
}

fn base64(raw: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = raw.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    while out.len() % 4 != 0 {
        out.push('=');
    }
    out
}

fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

fn builder_for(base: &str) -> ClientBuilder {
    Client::builder()
        .environment(Environment::custom(base, base).unwrap())
        .retry(fast_retry())
        .operation_timeout(Duration::from_secs(20))
}

fn may() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (
        Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap(),
    )
}

// ---------------------------------------------------------------------------------------------
// Secrets never print

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_and_tokens_never_print() {
    let captured = captured();
    let sandbox = Sandbox::builder()
        .client_credentials(CLIENT_ID, SECRET)
        .in_progress_polls(0)
        .no_rate_limit()
        .start()
        .await
        .unwrap();
    let org = sandbox.trustor_org_ids()[0].clone();
    let (start, end) = may();
    let credentials = ClientCredentials::new(CLIENT_ID, SECRET);
    let builder = builder_for(sandbox.base_url()).credentials(credentials.clone());
    let mut printed = vec![
        format!("{builder:?}"),
        format!("{builder:#?}"),
        format!("{credentials:?} {credentials:#?} {credentials}"),
    ];
    let client = builder.build().unwrap();
    printed.push(format!("{client:?} {client:#?}"));

    // Every path that handles a secret or a token: the first fetch, a 401 and the refresh, a
    // retry, and calls that fail in each of the typed ways.
    let mut errors: Vec<Error> = Vec::new();
    client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap();
    sandbox.inject(FaultRule::new(Fault::RevokeTokens).path_prefix("/api/"));
    client
        .get_billing_trusteebillingoverview_trustor_org_id(&org, None)
        .await
        .unwrap();
    sandbox.inject(FaultRule::new(Fault::InternalServerError).path_prefix("/api/"));
    client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap();
    sandbox.inject(
        FaultRule::new(Fault::RevokeTokens)
            .times(2)
            .path_prefix("/api/"),
    );
    errors.push(
        client
            .get_billing_reports_billableusage(start, end)
            .await
            .unwrap_err(),
    );
    // The cached token is revoked: the next call refreshes it and goes through.
    client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap();
    sandbox.inject(FaultRule::new(Fault::MalformedJson).path_prefix("/api/"));
    errors.push(
        client
            .get_billing_reports_billableusage(start, end)
            .await
            .unwrap_err(),
    );
    sandbox.inject(
        FaultRule::new(Fault::TooManyRequests {
            retry_after_secs: Some(3600),
        })
        .path_prefix("/api/"),
    );
    errors.push(
        client
            .get_billing_trusteebillingoverview_trustor_org_id(&org, None)
            .await
            .unwrap_err(),
    );
    sandbox.inject(
        FaultRule::new(Fault::InternalServerError)
            .times(2)
            .path_prefix("/oauth/"),
    );
    sandbox.revoke_all_tokens();
    client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap();

    // A wrong secret, and a token the API refuses.
    let wrong = builder_for(sandbox.base_url())
        .credentials(ClientCredentials::new(CLIENT_ID, format!("{SECRET}-wrong")))
        .build()
        .unwrap();
    errors.push(
        wrong
            .get_billing_reports_billableusage(start, end)
            .await
            .unwrap_err(),
    );
    let static_builder = builder_for(sandbox.base_url())
        .token_source(Arc::new(StaticTokenSource::new(STATIC_TOKEN)));
    printed.push(format!("{static_builder:?}"));
    let refused = static_builder.build().unwrap();
    errors.push(
        refused
            .get_billing_reports_billableusage(start, end)
            .await
            .unwrap_err(),
    );

    assert!(
        matches!(&errors[0], Error::Service(e) if e.status == 401),
        "{:?}",
        errors[0]
    );
    assert!(matches!(&errors[1], Error::Decode(_)), "{:?}", errors[1]);
    assert!(errors[2].is_rate_limited(), "{:?}", errors[2]);
    assert!(
        matches!(&errors[3], Error::Transport(TransportError::Auth(AuthError::TokenEndpoint { status, .. })) if *status == 401),
        "{:?}",
        errors[3]
    );
    assert!(
        matches!(&errors[4], Error::Service(e) if e.status == 401),
        "{:?}",
        errors[4]
    );
    for error in &errors {
        assert!(error.is_auth() || error.status().is_some(), "{error}");
        printed.push(error_text(error));
    }

    // The public token types.
    let token = AccessToken::new("access-token-do-not-print-99");
    printed.push(format!("{token:?} {token:#?}"));
    let source = ClientCredentialsTokenSource::new(
        credentials.clone(),
        &Environment::custom(sandbox.base_url(), sandbox.base_url()).unwrap(),
    )
    .unwrap();
    let fetched = source.token().await.unwrap();
    printed.push(format!("{source:?} {source:#?} {fetched:?}"));
    let transport = Transport::builder()
        .environment(Environment::custom(sandbox.base_url(), sandbox.base_url()).unwrap())
        .credentials(credentials.clone());
    printed.push(format!("{transport:?}"));
    printed.push(format!("{:?}", transport.build().unwrap()));

    // What must not show: the secret, the Basic header made from it, every token the sandbox
    // saw in a bearer header, and the tokens made up here.
    let mut secrets = vec![
        SECRET.to_owned(),
        base64(&format!("{CLIENT_ID}:{SECRET}")),
        STATIC_TOKEN.to_owned(),
        token.expose().to_owned(),
        fetched.expose().to_owned(),
    ];
    for request in sandbox.requests() {
        if let Some(bearer) = request
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            secrets.push(bearer.to_owned());
        }
    }
    secrets.sort();
    secrets.dedup();
    assert!(
        secrets.len() >= 6,
        "several tokens were issued and used: {}",
        secrets.len()
    );
    assert!(
        sandbox.requests().iter().any(|r| r.header("authorization")
            == Some(&format!("Basic {}", base64(&format!("{CLIENT_ID}:{SECRET}")))[..])),
        "the Basic value checked for is the one sent"
    );
    for (i, text) in printed.iter().enumerate() {
        assert_clean(&format!("printed value #{i}"), text, &secrets);
    }
    let logged = captured.text();
    assert!(
        logged.contains("genesys_request") && logged.contains("retrying") && logged.contains("401"),
        "the subscriber saw the calls:\n{logged}"
    );
    assert_clean("the TRACE output", &logged, &secrets);
}

// ---------------------------------------------------------------------------------------------
// No credentials over plain HTTP to a remote host

/// A plain `#[test]`: there is no tokio runtime, so any DNS lookup or connection attempt would
/// panic ("no reactor running"); getting a typed error proves the refusal comes first.
#[test]
fn credentials_are_refused_for_plain_http_to_remote_hosts_before_any_io() {
    let _ = captured();
    let remote = [
        ("http://example.invalid", "http://example.invalid"),
        (
            "http://api.example.invalid",
            "https://login.example.invalid",
        ),
        (
            "https://api.example.invalid",
            "http://login.example.invalid",
        ),
        ("http://10.255.255.1", "http://10.255.255.1"),
        (
            "http://localhost.example.invalid",
            "http://localhost.example.invalid",
        ),
        (
            "http://127.0.0.1.example.invalid",
            "http://127.0.0.1.example.invalid",
        ),
    ];
    for (api, login) in remote {
        let Ok(environment) = Environment::custom(api, login) else {
            continue; // refused even earlier
        };
        for builder in [
            Client::builder()
                .environment(environment.clone())
                .credentials(ClientCredentials::new(CLIENT_ID, SECRET)),
            Client::builder()
                .environment(environment.clone())
                .token_source(Arc::new(StaticTokenSource::new(STATIC_TOKEN))),
        ] {
            let described = format!("{builder:?}");
            match builder.build() {
                // With a static token the login URL is unused; only the API URL matters.
                Ok(_) if api.starts_with("https://") && described.contains("StaticTokenSource") => {
                }
                Ok(_) => panic!("{api} / {login}: a client was built: {described}"),
                Err(e @ Error::Config { .. }) => {
                    let text = error_text(&e);
                    assert!(text.contains("plain HTTP"), "{api}: {text}");
                    assert_clean(
                        "the error",
                        &text,
                        &[SECRET.to_owned(), STATIC_TOKEN.to_owned()],
                    );
                }
                Err(other) => panic!("{api}: expected Error::Config, got {other:?}"),
            }
        }
    }
    for (name, value) in [
        ("GENESYSCLOUD_API_URL", "http://api.example.invalid"),
        ("GENESYSCLOUD_API_URL", "http://10.255.255.1:8080"),
    ] {
        let lookup = |n: &str| match n {
            "GENESYSCLOUD_OAUTHCLIENT_ID" => Some(CLIENT_ID.to_owned()),
            "GENESYSCLOUD_OAUTHCLIENT_SECRET" => Some(SECRET.to_owned()),
            n if n == name => Some(value.to_owned()),
            _ => None,
        };
        let result = ClientBuilder::from_env_with(lookup).and_then(ClientBuilder::build);
        assert!(
            matches!(result, Err(Error::Config { .. })),
            "{value}: {result:?}"
        );
    }
    // Loopback over plain HTTP is allowed (local servers, the sandbox).
    for local in ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"] {
        Client::builder()
            .environment(Environment::custom(local, local).unwrap())
            .credentials(ClientCredentials::new(CLIENT_ID, SECRET))
            .build()
            .unwrap_or_else(|e| panic!("{local}: {e}"));
    }
}

/// The last guard, in the HTTP client itself: a request that carries `Authorization` to a
/// plain-HTTP remote host is refused without a connection attempt (a connect to the
/// non-routable address would take the whole connect timeout).
#[tokio::test]
async fn the_http_client_refuses_authorization_over_plain_http_to_remote_hosts() {
    let client = Transport::builder()
        .connect_timeout(Duration::from_secs(10))
        .build_http_client()
        .unwrap();
    for url in [
        "http://10.255.255.1/api/v2/billing/reports/billableusage",
        "http://example.invalid/oauth/token",
    ] {
        let request = http::Request::get(url)
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {STATIC_TOKEN}"),
            )
            .body(bytes::Bytes::new())
            .unwrap();
        let started = Instant::now();
        let error = client.send(request).await.unwrap_err();
        assert!(
            matches!(error, TransportError::InsecureUrl { .. }),
            "{url}: {error:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{url}: no connection was tried"
        );
        assert_clean("the error", &error_text(&error), &[STATIC_TOKEN.to_owned()]);
    }
}

// ---------------------------------------------------------------------------------------------
// Redirects are not followed

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed() {
    let _ = captured();
    let elsewhere = RawServer::start(|_| json(200, "{}")).await;
    let target = elsewhere.url();
    let (start, end) = may();
    for status in [301u16, 302, 303, 307, 308] {
        let location = target.clone();
        let server = RawServer::start(move |req| {
            if req.path() == "/oauth/token" {
                json(200, r#"{"access_token":"redirect-test-token","token_type":"bearer","expires_in":3600}"#)
            } else {
                response(status, &[("Location", &format!("{location}{}", req.target))], b"")
            }
        })
        .await;
        let client = builder_for(&server.url())
            .credentials(ClientCredentials::new(CLIENT_ID, SECRET))
            .build()
            .unwrap();
        let report = client
            .get_billing_reports_billableusage(start, end)
            .await
            .unwrap_err();
        let overview = client
            .get_billing_trusteebillingoverview_trustor_org_id("org", None)
            .await
            .unwrap_err();
        for error in [report, overview] {
            match &error {
                Error::Service(e) => assert_eq!(e.status.as_u16(), status, "{error}"),
                other => panic!("{status}: expected Error::Service, got {other:?}"),
            }
        }
        assert_eq!(
            server
                .requests()
                .iter()
                .filter(|r| r.path().starts_with("/api/"))
                .count(),
            2,
            "{status}: one request per call, not retried"
        );
    }

    // The token endpoint: the Basic credentials must not follow a redirect either.
    let location = target.clone();
    let login = RawServer::start(move |_| {
        response(
            307,
            &[("Location", &format!("{location}/oauth/token"))],
            b"",
        )
    })
    .await;
    let client = builder_for(&login.url())
        .credentials(ClientCredentials::new(CLIENT_ID, SECRET))
        .build()
        .unwrap();
    let error = client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Transport(TransportError::Auth(AuthError::TokenEndpoint { status, .. })) if *status == 307),
        "{error:?}"
    );
    assert_eq!(
        elsewhere.connections(),
        0,
        "the redirect target was never contacted"
    );
    assert!(elsewhere.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Bodies over the cap

/// The tests that measure VmRSS run one at a time, so one's buffers do not show in the other's
/// numbers.
static MEMORY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A server whose token endpoint works and whose API answers with an endless body.
async fn endless_api(chunked: bool, declared: Option<u64>, sent: Arc<AtomicUsize>) -> RawServer {
    RawServer::start(move |req| {
        if req.path() == "/oauth/token" {
            return json(
                200,
                r#"{"access_token":"endless-test-token","expires_in":3600}"#,
            );
        }
        let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n");
        if chunked {
            head.push_str("Transfer-Encoding: chunked\r\n");
        }
        if let Some(length) = declared {
            head.push_str(&format!("Content-Length: {length}\r\n"));
        }
        head.push_str("\r\n");
        let mut chunk = b"{\"padding\":\"".to_vec();
        chunk.resize(64 * 1024, b'x');
        Answer::Endless {
            head,
            chunk,
            chunked,
            sent: sent.clone(),
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_cap_are_refused_while_streaming() {
    const CAP: usize = 1 << 20;
    let _alone = MEMORY.lock().await;
    let (start, end) = may();
    for (what, chunked, declared) in [
        ("chunked, no length", true, None),
        ("close-delimited, no length", false, None),
        ("a declared length of 10 GiB", false, Some(10u64 << 30)),
    ] {
        let sent = Arc::new(AtomicUsize::new(0));
        let server = endless_api(chunked, declared, sent.clone()).await;
        let client = builder_for(&server.url())
            .credentials(ClientCredentials::new(CLIENT_ID, SECRET))
            .max_body_bytes(CAP)
            .build()
            .unwrap();
        let rss_before = rss_kib();
        let started = Instant::now();
        let error = tokio::time::timeout(
            Duration::from_secs(20),
            client.get_billing_reports_billableusage(start, end),
        )
        .await
        .expect("no hang")
        .unwrap_err();
        let elapsed = started.elapsed();
        assert!(
            matches!(error, Error::Transport(TransportError::BodyTooLarge { limit }) if limit == CAP),
            "{what}: {error:?}"
        );
        // Let the server notice the closed connection.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let sent = sent.load(Ordering::SeqCst);
        let grown = rss_kib().saturating_sub(rss_before);
        println!(
            "{what}: refused after {elapsed:.1?}, server wrote {sent} bytes, VmRSS +{grown} KiB"
        );
        // What the server wrote is the cap plus what the loopback socket buffers held.
        assert!(
            sent < 64 << 20,
            "{what}: the client read on ({sent} bytes sent)"
        );
        assert!(grown < 32 * 1024, "{what}: VmRSS grew by {grown} KiB");
        assert!(elapsed < Duration::from_secs(5), "{what}: took {elapsed:?}");
        assert_eq!(
            server
                .requests()
                .iter()
                .filter(|r| r.path().starts_with("/api/"))
                .count(),
            1,
            "{what}: a body over the cap is not retried"
        );
    }

    // The token reply goes through the same cap.
    let sent = Arc::new(AtomicUsize::new(0));
    let login = RawServer::start({
        let sent = sent.clone();
        move |_| {
            let mut chunk = b"{\"access_token\":\"".to_vec();
            chunk.resize(64 * 1024, b'a');
            Answer::Endless {
                head: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".into(),
                chunk,
                chunked: true,
                sent: sent.clone(),
            }
        }
    })
    .await;
    let client = builder_for(&login.url())
        .credentials(ClientCredentials::new(CLIENT_ID, SECRET))
        .max_body_bytes(CAP)
        .build()
        .unwrap();
    let error = tokio::time::timeout(
        Duration::from_secs(20),
        client.get_billing_reports_billableusage(start, end),
    )
    .await
    .expect("no hang")
    .unwrap_err();
    assert!(
        matches!(&error, Error::Transport(TransportError::Auth(AuthError::TokenRequest(inner))) if matches!(**inner, TransportError::BodyTooLarge { limit } if limit == CAP)),
        "{error:?}"
    );
    assert!(sent.load(Ordering::SeqCst) < 64 << 20);
}

/// The default cap (64 MiB) holds too: an endless body ends in `BodyTooLarge`, with memory
/// bounded by the cap rather than by what the server is willing to send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_cap_bounds_memory() {
    let _alone = MEMORY.lock().await;
    let (start, end) = may();
    let sent = Arc::new(AtomicUsize::new(0));
    let server = endless_api(true, None, sent.clone()).await;
    let client = builder_for(&server.url())
        .credentials(ClientCredentials::new(CLIENT_ID, SECRET))
        .build()
        .unwrap();
    let rss_before = rss_kib();
    let error = tokio::time::timeout(
        Duration::from_secs(30),
        client.get_billing_reports_billableusage(start, end),
    )
    .await
    .expect("no hang")
    .unwrap_err();
    assert!(
        matches!(error, Error::Transport(TransportError::BodyTooLarge { limit }) if limit == billing_transport::DEFAULT_MAX_BODY_BYTES),
        "{error:?}"
    );
    let grown = rss_kib().saturating_sub(rss_before);
    let sent = sent.load(Ordering::SeqCst);
    println!("default cap: server wrote {sent} bytes, VmRSS +{grown} KiB");
    assert!(sent < 128 << 20, "{sent} bytes sent");
    assert!(
        grown < 256 * 1024,
        "VmRSS grew by {grown} KiB for a 64 MiB cap"
    );
}
