//! The secret and the tokens never show in Debug output, errors or tracing output.
//!
//! A test binary of its own: it installs the global tracing subscriber, which a thread-local
//! one shared with parallel tests cannot replace reliably (callsite interest is cached
//! process-wide).

#[path = "transport/common.rs"]
#[allow(dead_code)]
mod common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use billing_transport::{
    AccessToken, ClientCredentials, ClientCredentialsTokenSource, StaticTokenSource, TokenSource,
};

use crate::common::*;

const TOKEN_1: &str = "tok-AAAA-first-secret-token";
const TOKEN_2: &str = "tok-BBBB-second-secret-token";

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
async fn secret_and_tokens_are_absent_from_debug_and_tracing_output() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = Server::start({
        let issued = AtomicUsize::new(0);
        move |req| match req.uri.path() {
            TOKEN_PATH => {
                let token = if issued.fetch_add(1, Ordering::SeqCst) == 0 {
                    TOKEN_1
                } else {
                    TOKEN_2
                };
                token_reply(token, 3600)
            }
            // token-1 is refused once, exercising the refresh path; 429 exercises the retry path.
            _ if req.bearer().as_deref() == Some(TOKEN_1) => respond(401, "{}"),
            "/limited" => with_header(respond(429, "{}"), "retry-after", "3600"),
            _ => respond(200, OK_BODY),
        }
    })
    .await;
    let transport = builder(&server).build().unwrap();
    let response = transport.send(get(API_PATH)).await.unwrap();
    let err = transport.send(get("/limited")).await.unwrap_err();

    let credentials = ClientCredentials::new(CLIENT_ID, SECRET);
    let source =
        ClientCredentialsTokenSource::new(credentials.clone(), &server.environment()).unwrap();
    let fetched = source.token().await.unwrap();
    assert_eq!(fetched.expose(), TOKEN_2);

    let debug_output = format!(
        "{credentials:?} {credentials} {source:?} {transport:?} {response:?} {err:?} {err} {fetched:?} {:?} {:?} {:?}",
        AccessToken::new(TOKEN_1),
        StaticTokenSource::new(TOKEN_2),
        builder(&server),
    );
    let traced = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();

    for haystack in [&debug_output, &traced] {
        for needle in [SECRET, TOKEN_1, TOKEN_2, "Bearer", "Basic "] {
            assert!(
                !haystack.contains(needle),
                "{needle:?} leaked into:\n{haystack}"
            );
        }
    }
    // The trace does say what happened.
    assert!(traced.contains("genesys_request"), "{traced}");
    assert!(
        traced.contains("getBillingReportsBillableusage"),
        "{traced}"
    );
    assert!(traced.contains("corr-1234"), "{traced}");
    assert!(traced.contains("status=200"), "{traced}");
    assert!(traced.contains("status=429"), "{traced}");
    assert!(debug_output.contains(CLIENT_ID));
}
