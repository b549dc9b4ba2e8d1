//! The serde side of gc's file: tables of profiles, the keys this crate reads, and values
//! whose errors never quote a secret.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use toml::Spanned;

use super::{
    ConfigError, Located, Profile, ProxySettings, Secret, Source, parse_environment, position,
};

/// The file as `gc` writes it: a table per profile. Top-level values that are not tables are
/// skipped like unknown keys.
pub(super) struct Document(pub(super) Vec<(String, Option<RawProfile>)>);

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
pub(super) struct RawProfile {
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
    pub(super) fn into_profile(
        self,
        name: String,
        path: &Path,
        text: &str,
    ) -> Result<Profile, ConfigError> {
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
                let proxy = ProxySettings {
                    host: host.value,
                    port: proxy_port.map_or(80, |(_, port)| port),
                    username: proxy_username.map(|u| u.value),
                    password: proxy_password.map(|p| p.value),
                };
                // A host the URL cannot hold would leave the transport without a proxy, silently.
                let url_holds_host = !proxy.host.contains(['/', '?', '#', '@', ' '])
                    && proxy.url().parse::<http::Uri>().is_ok();
                if !url_holds_host {
                    return Err(invalid(
                        "proxy_host",
                        host.line,
                        format!("{:?} is not a host name or address", proxy.host),
                    ));
                }
                Some(Located {
                    line: host.line,
                    value: proxy,
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
