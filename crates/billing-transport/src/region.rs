//! Genesys Cloud regions and the base URLs a client talks to.
//!
//! The API host of a region is `https://api.<domain>` and its login (OAuth) host is
//! `https://login.<domain>`, as in every official SDK.

use std::fmt;
use std::str::FromStr;

use http::Uri;

use crate::error::BuildError;

macro_rules! regions {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, $domain:literal, $aws:literal; )*) => {
        /// A Genesys Cloud region (deployment), as named by the official SDKs.
        ///
        /// Parse one from any of the names people use: the SDK name (`us_east_1`), the AWS region
        /// (`us-east-1`), the domain (`mypurecloud.com`), the API or login host
        /// (`api.mypurecloud.com`) or a full URL (`https://api.mypurecloud.com/`).
        ///
        /// ```
        /// use billing_transport::Region;
        /// let r: Region = "api.mypurecloud.ie".parse().unwrap();
        /// assert_eq!(r, Region::EuWest1);
        /// assert_eq!(r.to_string(), "eu_west_1");
        /// assert_eq!(r.api_base_url(), "https://api.mypurecloud.ie");
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Region {
            $( $(#[$doc])* $variant, )*
        }

        impl Region {
            /// Every known region, in the order of the official SDKs' region tables.
            pub const ALL: [Region; 18] = [ $( Region::$variant, )* ];

            /// The SDK name, e.g. `us_east_1`.
            pub const fn name(self) -> &'static str {
                match self { $( Region::$variant => $name, )* }
            }

            /// The domain, e.g. `mypurecloud.com`.
            pub const fn domain(self) -> &'static str {
                match self { $( Region::$variant => $domain, )* }
            }

            /// The AWS region it runs in, e.g. `us-east-1`.
            pub const fn aws_region(self) -> &'static str {
                match self { $( Region::$variant => $aws, )* }
            }
        }
    };
}

regions! {
    /// `mypurecloud.com` (US East, the default).
    UsEast1 => "us_east_1", "mypurecloud.com", "us-east-1";
    /// `mypurecloud.ie` (EU, Ireland).
    EuWest1 => "eu_west_1", "mypurecloud.ie", "eu-west-1";
    /// `mypurecloud.com.au` (Asia Pacific, Sydney).
    ApSoutheast2 => "ap_southeast_2", "mypurecloud.com.au", "ap-southeast-2";
    /// `mypurecloud.jp` (Asia Pacific, Tokyo).
    ApNortheast1 => "ap_northeast_1", "mypurecloud.jp", "ap-northeast-1";
    /// `mypurecloud.de` (EU, Frankfurt).
    EuCentral1 => "eu_central_1", "mypurecloud.de", "eu-central-1";
    /// `usw2.pure.cloud` (US West, Oregon).
    UsWest2 => "us_west_2", "usw2.pure.cloud", "us-west-2";
    /// `cac1.pure.cloud` (Canada).
    CaCentral1 => "ca_central_1", "cac1.pure.cloud", "ca-central-1";
    /// `apne2.pure.cloud` (Asia Pacific, Seoul).
    ApNortheast2 => "ap_northeast_2", "apne2.pure.cloud", "ap-northeast-2";
    /// `euw2.pure.cloud` (EU, London).
    EuWest2 => "eu_west_2", "euw2.pure.cloud", "eu-west-2";
    /// `aps1.pure.cloud` (Asia Pacific, Mumbai).
    ApSouth1 => "ap_south_1", "aps1.pure.cloud", "ap-south-1";
    /// `use2.us-gov-pure.cloud` (US East 2, FedRAMP).
    UsEast2 => "us_east_2", "use2.us-gov-pure.cloud", "us-east-2";
    /// `sae1.pure.cloud` (South America, São Paulo).
    SaEast1 => "sa_east_1", "sae1.pure.cloud", "sa-east-1";
    /// `mec1.pure.cloud` (Middle East, UAE).
    MeCentral1 => "me_central_1", "mec1.pure.cloud", "me-central-1";
    /// `apne3.pure.cloud` (Asia Pacific, Osaka).
    ApNortheast3 => "ap_northeast_3", "apne3.pure.cloud", "ap-northeast-3";
    /// `euc2.pure.cloud` (EU, Zurich).
    EuCentral2 => "eu_central_2", "euc2.pure.cloud", "eu-central-2";
    /// `mxc1.pure.cloud` (Mexico).
    MxCentral1 => "mx_central_1", "mxc1.pure.cloud", "mx-central-1";
    /// `apse1.pure.cloud` (Asia Pacific, Singapore).
    ApSoutheast1 => "ap_southeast_1", "apse1.pure.cloud", "ap-southeast-1";
    /// `edee1.eusc-pure.cloud` (EU Sovereign Cloud, Germany).
    EuscDeEast1 => "eusc_de_east_1", "edee1.eusc-pure.cloud", "eusc-de-east-1";
}

impl Region {
    /// The API base URL, e.g. `https://api.mypurecloud.com`.
    pub fn api_base_url(self) -> String {
        format!("https://api.{}", self.domain())
    }

    /// The login (OAuth) base URL, e.g. `https://login.mypurecloud.com`.
    pub fn login_base_url(self) -> String {
        format!("https://login.{}", self.domain())
    }
}

impl Default for Region {
    /// `us_east_1`, the default of every official SDK.
    fn default() -> Self {
        Region::UsEast1
    }
}

impl fmt::Display for Region {
    /// The SDK name, e.g. `us_east_1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A region name that matched no known region.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown Genesys Cloud region {input:?}; valid regions: {}",
    valid_list()
)]
pub struct UnknownRegionError {
    input: String,
}

impl UnknownRegionError {
    /// The name that was given.
    pub fn input(&self) -> &str {
        &self.input
    }
}

fn valid_list() -> String {
    Region::ALL
        .iter()
        .map(|r| format!("{} ({})", r.name(), r.domain()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Region {
    type Err = UnknownRegionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownRegionError {
            input: s.to_owned(),
        };
        let lower = s.trim().to_ascii_lowercase();
        // A URL or host: keep the host only.
        let rest = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit('@').next().unwrap_or(host);
        let host = host.split(':').next().unwrap_or(host).trim_end_matches('.');
        let domain = host
            .strip_prefix("api.")
            .or_else(|| host.strip_prefix("login."))
            .unwrap_or(host);
        if let Some(r) = Region::ALL.iter().find(|r| r.domain() == domain) {
            return Ok(*r);
        }
        if lower.contains("://") {
            return Err(unknown());
        }
        let name = host.replace('-', "_");
        Region::ALL
            .iter()
            .find(|r| r.name() == name)
            .copied()
            .ok_or_else(unknown)
    }
}

/// Where the API and the login (OAuth) service live: a [`Region`] or a custom pair of base URLs
/// (private deployments, local test servers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    api_base: Uri,
    login_base: Uri,
    region: Option<Region>,
}

impl Environment {
    /// The environment of a known region.
    pub fn from_region(region: Region) -> Self {
        Environment {
            api_base: Uri::try_from(region.api_base_url()).expect("region URLs are valid"),
            login_base: Uri::try_from(region.login_base_url()).expect("region URLs are valid"),
            region: Some(region),
        }
    }

    /// A custom pair of base URLs, e.g. `http://127.0.0.1:8080` for both.
    ///
    /// Each must be an absolute `http` or `https` URL without query; a path prefix is kept.
    pub fn custom(api_base_url: &str, login_base_url: &str) -> Result<Self, BuildError> {
        Ok(Environment {
            api_base: parse_base(api_base_url)?,
            login_base: parse_base(login_base_url)?,
            region: None,
        })
    }

    /// An environment from an API base URL alone: the login URL is derived the way the official
    /// SDKs do it (`//api.` becomes `//login.`); for a known region's host the region is kept.
    pub fn from_api_base_url(api_base_url: &str) -> Result<Self, BuildError> {
        let api_base = parse_base(api_base_url)?;
        if let Ok(region) = api_base_url.parse::<Region>() {
            if api_base.scheme_str() == Some("https")
                && api_base.host() == Some(&format!("api.{}", region.domain()))
            {
                return Ok(Environment::from_region(region));
            }
        }
        let host = api_base.host().unwrap_or_default();
        let Some(rest) = host.strip_prefix("api.") else {
            return Err(BuildError::InvalidUrl {
                url: api_base_url.to_owned(),
                reason: "cannot derive the login URL: host does not start with `api.`; \
                         use Environment::custom"
                    .into(),
            });
        };
        let login = api_base_url.replacen(host, &format!("login.{rest}"), 1);
        Ok(Environment {
            api_base,
            login_base: parse_base(&login)?,
            region: None,
        })
    }

    /// The API base URL (no trailing slash).
    pub fn api_base(&self) -> &Uri {
        &self.api_base
    }

    /// The login base URL (no trailing slash).
    pub fn login_base(&self) -> &Uri {
        &self.login_base
    }

    /// The OAuth token endpoint, `{login}/oauth/token`.
    pub fn token_url(&self) -> Uri {
        join(&self.login_base, "/oauth/token").expect("a valid base joined with a fixed path")
    }

    /// The OAuth authorization endpoint a person signs in at, `{login}/oauth/authorize`.
    pub fn authorize_url(&self) -> Uri {
        join(&self.login_base, "/oauth/authorize").expect("a valid base joined with a fixed path")
    }

    /// The region, when this environment is a known one.
    pub fn region(&self) -> Option<Region> {
        self.region
    }
}

impl Default for Environment {
    /// `us_east_1` (`https://api.mypurecloud.com`), the official SDKs' default.
    fn default() -> Self {
        Environment::from_region(Region::UsEast1)
    }
}

impl From<Region> for Environment {
    fn from(region: Region) -> Self {
        Environment::from_region(region)
    }
}

impl FromStr for Environment {
    type Err = BuildError;

    /// A region name (any form [`Region`] parses), or failing that an API base URL.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<Region>() {
            Ok(r) => Ok(Environment::from_region(r)),
            Err(e) if s.contains("://") => {
                Environment::from_api_base_url(s).map_err(|_| BuildError::UnknownRegion(e))
            }
            Err(e) => Err(BuildError::UnknownRegion(e)),
        }
    }
}

fn parse_base(url: &str) -> Result<Uri, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let uri: Uri = url
        .trim()
        .trim_end_matches('/')
        .parse()
        .map_err(|_| invalid("not a URL"))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => return Err(invalid("scheme must be http or https")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    if uri.query().is_some() {
        return Err(invalid("a base URL has no query"));
    }
    if let Some((_, host)) = uri.authority().and_then(|a| a.as_str().rsplit_once('@')) {
        // Credentials go through OAuth; a `user:password@` would only show in logs and errors,
        // so the error does not quote it either.
        return Err(BuildError::InvalidUrl {
            url: format!(
                "{}://[redacted]@{host}",
                uri.scheme_str().unwrap_or_default()
            ),
            reason: "a base URL has no user:password@".to_owned(),
        });
    }
    Ok(uri)
}

/// `base` (absolute, maybe with a path prefix) joined with a relative `path_and_query`.
pub(crate) fn join(base: &Uri, path_and_query: &str) -> Result<Uri, http::Error> {
    let prefix = base.path().trim_end_matches('/');
    let rel = if path_and_query.starts_with('/') {
        path_and_query.to_owned()
    } else {
        format!("/{path_and_query}")
    };
    let mut parts = http::uri::Parts::default();
    parts.scheme = base.scheme().cloned();
    parts.authority = base.authority().cloned();
    parts.path_and_query = Some(format!("{prefix}{rel}").parse()?);
    Ok(Uri::from_parts(parts)?)
}

/// Whether two absolute URIs have the same origin: scheme and host (both case-insensitive) and
/// port (the scheme's default when not written).
///
/// ```
/// use billing_transport::same_origin;
/// let api: http::Uri = "https://api.mypurecloud.com".parse().unwrap();
/// assert!(same_origin(&"HTTPS://API.mypurecloud.com:443/x".parse().unwrap(), &api));
/// assert!(!same_origin(&"https://api.mypurecloud.com:8443/x".parse().unwrap(), &api));
/// assert!(!same_origin(&"http://api.mypurecloud.com/x".parse().unwrap(), &api));
/// assert!(!same_origin(&"/x".parse().unwrap(), &api));
/// ```
pub fn same_origin(a: &Uri, b: &Uri) -> bool {
    let port = |u: &Uri| {
        u.port_u16().or(match u.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => Some(443),
            Some(s) if s.eq_ignore_ascii_case("http") => Some(80),
            _ => None,
        })
    };
    let scheme = |u: &Uri| u.scheme_str().map(str::to_ascii_lowercase);
    scheme(a).is_some()
        && scheme(a) == scheme(b)
        && a.host()
            .zip(b.host())
            .is_some_and(|(x, y)| x.eq_ignore_ascii_case(y))
        && port(a) == port(b)
}

/// Whether `host` is a loopback host (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`;
/// brackets around an IPv6 address are allowed): the hosts plain HTTP is accepted for.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    const SUFFIX: &str = ".localhost";
    let subdomain = host.len() >= SUFFIX.len()
        && host.is_char_boundary(host.len() - SUFFIX.len())
        && host[host.len() - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX);
    if host.eq_ignore_ascii_case("localhost") || subdomain {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Whether credentials may be sent to `uri`: HTTPS, or plain HTTP to a loopback host.
pub(crate) fn credentials_allowed(uri: &Uri) -> Result<(), String> {
    match uri.scheme_str() {
        Some("https") => Ok(()),
        _ => {
            let host = uri.host().unwrap_or_default();
            if is_loopback_host(host) {
                Ok(())
            } else {
                Err(host.to_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{credentials_allowed, is_loopback_host};

    #[test]
    fn loopback_hosts() {
        for host in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "[0:0:0:0:0:0:0:1]",
            "localhost",
            "LocalHost",
            "api.localhost",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "128.0.0.1",
            "127.0.0.1.example.com",
            "::2",
            "localhost.example.com",
            "example.com",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn credentials_need_https_or_loopback() {
        let allowed = |uri: &str| credentials_allowed(&uri.parse().unwrap());
        assert_eq!(allowed("https://api.example.com/x"), Ok(()));
        assert_eq!(allowed("http://127.0.0.1:8080/x"), Ok(()));
        assert_eq!(allowed("http://[::1]:8080/x"), Ok(()));
        assert_eq!(
            allowed("http://api.example.com/x"),
            Err("api.example.com".to_owned())
        );
    }
}
