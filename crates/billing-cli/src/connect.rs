//! Connecting: a client for Genesys Cloud from the connection flags, or a sandbox started
//! in this process and a client for it (`--sandbox`).

use std::num::NonZeroU32;

use billing_api::{Client, ClientBuilder, ClientCredentials, Environment, RateLimit};
use billing_sandbox::Sandbox;

use crate::cli::Connection;
use crate::exit::{Exit, Failure};

/// What a command asks of its connection beyond the flags.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectOptions {
    /// At most this many requests per minute (`overview --max-rate`).
    pub max_rate: Option<u32>,
}

/// A client, and the sandbox it talks to when `--sandbox` is on (kept alive until the end).
pub(crate) struct Session {
    /// The client.
    pub client: Client,
    /// The in-process sandbox, with `--sandbox`.
    pub sandbox: Option<Sandbox>,
}

/// Connects as the flags say.
pub(crate) async fn connect(
    connection: &Connection,
    options: ConnectOptions,
) -> Result<Session, Failure> {
    let (builder, sandbox) = if connection.sandbox {
        let sandbox = Sandbox::builder()
            .in_progress_polls(1)
            .no_rate_limit()
            .start()
            .await
            .map_err(|e| Failure::new(Exit::Failure, format!("cannot start the sandbox: {e}")))?;
        tracing::debug!(base_url = sandbox.base_url(), "sandbox started in-process");
        let environment = Environment::custom(sandbox.base_url(), sandbox.base_url())
            .map_err(|e| Failure::new(Exit::Failure, format!("sandbox URL: {e}")))?;
        let builder =
            Client::builder()
                .environment(environment)
                .credentials(ClientCredentials::new(
                    sandbox.client_id(),
                    sandbox.client_secret(),
                ));
        (builder, Some(sandbox))
    } else {
        (builder_from(connection)?, None)
    };
    let builder = match options.max_rate.and_then(NonZeroU32::new) {
        Some(n) => builder.rate_limit(RateLimit::per_minute(n)),
        None => builder,
    };
    let client = builder.build()?;
    Ok(Session { client, sandbox })
}

/// A client builder from the flags (clap has already read the environment variables into
/// them), with the SDK's own rules for regions and URLs.
fn builder_from(connection: &Connection) -> Result<ClientBuilder, Failure> {
    let missing = |flag: &str, var: &str| {
        Failure::new(Exit::Usage, format!("no OAuth client {flag}: pass --client-{flag} or set {var}"))
            .hint("create an OAuth client of the client-credentials type in Genesys Cloud Admin; or try --sandbox to see the tool without an account")
    };
    if blank(&connection.client_id) {
        return Err(missing("id", "GENESYSCLOUD_OAUTHCLIENT_ID"));
    }
    if blank(&connection.client_secret) {
        return Err(missing("secret", "GENESYSCLOUD_OAUTHCLIENT_SECRET"));
    }
    let builder = ClientBuilder::from_env_with(|name| match name {
        "GENESYSCLOUD_OAUTHCLIENT_ID" => connection.client_id.clone(),
        "GENESYSCLOUD_OAUTHCLIENT_SECRET" => connection.client_secret.clone(),
        "GENESYSCLOUD_REGION" => connection.region.clone(),
        "GENESYSCLOUD_API_URL" => connection.api_url.clone(),
        "GENESYSCLOUD_LOGIN_URL" => connection.login_url.clone(),
        _ => None,
    })
    .map_err(|e| {
        // The SDK names environment variables; the flags mean the same.
        let message = e
            .to_string()
            .replace("GENESYSCLOUD_REGION", "--region / GENESYSCLOUD_REGION")
            .replace("GENESYSCLOUD_API_URL", "--api-url / GENESYSCLOUD_API_URL")
            .replace("GENESYSCLOUD_LOGIN_URL", "--login-url / GENESYSCLOUD_LOGIN_URL");
        Failure::new(Exit::Usage, message).hint(
            "--region takes a name such as us_east_1 or eu_west_1 or a domain such as mypurecloud.ie; \
             --api-url/--login-url take absolute URLs",
        )
    })?;
    tracing::debug!(
        region = connection.region.as_deref().unwrap_or(""),
        api_url = connection.api_url.as_deref().unwrap_or(""),
        login_url = connection.login_url.as_deref().unwrap_or(""),
        "connection settings"
    );
    Ok(builder)
}

fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}
