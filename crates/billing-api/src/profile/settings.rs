//! Picking each setting from flags, environment variables, the profile and defaults, and
//! remembering where it came from.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use billing_transport::{ClientCredentials, Environment, StaticTokenSource};

use super::{ConfigError, Located, Profile, ProxySettings, Secret, parse_environment};
use crate::client::ClientBuilder;

/// Where a setting's value came from. Sources are ordered by precedence: a flag beats an
/// environment variable, which beats a profile, which beats the default.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Set explicitly, e.g. by the command-line flag named.
    Flag(&'static str),
    /// The environment variable named.
    Env(&'static str),
    /// A profile of a configuration file.
    Profile {
        /// The profile's name.
        profile: String,
        /// The file.
        path: PathBuf,
        /// The line of the value.
        line: usize,
    },
    /// Nothing set it.
    Default,
}

impl Source {
    /// 3 for a flag, 2 for the environment, 1 for a profile, 0 for the default.
    fn rank(&self) -> u8 {
        match self {
            Source::Flag(_) => 3,
            Source::Env(_) => 2,
            Source::Profile { .. } => 1,
            Source::Default => 0,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "{flag}"),
            Source::Env(name) => write!(f, "${name}"),
            Source::Profile {
                profile,
                path,
                line,
            } => write!(f, "profile {profile} ({}:{line})", path.display()),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A setting's value and where it came from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

impl<T> Sourced<T> {
    fn new(value: T, source: Source) -> Sourced<T> {
        Sourced { value, source }
    }
}

/// Values set explicitly (by command-line flags, or by the program); they beat the environment
/// and the profile. Each is reported as coming from the flag of the same name.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Overrides {
    /// `--region`: any form [`parse_environment`] reads.
    pub region: Option<String>,
    /// `--api-url`.
    pub api_url: Option<String>,
    /// `--login-url` (with `--api-url`).
    pub login_url: Option<String>,
    /// `--client-id`.
    pub client_id: Option<String>,
    /// `--client-secret`.
    pub client_secret: Option<Secret>,
    /// `--access-token`.
    pub access_token: Option<Secret>,
    /// `--log-file`.
    pub log_file: Option<PathBuf>,
}

/// How requests are authenticated, as [`Settings`] decided.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Auth<'a> {
    /// A token held already, sent as it is and never refreshed.
    AccessToken(&'a Sourced<Secret>),
    /// OAuth client credentials (client-credentials grant).
    ClientCredentials {
        /// The client id.
        client_id: &'a Sourced<String>,
        /// Its secret.
        client_secret: &'a Sourced<Secret>,
    },
    /// Nothing configured.
    None,
}

/// The settings in effect, each with its [`Source`]: explicit values, then the `GENESYSCLOUD_*`
/// environment variables, then the profile, then the defaults.
///
/// Environment variables read: `GENESYSCLOUD_REGION`, `GENESYSCLOUD_API_URL`,
/// `GENESYSCLOUD_LOGIN_URL`, `GENESYSCLOUD_OAUTHCLIENT_ID`, `GENESYSCLOUD_OAUTHCLIENT_SECRET`,
/// `GENESYSCLOUD_ACCESS_TOKEN`. At each level a base URL beats a region name.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The profile that was read, if any.
    pub profile: Option<String>,
    /// Where the API and login service are (default `us_east_1`).
    pub environment: Sourced<Environment>,
    /// The OAuth client id: for client credentials, and for browser sign-in.
    pub client_id: Option<Sourced<String>>,
    /// The OAuth client secret.
    pub client_secret: Option<Sourced<Secret>>,
    /// A token to send as it is.
    pub access_token: Option<Sourced<Secret>>,
    /// The redirect URI for browser sign-in (profile `redirect_uri`).
    pub redirect_uri: Option<Sourced<String>>,
    /// The proxy for HTTPS requests (profile `proxy_*`).
    pub proxy: Option<Sourced<ProxySettings>>,
    /// Where to append the log: `--log-file`, or the profile's `log_file_path` when its
    /// `logging_enabled` is true.
    pub log_file: Option<Sourced<PathBuf>>,
}

impl Settings {
    /// Picks every setting from `overrides`, the environment (read through `env`) and
    /// `profile`, in that order.
    pub fn resolve(
        overrides: &Overrides,
        env: impl Fn(&str) -> Option<String>,
        profile: Option<&Profile>,
    ) -> Result<Settings, ConfigError> {
        let env = |name: &'static str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| (v, Source::Env(name)))
        };
        let flag = |value: &Option<String>, name: &'static str| {
            value
                .as_ref()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| (v, Source::Flag(name)))
        };
        let from_profile = |value: Option<&Located<String>>| {
            value
                .zip(profile)
                .map(|(v, p)| (v.value.clone(), p.source(v.line)))
        };

        let environment = environment_at(
            flag(&overrides.api_url, "--api-url"),
            flag(&overrides.login_url, "--login-url"),
            flag(&overrides.region, "--region"),
        )
        .or_else(|| {
            environment_at(
                env("GENESYSCLOUD_API_URL"),
                env("GENESYSCLOUD_LOGIN_URL"),
                env("GENESYSCLOUD_REGION"),
            )
        })
        .or_else(|| {
            from_profile(profile.and_then(|p| p.environment.as_ref()))
                .map(|(text, source)| Ok((Place::Text(text), source)))
        })
        .map(|setting| {
            let (place, source) = setting?;
            Ok::<_, ConfigError>(Sourced::new(
                place.parse().map_err(|reason| ConfigError::Invalid {
                    setting: "environment",
                    origin: source.clone(),
                    reason,
                })?,
                source,
            ))
        })
        .transpose()?
        .unwrap_or_else(|| Sourced::new(Environment::default(), Source::Default));

        let pick = |flag_value: Option<(String, Source)>,
                    var: &'static str,
                    profile_value: Option<&Located<String>>| {
            flag_value
                .or_else(|| env(var))
                .or_else(|| from_profile(profile_value))
                .map(|(value, source)| Sourced::new(value, source))
        };
        let secret = |flag_value: &Option<Secret>,
                      flag_name: &'static str,
                      var: &'static str,
                      profile_value: Option<&Located<Secret>>| {
            flag_value
                .as_ref()
                .filter(|s| !s.expose().trim().is_empty())
                .map(|s| Sourced::new(s.clone(), Source::Flag(flag_name)))
                .or_else(|| env(var).map(|(v, source)| Sourced::new(Secret::new(v), source)))
                .or_else(|| {
                    profile_value
                        .zip(profile)
                        .map(|(v, p)| Sourced::new(v.value.clone(), p.source(v.line)))
                })
        };

        let client_id = pick(
            flag(&overrides.client_id, "--client-id"),
            "GENESYSCLOUD_OAUTHCLIENT_ID",
            profile.and_then(|p| p.client_id.as_ref()),
        );
        let client_secret = secret(
            &overrides.client_secret,
            "--client-secret",
            "GENESYSCLOUD_OAUTHCLIENT_SECRET",
            profile.and_then(|p| p.client_secret.as_ref()),
        );
        let access_token = secret(
            &overrides.access_token,
            "--access-token",
            "GENESYSCLOUD_ACCESS_TOKEN",
            profile.and_then(|p| p.access_token.as_ref()),
        );
        let redirect_uri = from_profile(profile.and_then(|p| p.redirect_uri.as_ref()))
            .map(|(value, source)| Sourced::new(value, source));
        let proxy = profile.and_then(|p| {
            p.proxy
                .as_ref()
                .map(|proxy| Sourced::new(proxy.value.clone(), p.source(proxy.line)))
        });
        let log_file = match &overrides.log_file {
            Some(path) => Some(Sourced::new(path.clone(), Source::Flag("--log-file"))),
            None => profile.and_then(|p| {
                let enabled = p.logging_enabled.as_ref().is_some_and(|e| e.value);
                p.log_file_path
                    .as_ref()
                    .filter(|_| enabled)
                    .map(|path| Sourced::new(path.value.clone(), p.source(path.line)))
            }),
        };
        Ok(Settings {
            profile: profile.map(|p| p.name.clone()),
            environment,
            client_id,
            client_secret,
            access_token,
            redirect_uri,
            proxy,
            log_file,
        })
    }

    /// How requests will be authenticated: an access token, unless client credentials (id and
    /// secret) come from a higher-precedence source than the token.
    pub fn auth(&self) -> Auth<'_> {
        let credentials = self.client_id.as_ref().zip(self.client_secret.as_ref());
        match (&self.access_token, credentials) {
            (Some(token), Some((id, secret)))
                if id.source.rank().min(secret.source.rank()) > token.source.rank() =>
            {
                Auth::ClientCredentials {
                    client_id: id,
                    client_secret: secret,
                }
            }
            (Some(token), _) => Auth::AccessToken(token),
            (None, Some((id, secret))) => Auth::ClientCredentials {
                client_id: id,
                client_secret: secret,
            },
            (None, None) => Auth::None,
        }
    }

    /// Sets the environment and, per [`auth`](Settings::auth), a
    /// [`StaticTokenSource`] or the client credentials on
    /// `builder`. With nothing to authenticate with, the builder is left without (its `build`
    /// then says so), so that a caller may add a token source of its own.
    ///
    /// A profile's proxy becomes the client's [`Proxy`](billing_transport::Proxy).
    pub fn configure(&self, builder: ClientBuilder) -> ClientBuilder {
        let mut builder = builder.environment(self.environment.value.clone());
        if let Some(proxy) = &self.proxy {
            builder = builder.proxy(proxy.value.to_proxy());
        }
        match self.auth() {
            Auth::AccessToken(token) => {
                builder.token_source(Arc::new(StaticTokenSource::new(token.value.expose())))
            }
            Auth::ClientCredentials {
                client_id,
                client_secret,
            } => builder.credentials(ClientCredentials::new(
                client_id.value.clone(),
                client_secret.value.expose(),
            )),
            Auth::None => builder,
        }
    }
}

/// An environment as given at one level: a pair of base URLs, or one text for
/// [`parse_environment`].
enum Place {
    Urls { api: String, login: String },
    Text(String),
}

impl Place {
    fn parse(&self) -> Result<Environment, String> {
        match self {
            Place::Urls { api, login } => {
                Environment::custom(api, login).map_err(|e| e.to_string())
            }
            Place::Text(text) => parse_environment(text),
        }
    }
}

/// The environment of one level, if it sets one: an API URL (with a login URL, or derived
/// from it) beats a region.
fn environment_at(
    api_url: Option<(String, Source)>,
    login_url: Option<(String, Source)>,
    region: Option<(String, Source)>,
) -> Option<Result<(Place, Source), ConfigError>> {
    match (api_url, login_url, region) {
        (Some((api, source)), Some((login, _)), _) => {
            Some(Ok((Place::Urls { api, login }, source)))
        }
        (Some((api, source)), None, _) if !api.contains("://") => Some(Err(ConfigError::Invalid {
            setting: "API URL",
            origin: source,
            reason: "not an absolute URL such as https://api.mypurecloud.com".into(),
        })),
        (Some((api, source)), None, _) => Some(Ok((Place::Text(api), source))),
        (None, Some((_, source)), _) => Some(Err(ConfigError::Invalid {
            setting: "login URL",
            origin: source,
            reason: "needs an API URL too (--api-url / GENESYSCLOUD_API_URL)".into(),
        })),
        (None, None, region) => region.map(|(text, source)| Ok((Place::Text(text), source))),
    }
}
