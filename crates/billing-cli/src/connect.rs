//! Connecting: a client for Genesys Cloud from the connection flags, or a sandbox started
//! in this process and a client for it (`--sandbox`).

use std::num::NonZeroU32;

use billing_api::{Client, ClientBuilder, Error, RateLimit, Setting};
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
        let builder = ClientBuilder::from_env_vars(sandbox.client_env())
            .map_err(|e| Failure::new(Exit::Failure, format!("sandbox: {e}")))?;
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
        let message = match &e {
            // The SDK names environment variables; the flags mean the same.
            Error::Config { setting, reason } => match (flag(*setting), setting.env_var()) {
                (Some(flag), Some(var)) => format!("configuration: {flag} / {var}: {reason}"),
                _ => e.to_string(),
            },
            _ => e.to_string(),
        };
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

/// The flag that stands for `setting`.
fn flag(setting: Setting) -> Option<&'static str> {
    match setting {
        Setting::ClientId => Some("--client-id"),
        Setting::ClientSecret => Some("--client-secret"),
        Setting::Region => Some("--region"),
        Setting::ApiUrl => Some("--api-url"),
        Setting::LoginUrl => Some("--login-url"),
        _ => None,
    }
}
