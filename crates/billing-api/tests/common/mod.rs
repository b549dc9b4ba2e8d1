//! Shared setup: a sandbox and a client pointed at it, with fast retries.

#![allow(dead_code)]

use std::time::Duration;

use billing_api::{Client, ClientBuilder, Environment, RetryConfig};
use billing_sandbox::{Sandbox, SandboxBuilder};

/// Retries that keep the real behaviour but not the real waits.
pub fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

/// A builder for a client of `sandbox`, with fast retries.
pub fn client_builder(sandbox: &Sandbox) -> ClientBuilder {
    ClientBuilder::from_env_vars(sandbox.client_env())
        .unwrap()
        .retry(fast_retry())
}

/// A sandbox with the given settings and a client for it.
pub async fn start(builder: SandboxBuilder) -> (Sandbox, Client) {
    let sandbox = builder.start().await.expect("sandbox starts");
    let client = client_builder(&sandbox).build().expect("client builds");
    (sandbox, client)
}

pub mod server;
pub mod tls;

/// A client of a test server, with a fixed token and fast retries.
pub fn client_for(url: &str) -> Client {
    Client::builder()
        .environment(Environment::custom(url, url).unwrap())
        .token_source(std::sync::Arc::new(billing_api::StaticTokenSource::new(
            "test-token",
        )))
        .retry(fast_retry())
        .build()
        .expect("client builds")
}
