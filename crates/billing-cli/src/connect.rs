//! Connecting: a client for Genesys Cloud from the connection flags, or a sandbox started
//! in this process and a client for it (`--sandbox`).

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use billing_api::profile::{
    Auth, ConfigError, DEFAULT_PROFILE, Overrides, Profile, Secret, Settings, Source,
};
use billing_api::{Client, ClientBuilder, RateLimit, Setting, StaticTokenSource};
use billing_sandbox::Sandbox;

use crate::cli::Connection;
use crate::exit::{Exit, Failure, hint_for};
use crate::token_cache::TokenCache;

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
    /// How the client authenticates.
    pub auth: AuthKind,
}

/// Connects as the flags say.
pub(crate) async fn connect(
    connection: &Connection,
    options: ConnectOptions,
) -> Result<Session, Failure> {
    let (builder, sandbox, auth, environment_source) = if connection.sandbox {
        let sandbox = Sandbox::builder()
            .in_progress_polls(1)
            .no_rate_limit()
            .start()
            .await
            .map_err(|e| Failure::new(Exit::Failure, format!("cannot start the sandbox: {e}")))?;
        tracing::debug!(base_url = sandbox.base_url(), "sandbox started in-process");
        let builder = ClientBuilder::from_env_vars(sandbox.client_env())
            .map_err(|e| Failure::new(Exit::Failure, format!("sandbox: {e}")))?;
        (builder, Some(sandbox), AuthKind::ClientCredentials, None)
    } else {
        let (builder, auth, source) = builder_from(connection)?;
        (builder, None, auth, Some(source))
    };
    let builder = match options.max_rate.and_then(NonZeroU32::new) {
        Some(n) => builder.rate_limit(RateLimit::per_minute(n)),
        None => builder,
    };
    let client = builder
        .build()
        .map_err(|e| name_the_source(e, environment_source.as_ref()))?;
    Ok(Session {
        client,
        sandbox,
        auth,
    })
}

/// An environment the client refused is named by where it came from (`--api-url`, `$VAR`, a
/// profile's line), not always by its environment variable.
fn name_the_source(error: billing_api::Error, source: Option<&Source>) -> Failure {
    match (&error, source) {
        (
            billing_api::Error::Config {
                setting: Setting::Region | Setting::ApiUrl | Setting::LoginUrl,
                reason,
            },
            Some(source),
        ) if *source != Source::Default => {
            let failure = Failure::new(Exit::Usage, format!("configuration: {source}: {reason}"));
            match hint_for(&error) {
                Some(hint) => failure.hint(hint),
                None => failure,
            }
        }
        _ => Failure::from(error),
    }
}

/// The configuration in effect: every setting with its source, and the profile it was read
/// from (whose name keys the saved sign-in).
pub(crate) struct Resolved {
    /// The settings.
    pub settings: Settings,
    /// The profile's name: the one given, else `DEFAULT`.
    pub profile_name: String,
}

/// Reads the profile the flags name (or `DEFAULT`, when there is one) and picks each setting:
/// flags, then environment variables, then the profile, then defaults.
pub(crate) fn resolve(
    connection: &Connection,
    log_file: Option<&Path>,
) -> Result<Resolved, Failure> {
    let profile = Profile::load(connection.config.as_deref(), connection.profile.as_deref())
        .map_err(config_failure)?;
    // A value clap took from an environment variable is left to the SDK's environment layer,
    // so that its source says so.
    let flag = |id: &str, value: &Option<String>| {
        value.clone().filter(|_| !connection.from_env.contains(&id))
    };
    let mut overrides = Overrides::default();
    overrides.region = flag("region", &connection.region);
    overrides.api_url = flag("api_url", &connection.api_url);
    overrides.login_url = flag("login_url", &connection.login_url);
    overrides.client_id = flag("client_id", &connection.client_id);
    overrides.client_secret = flag("client_secret", &connection.client_secret).map(Secret::new);
    overrides.access_token = flag("access_token", &connection.access_token).map(Secret::new);
    overrides.log_file = log_file.map(Path::to_owned);
    let settings = Settings::resolve(
        &overrides,
        |name| std::env::var(name).ok(),
        profile.as_ref(),
    )
    .map_err(config_failure)?;
    Ok(Resolved {
        settings,
        profile_name: connection
            .profile
            .clone()
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned()),
    })
}

/// A configuration error: a usage error naming the file and line, or the flag or variable.
pub(crate) fn config_failure(error: ConfigError) -> Failure {
    let hint = match &error {
        ConfigError::Invalid {
            origin: Source::Flag(_) | Source::Env(_),
            ..
        } => {
            "--region takes a name such as us_east_1 or eu_west_1 or a domain such as \
             mypurecloud.ie; --api-url/--login-url take absolute URLs"
        }
        _ => {
            "the profiles are tables of gc's ~/.gc/config.toml (--config for another file); \
             `genesys-billing profiles list` shows them"
        }
    };
    Failure::new(Exit::Usage, error.to_string()).hint(hint)
}

/// How the client authenticates; a refusal is explained accordingly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthKind {
    /// OAuth client credentials.
    ClientCredentials,
    /// A token given by the user, from the source named.
    AccessToken(String),
    /// The token `login` saved, in the file named.
    SavedSignIn(PathBuf),
}

/// A client builder from the flags, the environment and the profile.
fn builder_from(connection: &Connection) -> Result<(ClientBuilder, AuthKind, Source), Failure> {
    let Resolved {
        settings,
        profile_name,
    } = resolve(connection, None)?;
    let environment_source = settings.environment.source.clone();
    let (builder, auth) = authenticated(settings, &profile_name)?;
    Ok((builder, auth, environment_source))
}

/// A builder for `settings`, and how it signs in: client credentials, an access token, or the
/// token `login` saved for the profile.
fn authenticated(
    settings: Settings,
    profile_name: &str,
) -> Result<(ClientBuilder, AuthKind), Failure> {
    let builder = settings.configure(Client::builder());
    tracing::debug!(
        environment = %settings.environment.value.api_base(),
        source = %settings.environment.source,
        "connection settings"
    );
    match settings.auth() {
        Auth::AccessToken(token) => Ok((builder, AuthKind::AccessToken(token.source.to_string()))),
        Auth::ClientCredentials { .. } => Ok((builder, AuthKind::ClientCredentials)),
        _ => {
            let cache = TokenCache::new(profile_name, &settings.environment.value)?;
            if settings.client_id.is_none() || settings.client_secret.is_none() {
                if let Some(saved) = cache.load()? {
                    if saved.expired() {
                        let at = saved.expires_at.map_or_else(String::new, |at| {
                            format!(" at {}", at.format("%Y-%m-%d %H:%M UTC"))
                        });
                        return Err(Failure::new(
                            Exit::Auth,
                            format!(
                                "token refused or expired: the saved sign-in ({}) expired{at}",
                                cache.path().display()
                            ),
                        )
                        .hint("run `genesys-billing login` again, or configure client credentials or an access token"));
                    }
                    let source = StaticTokenSource::new(saved.access_token.expose());
                    return Ok((
                        builder.token_source(Arc::new(source)),
                        AuthKind::SavedSignIn(cache.path().to_owned()),
                    ));
                }
            }
            let missing = |flag: &str, var: &str| {
                Failure::new(
                    Exit::Usage,
                    format!("no OAuth client {flag}: pass --client-{flag} or set {var}"),
                )
                .hint(
                    "use an OAuth client of the client-credentials type (flags, environment or \
                     a gc profile), an access token (--access-token), or sign in with \
                     `genesys-billing login`; or try --sandbox to see the tool without an account",
                )
            };
            if settings.client_id.is_none() {
                Err(missing("id", "GENESYSCLOUD_OAUTHCLIENT_ID"))
            } else {
                Err(missing("secret", "GENESYSCLOUD_OAUTHCLIENT_SECRET"))
            }
        }
    }
}
