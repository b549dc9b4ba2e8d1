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
use std::sync::Arc;

use billing_transport::{
    ClientCredentials, Environment, ProxyConfig, ProxyMatcher, Region, StaticTokenSource,
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use toml::Spanned;

use crate::client::ClientBuilder;

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
    pub fn to_proxy_config(&self) -> ProxyConfig {
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
        ProxyConfig::from_matcher(ProxyMatcher::builder().https(url).build())
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

/// The file as `gc` writes it: a table per profile. Top-level values that are not tables are
/// skipped like unknown keys.
struct Document(Vec<(String, Option<RawProfile>)>);

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DocumentVisitor;
        impl<'de> Visitor<'de> for DocumentVisitor {
            type Value = Document;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("tables of profile settings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
                let mut entries = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let MaybeProfile(profile) = map.next_value()?;
                    entries.push((name, profile));
                }
                Ok(Document(entries))
            }
        }
        deserializer.deserialize_map(DocumentVisitor)
    }
}

struct MaybeProfile(Option<RawProfile>);

impl<'de> Deserialize<'de> for MaybeProfile {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MaybeVisitor;
        impl<'de> Visitor<'de> for MaybeVisitor {
            type Value = MaybeProfile;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a profile table")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MaybeProfile, A::Error> {
                RawProfile::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|p| MaybeProfile(Some(p)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<MaybeProfile, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeProfile(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<MaybeProfile, E> {
                Ok(MaybeProfile(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<MaybeProfile, E> {
                Ok(MaybeProfile(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<MaybeProfile, E> {
                Ok(MaybeProfile(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<MaybeProfile, E> {
                Ok(MaybeProfile(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<MaybeProfile, E> {
                Ok(MaybeProfile(None))
            }
        }
        deserializer.deserialize_any(MaybeVisitor)
    }
}

/// The keys of a profile this crate reads; serde skips the others.
#[derive(Deserialize)]
struct RawProfile {
    environment: Option<Spanned<String>>,
    client_credentials: Option<Spanned<String>>,
    client_secret: Option<Spanned<SecretValue>>,
    access_token: Option<Spanned<SecretValue>>,
    redirect_uri: Option<Spanned<String>>,
    proxy_protocol: Option<Spanned<String>>,
    proxy_host: Option<Spanned<String>>,
    proxy_port: Option<Spanned<Port>>,
    proxy_username: Option<Spanned<String>>,
    proxy_password: Option<Spanned<SecretValue>>,
    log_file_path: Option<Spanned<String>>,
    logging_enabled: Option<Spanned<FlexBool>>,
}

/// A secret string. Its type error says nothing of the value (serde's would quote it).
struct SecretValue(Secret);

impl<'de> Deserialize<'de> for SecretValue {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecretVisitor;
        impl Visitor<'_> for SecretVisitor {
            type Value = SecretValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SecretValue, E> {
                Ok(SecretValue(Secret::new(v)))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<SecretValue, E> {
                Ok(SecretValue(Secret::new(v)))
            }
        }
        deserializer.deserialize_string(SecretVisitor).map_err(|_| {
            de::Error::custom("expected a string (the value is not shown: it is a secret)")
        })
    }
}

/// `proxy_port`: gc writes a string; a TOML integer is accepted too.
struct Port(u16);

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PortVisitor;
        impl Visitor<'_> for PortVisitor {
            type Value = Port;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a port number from 1 to 65535")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Port, E> {
                match u16::try_from(v) {
                    Ok(port) if port > 0 => Ok(Port(port)),
                    _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Port, E> {
                match u16::try_from(v) {
                    Ok(port) if port > 0 => Ok(Port(port)),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Port, E> {
                match v.trim().parse::<u16>() {
                    Ok(port) if port > 0 => Ok(Port(port)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(PortVisitor)
    }
}

/// `logging_enabled`: a TOML boolean, or the strings `"true"` / `"false"`.
struct FlexBool(bool);

impl<'de> Deserialize<'de> for FlexBool {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BoolVisitor;
        impl Visitor<'_> for BoolVisitor {
            type Value = FlexBool;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FlexBool, E> {
                Ok(FlexBool(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FlexBool, E> {
                match v.trim().to_ascii_lowercase().as_str() {
                    "true" => Ok(FlexBool(true)),
                    "false" => Ok(FlexBool(false)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(BoolVisitor)
    }
}

impl RawProfile {
    fn into_profile(self, name: String, path: &Path, text: &str) -> Result<Profile, ConfigError> {
        let line = |span: std::ops::Range<usize>| position(text, span.start).0;
        // gc writes empty strings for settings that are not set.
        let string = |value: Option<Spanned<String>>| {
            value.and_then(|v| {
                let line = line(v.span());
                let value = v.into_inner().trim().to_owned();
                (!value.is_empty()).then_some(Located { value, line })
            })
        };
        let secret = |value: Option<Spanned<SecretValue>>| {
            value.and_then(|v| {
                let line = line(v.span());
                let SecretValue(secret) = v.into_inner();
                (!secret.expose().trim().is_empty()).then_some(Located {
                    value: secret,
                    line,
                })
            })
        };
        let invalid = |setting, line, reason: String| ConfigError::Invalid {
            setting,
            origin: Source::Profile {
                profile: name.clone(),
                path: path.to_owned(),
                line,
            },
            reason,
        };

        let proxy_protocol = string(self.proxy_protocol);
        let proxy_host = string(self.proxy_host);
        let proxy_port = self.proxy_port.map(|p| (line(p.span()), p.into_inner().0));
        let proxy_username = string(self.proxy_username);
        let proxy_password = secret(self.proxy_password);
        let proxy = match proxy_host {
            Some(host) => {
                if let Some(protocol) = &proxy_protocol {
                    if !protocol.value.eq_ignore_ascii_case("http") {
                        return Err(invalid(
                            "proxy_protocol",
                            protocol.line,
                            format!(
                                "{:?} is not supported: HTTPS is tunnelled through an http proxy (CONNECT)",
                                protocol.value
                            ),
                        ));
                    }
                }
                Some(Located {
                    line: host.line,
                    value: ProxySettings {
                        host: host.value,
                        port: proxy_port.map_or(80, |(_, port)| port),
                        username: proxy_username.map(|u| u.value),
                        password: proxy_password.map(|p| p.value),
                    },
                })
            }
            None => {
                if let Some((line, _)) = proxy_port {
                    return Err(invalid(
                        "proxy_port",
                        line,
                        "is set without proxy_host".into(),
                    ));
                }
                None
            }
        };
        let profile = Profile {
            environment: string(self.environment),
            client_id: string(self.client_credentials),
            client_secret: secret(self.client_secret),
            access_token: secret(self.access_token),
            redirect_uri: string(self.redirect_uri),
            proxy,
            log_file_path: string(self.log_file_path).map(|p| Located {
                value: PathBuf::from(p.value),
                line: p.line,
            }),
            logging_enabled: self.logging_enabled.map(|b| Located {
                line: line(b.span()),
                value: b.into_inner().0,
            }),
            name: name.clone(),
            path: path.to_owned(),
        };
        // A bad environment is reported when the file is read, with its line, not at first use.
        if let Some(env) = &profile.environment {
            parse_environment(&env.value)
                .map_err(|reason| invalid("environment", env.line, reason))?;
        }
        Ok(profile)
    }
}

/// Reads an `environment` value the way `gc` does, and a little more:
///
/// * a region name, in gc's form (`eu-west-1`) or the SDKs' (`eu_west_1`);
/// * a domain (`mypurecloud.ie`, also an unlisted one: `https://api.<domain>` and
///   `https://login.<domain>`), or an API or login host name;
/// * a base URL (`http://127.0.0.1:8080` for a local server serving both API and login; an
///   `https://api.…` URL derives its login host).
///
/// ```
/// use billing_api::Region;
/// use billing_api::profile::parse_environment;
/// assert_eq!(parse_environment("eu-west-1").unwrap().region(), Some(Region::EuWest1));
/// assert_eq!(parse_environment("mypurecloud.ie").unwrap().region(), Some(Region::EuWest1));
/// let private = parse_environment("example.pure.cloud").unwrap();
/// assert_eq!(private.login_base(), "https://login.example.pure.cloud");
/// assert!(parse_environment("atlantis").is_err());
/// ```
pub fn parse_environment(value: &str) -> Result<Environment, String> {
    let value = value.trim();
    if value.contains("://") {
        let api_host = value
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(value)
            .to_ascii_lowercase();
        return if api_host.starts_with("api.") {
            Environment::from_api_base_url(value)
        } else {
            Environment::custom(value, value)
        }
        .map_err(|e| e.to_string());
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
    /// The proxy is not set here: pass [`ProxySettings::to_proxy_config`] to the transport.
    pub fn configure(&self, builder: ClientBuilder) -> ClientBuilder {
        let builder = builder.environment(self.environment.value.clone());
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
