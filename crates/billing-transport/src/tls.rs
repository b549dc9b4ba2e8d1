//! TLS settings: extra trusted roots, a client identity for mutual TLS, the lowest protocol
//! version accepted. The TLS implementation is the platform's (native-tls: OpenSSL on Linux,
//! Secure Transport on macOS, SChannel on Windows), so the system's trusted roots apply too.

use std::fmt;

use crate::error::BuildError;

/// A certificate to trust as a root, in addition to the system's (a private CA, a TLS-inspecting
/// proxy's CA).
#[derive(Clone)]
pub struct Certificate(pub(crate) native_tls::Certificate);

impl Certificate {
    /// One PEM-encoded certificate (`-----BEGIN CERTIFICATE-----`).
    pub fn from_pem(pem: &[u8]) -> Result<Certificate, BuildError> {
        native_tls::Certificate::from_pem(pem)
            .map(Certificate)
            .map_err(|e| BuildError::Tls(e.into()))
    }

    /// One DER-encoded certificate.
    pub fn from_der(der: &[u8]) -> Result<Certificate, BuildError> {
        native_tls::Certificate::from_der(der)
            .map(Certificate)
            .map_err(|e| BuildError::Tls(e.into()))
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate").finish_non_exhaustive()
    }
}

/// A client certificate and its private key, presented when a server asks for one (mutual TLS).
/// `Debug` shows nothing of the key.
#[derive(Clone)]
pub struct Identity(pub(crate) native_tls::Identity);

impl Identity {
    /// A PEM certificate chain (leaf first) and a PEM PKCS #8 private key.
    pub fn from_pkcs8_pem(cert_chain: &[u8], key: &[u8]) -> Result<Identity, BuildError> {
        native_tls::Identity::from_pkcs8(cert_chain, key)
            .map(Identity)
            .map_err(|e| BuildError::Tls(e.into()))
    }

    /// A DER-encoded PKCS #12 archive and its password.
    pub fn from_pkcs12_der(der: &[u8], password: &str) -> Result<Identity, BuildError> {
        native_tls::Identity::from_pkcs12(der, password)
            .map(Identity)
            .map_err(|e| BuildError::Tls(e.into()))
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Identity([redacted])")
    }
}

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2 (the default minimum).
    Tls1_2,
    /// TLS 1.3 (not offered by every platform's TLS library).
    Tls1_3,
}

impl TlsVersion {
    fn protocol(self) -> native_tls::Protocol {
        match self {
            TlsVersion::Tls1_2 => native_tls::Protocol::Tlsv12,
            TlsVersion::Tls1_3 => native_tls::Protocol::Tlsv13,
        }
    }
}

/// The TLS part of the transport's settings.
#[derive(Debug, Clone)]
pub(crate) struct TlsSettings {
    pub roots: Vec<Certificate>,
    pub identity: Option<Identity>,
    pub min_version: TlsVersion,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            roots: Vec::new(),
            identity: None,
            min_version: TlsVersion::Tls1_2,
        }
    }
}

impl TlsSettings {
    /// A connector offering HTTP/2 and HTTP/1.1 through ALPN.
    pub fn connector(&self) -> Result<native_tls::TlsConnector, BuildError> {
        let mut builder = native_tls::TlsConnector::builder();
        builder
            .request_alpns(&["h2", "http/1.1"])
            .min_protocol_version(Some(self.min_version.protocol()));
        for root in &self.roots {
            builder.add_root_certificate(root.0.clone());
        }
        if let Some(identity) = &self.identity {
            builder.identity(identity.0.clone());
        }
        builder.build().map_err(|e| BuildError::Tls(e.into()))
    }
}
