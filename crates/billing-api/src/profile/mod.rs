//! The configuration Genesys users already have: the profiles of the `gc` command-line tool in
//! `~/.gc/config.toml`, the `GENESYSCLOUD_*` environment variables, and the rule that picks a
//! value from them (explicit settings, then the environment, then the profile, then defaults).
//!
//! ```no_run
//! use billing_api::profile::{Overrides, Profile, Settings};
//!
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // The `DEFAULT` table of ~/.gc/config.toml (none is fine), then the environment on top.
//! let profile = Profile::load(None, None)?;
//! let settings = Settings::resolve(&Overrides::default(), |name| std::env::var(name).ok(), profile.as_ref())?;
//! println!("{} from {}", settings.environment.value.api_base(), settings.environment.source);
//! let client = settings.configure(billing_api::Client::builder()).build()?;
//! # Ok(()) }
//! ```
//!
//! A profile is one TOML table, as `gc` writes it:
//!
//! ```toml
//! [DEFAULT]
//! environment = "mypurecloud.ie"          # a domain, or a region: eu-west-1 / eu_west_1
//! client_credentials = "0c2d…"            # the OAuth client id (gc's name for it)
//! client_secret = "…"
//! access_token = "…"                      # a token you already hold; never refreshed
//! proxy_host = "proxy.example.com"
//! proxy_port = "3128"
//! log_file_path = "/var/log/genesys-billing.log"
//! logging_enabled = true
//! ```
//!
//! Keys this crate does not use (gc has many more) are ignored. A file that is not valid TOML,
//! or a value of the wrong kind, is a [`ConfigError`] naming the file and line; no error ever
//! shows a secret.

use std::fmt;
use std::path::{Path, PathBuf};

use billing_transport::{Environment, Proxy, Region};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};

use crate::client::ClientBuilder;

mod file;
mod settings;

pub use settings::{Auth, Overrides, Settings, Source, Sourced};

use file::Document;

/// The profile used when none is named, as in `gc`.
pub const DEFAULT_PROFILE: &str = "DEFAULT";

/// The environment variable naming the profile to use (what `--profile` stands for).
pub const PROFILE_ENV: &str = "GENESYSCLOUD_PROFILE";

/// A secret setting (client secret, access token, proxy password).
///
/// `Debug` and `Display` never show it; [`expose`](Secret::expose) is for building the request
/// that needs it.
///
/// ```
/// use billing_api::profile::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s} {s:?}"), "******** Secret([redacted])");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(SecretString::from(value.into()))
    }

    /// The value itself. Never log it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    /// A fixed mask: not even the length shows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// A value read from a configuration file, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Its line in the file, from 1.
    pub line: usize,
}

/// A proxy for HTTPS requests, from a profile's `proxy_*` keys.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProxySettings {
    /// `proxy_host`.
    pub host: String,
    /// `proxy_port` (default 80, as for any `http://` URL).
    pub port: u16,
    /// `proxy_username`.
    pub username: Option<String>,
    /// `proxy_password`.
    pub password: Option<Secret>,
}

impl ProxySettings {
    /// The proxy URL without credentials, e.g. `http://proxy.example.com:3128`: fit to show.
    pub fn url(&self) -> String {
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("http://{host}:{}", self.port)
    }

    /// The transport's proxy setting: HTTPS requests tunnelled through this proxy (with basic
    /// auth when a username is set).
    pub fn to_proxy(&self) -> Proxy {
        let url = self.url();
        let url = match &self.username {
            Some(user) => {
                let user = utf8_percent_encode(user, NON_ALPHANUMERIC);
                let password = self
                    .password
                    .as_ref()
                    .map(|p| format!(":{}", utf8_percent_encode(p.expose(), NON_ALPHANUMERIC)))
                    .unwrap_or_default();
                url.replacen("http://", &format!("http://{user}{password}@"), 1)
            }
            None => url,
        };
        Proxy::https(url)
    }
}

/// One table of a `gc` configuration file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Profile {
    /// The table's name, e.g. `DEFAULT`.
    pub name: String,
    /// The file it was read from.
    pub path: PathBuf,
    /// `environment`: a domain (`mypurecloud.ie`), a region name (`eu-west-1`, `eu_west_1`) or a
    /// base URL; see [`parse_environment`].
    pub environment: Option<Located<String>>,
    /// `client_credentials`: the OAuth client id (gc's name for it).
    pub client_id: Option<Located<String>>,
    /// `client_secret`.
    pub client_secret: Option<Located<Secret>>,
    /// `access_token`: a token to send as it is.
    pub access_token: Option<Located<Secret>>,
    /// `redirect_uri`: the loopback redirect URI registered for browser sign-in.
    pub redirect_uri: Option<Located<String>>,
    /// `proxy_host`, `proxy_port`, `proxy_username`, `proxy_password` (at the line of
    /// `proxy_host`).
    pub proxy: Option<Located<ProxySettings>>,
    /// `log_file_path`.
    pub log_file_path: Option<Located<PathBuf>>,
    /// `logging_enabled`.
    pub logging_enabled: Option<Located<bool>>,
}

impl Profile {
    /// The profile to use, the way `gc` finds it.
    ///
    /// `path` defaults to [`default_path`] and `name` to [`DEFAULT_PROFILE`]. When neither is
    /// given, a missing file or a file without a `DEFAULT` table is no error (`Ok(None)`);
    /// when either is given, both must exist.
    pub fn load(path: Option<&Path>, name: Option<&str>) -> Result<Option<Profile>, ConfigError> {
        let explicit = path.is_some() || name.is_some();
        let path = match path {
            Some(path) => path.to_owned(),
            None => match default_path() {
                Some(path) => path,
                None => return Ok(None),
            },
        };
        let file = if explicit {
            ConfigFile::read(&path)?
        } else {
            match ConfigFile::read(&path) {
                Ok(file) => file,
                Err(ConfigError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e),
            }
        };
        match file.profile(name.unwrap_or(DEFAULT_PROFILE)) {
            Ok(profile) => Ok(Some(profile.clone())),
            Err(ConfigError::UnknownProfile { .. }) if name.is_none() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Configures `builder` from this profile alone (no environment variables): environment,
    /// and an access token or client credentials. See [`Settings::configure`].
    pub fn configure(&self, builder: ClientBuilder) -> Result<ClientBuilder, ConfigError> {
        let settings = Settings::resolve(&Overrides::default(), |_| None, Some(self))?;
        Ok(settings.configure(builder))
    }

    /// Where this profile's `key` is, for messages: `profile NAME (FILE:LINE)`.
    fn source(&self, line: usize) -> Source {
        Source::Profile {
            profile: self.name.clone(),
            path: self.path.clone(),
            line,
        }
    }
}

/// `~/.gc/config.toml`, where `gc` keeps its profiles (`None` when there is no home directory).
pub fn default_path() -> Option<PathBuf> {
    dirs::home_dir().map(|home| home.join(".gc").join("config.toml"))
}

/// A `gc` configuration file: its profiles, in file order.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    profiles: Vec<Profile>,
}

impl ConfigFile {
    /// Reads and parses the file at `path`; a missing file is [`ConfigError::NotFound`].
    pub fn read(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                ConfigError::NotFound {
                    path: path.to_owned(),
                }
            } else {
                ConfigError::Read {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        ConfigFile::parse(&text, path)
    }

    /// Parses `text`, the content of the file at `path` (named in errors and sources).
    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
        let syntax = |error: toml::de::Error| {
            let (line, column) = error
                .span()
                .map(|span| position(text, span.start))
                .unwrap_or((1, 1));
            ConfigError::Syntax {
                path: path.to_owned(),
                line,
                column,
                // The message only: toml's `Display` quotes the line, which may hold a secret.
                message: error.message().trim().to_owned(),
            }
        };
        let document: Document = toml::from_str(text).map_err(syntax)?;
        let mut profiles = Vec::new();
        for (name, raw) in document.0 {
            if let Some(raw) = raw {
                profiles.push(raw.into_profile(name, path, text)?);
            }
        }
        Ok(ConfigFile {
            path: path.to_owned(),
            profiles,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The profiles, in file order.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// The profile called `name`; [`ConfigError::UnknownProfile`] (listing the others) if none.
    pub fn profile(&self, name: &str) -> Result<&Profile, ConfigError> {
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| ConfigError::UnknownProfile {
                name: name.to_owned(),
                path: self.path.clone(),
                available: self.profiles.iter().map(|p| p.name.clone()).collect(),
            })
    }
}

/// (line, column), both from 1, of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Why a configuration could not be read or used. Never shows a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file does not exist.
    #[error("configuration file {} does not exist", .path.display())]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// The configuration file could not be read.
    #[error("cannot read configuration file {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a value has the wrong type.
    #[error("{}:{line}:{column}: {message}", .path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The file has no profile of that name.
    #[error("no profile [{name}] in {}{}", .path.display(), available_suffix(.available))]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The file.
        path: PathBuf,
        /// The profiles it has.
        available: Vec<String>,
    },
    /// A setting has a value that cannot be used.
    #[error("{setting} from {origin}: {reason}")]
    Invalid {
        /// The setting, e.g. `environment` or `proxy_port`.
        setting: &'static str,
        /// Where the value came from (for a profile: file and line).
        origin: Source,
        /// What is wrong.
        reason: String,
    },
}

fn available_suffix(available: &[String]) -> String {
    if available.is_empty() {
        " (it has no profiles)".to_owned()
    } else {
        format!(" (profiles: {})", available.join(", "))
    }
}

/// Reads an `environment` value the way `gc` does, and a little more:
///
/// * a region name, in gc's form (`eu-west-1`) or the SDKs' (`eu_west_1`);
/// * a domain (`mypurecloud.ie`, also an unlisted one: `https://api.<domain>` and
///   `https://login.<domain>`), or an API or login host name;
/// * a base URL: an `https://api.…` URL derives its login host (`login.…`); a loopback URL
///   (`http://127.0.0.1:8080`) is a local server serving both API and login.
///
/// ```
/// use billing_api::Region;
/// use billing_api::profile::parse_environment;
/// assert_eq!(parse_environment("eu-west-1").unwrap().region(), Some(Region::EuWest1));
/// assert_eq!(parse_environment("mypurecloud.ie").unwrap().region(), Some(Region::EuWest1));
/// let private = parse_environment("example.pure.cloud").unwrap();
/// assert_eq!(private.login_base(), "https://login.example.pure.cloud");
/// assert!(parse_environment("atlantis").is_err());
/// assert!(parse_environment("https://billing.example.com").is_err());
/// ```
pub fn parse_environment(value: &str) -> Result<Environment, String> {
    let value = value.trim();
    if value.contains("://") {
        // Validates the URL first (scheme, host, no query).
        let both = Environment::custom(value, value).map_err(|e| e.to_string())?;
        let host = both
            .api_base()
            .host()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if host.starts_with("api.") {
            return Environment::from_api_base_url(value).map_err(|e| e.to_string());
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        // A local server serves both; elsewhere the login host is not guessed, so that
        // credentials go only where the user said.
        return if loopback {
            Ok(both)
        } else {
            Err(format!(
                "cannot derive the login URL from {value}: its host does not start with `api.`; \
                 give the login URL too (--login-url / GENESYSCLOUD_LOGIN_URL)"
            ))
        };
    }
    match value.parse::<Region>() {
        Ok(region) => Ok(Environment::from_region(region)),
        Err(unknown) => {
            let lower = value.to_ascii_lowercase();
            if lower == "localhost" || lower.starts_with("localhost:") {
                let url = format!("http://{value}");
                return Environment::custom(&url, &url).map_err(|e| e.to_string());
            }
            if !value.contains('.') || value.contains(['/', ' ', '@']) {
                return Err(unknown.to_string());
            }
            let domain = lower
                .strip_prefix("api.")
                .or_else(|| lower.strip_prefix("login."))
                .unwrap_or(&lower)
                .trim_end_matches('.');
            Environment::custom(
                &format!("https://api.{domain}"),
                &format!("https://login.{domain}"),
            )
            .map_err(|e| e.to_string())
        }
    }
}
