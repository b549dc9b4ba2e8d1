//! HTTPS hosts and an HTTP `CONNECT` proxy on loopback, for requests that must go through the
//! proxy the client is configured with: a CA and a server certificate made here (OpenSSL, which
//! native-tls already builds on), a TLS front that decrypts and forwards to a plain-HTTP test
//! server or sandbox, and a proxy that tunnels every `CONNECT` to that front whatever host was
//! asked for. Nothing leaves the machine and no name is ever resolved.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use billing_api::Certificate;
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{Ssl, SslAcceptor, SslMethod};
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectAlternativeName};
use openssl::x509::{X509, X509NameBuilder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A test CA and a server certificate it issued for `hosts`.
pub struct Pki {
    ca: X509,
    server_key: PKey<Private>,
    server: X509,
}

impl Pki {
    /// A new CA and a server certificate for each of `hosts` (DNS names).
    pub fn new(hosts: &[&str]) -> Pki {
        let ca_key = key();
        let mut ca = certificate("billing test CA", &ca_key, None);
        ca.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        ca.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
        ca.sign(&ca_key, MessageDigest::sha256()).unwrap();
        let ca = ca.build();

        let server_key = key();
        let mut server = certificate(hosts[0], &server_key, Some(&ca));
        let mut san = SubjectAlternativeName::new();
        for host in hosts {
            san.dns(host);
        }
        let san = san.build(&server.x509v3_context(Some(&ca), None)).unwrap();
        server.append_extension(san).unwrap();
        server.sign(&ca_key, MessageDigest::sha256()).unwrap();
        Pki {
            ca,
            server_key,
            server: server.build(),
        }
    }

    /// The CA, to trust with `ClientBuilder::add_root_certificate`.
    pub fn ca(&self) -> Certificate {
        Certificate::from_pem(&self.ca.to_pem().unwrap()).unwrap()
    }

    /// The CA as a PEM file's text.
    pub fn ca_pem(&self) -> String {
        String::from_utf8(self.ca.to_pem().unwrap()).unwrap()
    }
}

fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

fn certificate(cn: &str, key: &PKey<Private>, issuer: Option<&X509>) -> openssl::x509::X509Builder {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    let name = name.build();
    let mut builder = X509::builder().unwrap();
    builder.set_version(2).unwrap();
    let serial = BigNum::from_u32(fastrand::u32(1..u32::MAX)).unwrap();
    builder
        .set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    builder.set_subject_name(&name).unwrap();
    builder
        .set_issuer_name(issuer.map_or(&name, |ca| ca.subject_name()))
        .unwrap();
    builder.set_pubkey(key).unwrap();
    builder
        .set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::days_from_now(2).unwrap())
        .unwrap();
    builder
}

/// A TLS server on loopback that decrypts each connection and forwards its bytes to the
/// plain-HTTP server at `upstream`.
pub struct TlsFront {
    /// Where it listens.
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TlsFront {
    /// Starts a front with `pki`'s server certificate, HTTP/1.1 only.
    pub async fn start(pki: &Pki, upstream: SocketAddr) -> TlsFront {
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
        acceptor.set_private_key(&pki.server_key).unwrap();
        acceptor.set_certificate(&pki.server).unwrap();
        acceptor.add_extra_chain_cert(pki.ca.clone()).unwrap();
        let acceptor = Arc::new(acceptor.build());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let ssl = Ssl::new(acceptor.context()).unwrap();
                    let mut tls = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
                    if Pin::new(&mut tls).accept().await.is_err() {
                        return;
                    }
                    let Ok(mut plain) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsFront { addr, task }
    }
}

/// An HTTP proxy on loopback that accepts `CONNECT`, records each request head and tunnels
/// every connection to `upstream`, whatever host was asked for; anything but `CONNECT` gets a
/// 405.
pub struct ConnectProxy {
    /// Where it listens.
    pub addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ConnectProxy {
    /// Starts a proxy tunnelling to `upstream`.
    pub async fn start(upstream: SocketAddr) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = heads.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if client.read(&mut byte).await.unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let connect = head.starts_with("CONNECT ");
                    record.lock().unwrap().push(head);
                    if !connect {
                        let _ = client
                            .write_all(
                                b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n",
                            )
                            .await;
                        return;
                    }
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = client
                        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                        .await;
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        });
        ConnectProxy { addr, heads, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request head received so far (request line and headers).
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// The request line of every head received so far.
    pub fn request_lines(&self) -> Vec<String> {
        self.heads()
            .iter()
            .map(|head| head.lines().next().unwrap_or_default().to_owned())
            .collect()
    }
}
