//! TLS against a real TLS server on loopback, with a CA, server and client certificates made
//! here (OpenSSL, which native-tls already builds on): trust, ALPN, client certificates, and
//! HTTPS through an `http://` proxy with `CONNECT`. Nothing leaves the machine.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use billing_transport::{
    Certificate, Environment, Identity, Proxy, RetryConfig, TlsVersion, Transport,
    TransportBuilder, TransportError,
};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    AlpnError, Ssl, SslAcceptor, SslMethod, SslVerifyMode, SslVersion, select_next_proto,
};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509, X509NameBuilder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::*;

/// The host name the server certificates are made for (the proxy test never resolves it).
const HOST: &str = "api.billing.test";

/// A key pair and its certificate, PEM-encoded.
struct Issued {
    key: PKey<Private>,
    cert: X509,
}

impl Issued {
    fn cert_pem(&self) -> Vec<u8> {
        self.cert.to_pem().unwrap()
    }

    fn key_pem(&self) -> Vec<u8> {
        self.key.private_key_to_pem_pkcs8().unwrap()
    }
}

fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A certificate for `cn`, signed by `issuer` (self-signed when `None`).
fn issue(cn: &str, issuer: Option<&Issued>, kind: Kind) -> Issued {
    let key = key();
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
        .set_issuer_name(issuer.map_or(&name, |i| i.cert.subject_name()))
        .unwrap();
    builder.set_pubkey(&key).unwrap();
    builder
        .set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::days_from_now(2).unwrap())
        .unwrap();
    match kind {
        Kind::Ca => {
            builder
                .append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap();
            builder
                .append_extension(
                    KeyUsage::new()
                        .critical()
                        .key_cert_sign()
                        .crl_sign()
                        .build()
                        .unwrap(),
                )
                .unwrap();
        }
        Kind::Server => {
            let san = SubjectAlternativeName::new()
                .dns(HOST)
                .dns("localhost")
                .ip("127.0.0.1")
                .build(&builder.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
                .unwrap();
            builder.append_extension(san).unwrap();
            builder
                .append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
                .unwrap();
        }
        Kind::Client => {
            builder
                .append_extension(ExtendedKeyUsage::new().client_auth().build().unwrap())
                .unwrap();
        }
    }
    let signer = issuer.map_or(&key, |i| &i.key);
    builder.sign(signer, MessageDigest::sha256()).unwrap();
    Issued {
        cert: builder.build(),
        key,
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Ca,
    Server,
    Client,
}

/// A CA and what it issued.
struct Pki {
    ca: Issued,
    server: Issued,
    client: Issued,
}

fn pki() -> Pki {
    let ca = issue("billing test CA", None, Kind::Ca);
    let server = issue(HOST, Some(&ca), Kind::Server);
    let client = issue("billing-test-client", Some(&ca), Kind::Client);
    Pki { ca, server, client }
}

/// What the TLS server offers and asks.
#[derive(Clone, Copy)]
struct Offer {
    h2: bool,
    require_client_cert: bool,
    tls12_only: bool,
}

/// A TLS server on loopback answering every request with `version=…; client=…`: the HTTP
/// version it spoke and the common name of the client certificate it was shown ("-" if none).
struct TlsServer {
    addr: SocketAddr,
    handshakes: Arc<Mutex<Vec<Result<(), String>>>>,
}

impl TlsServer {
    async fn start(pki: &Pki, offer: Offer) -> TlsServer {
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
        acceptor.set_private_key(&pki.server.key).unwrap();
        acceptor.set_certificate(&pki.server.cert).unwrap();
        acceptor.add_extra_chain_cert(pki.ca.cert.clone()).unwrap();
        let protocols: &'static [u8] = if offer.h2 {
            b"\x02h2\x08http/1.1"
        } else {
            b"\x08http/1.1"
        };
        acceptor.set_alpn_select_callback(move |_, client| {
            select_next_proto(protocols, client).ok_or(AlpnError::NOACK)
        });
        if offer.tls12_only {
            acceptor
                .set_max_proto_version(Some(SslVersion::TLS1_2))
                .unwrap();
        }
        if offer.require_client_cert {
            let mut store = X509StoreBuilder::new().unwrap();
            store.add_cert(pki.ca.cert.clone()).unwrap();
            acceptor.set_verify_cert_store(store.build()).unwrap();
            acceptor.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
        }
        let acceptor = Arc::new(acceptor.build());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handshakes: Arc<Mutex<Vec<Result<(), String>>>> = Arc::default();
        let seen = handshakes.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let ssl = Ssl::new(acceptor.context()).unwrap();
                    let mut tls = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
                    if let Err(e) = Pin::new(&mut tls).accept().await {
                        seen.lock().unwrap().push(Err(e.to_string()));
                        return;
                    }
                    seen.lock().unwrap().push(Ok(()));
                    let client = tls
                        .ssl()
                        .peer_certificate()
                        .and_then(|c| {
                            c.subject_name()
                                .entries_by_nid(Nid::COMMONNAME)
                                .next()
                                .and_then(|e| e.data().to_string().ok())
                        })
                        .unwrap_or_else(|| "-".to_owned());
                    let service = service_fn(move |req: Request<Incoming>| {
                        let body = format!("version={:?}; client={client}", req.version());
                        async move { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body)))) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        TlsServer { addr, handshakes }
    }

    /// `https://localhost:<port>`.
    fn url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    fn handshakes(&self) -> Vec<Result<(), String>> {
        self.handshakes.lock().unwrap().clone()
    }
}

/// A transport for `base` without credentials, proxy or retries.
fn https_builder(base: &str) -> TransportBuilder {
    Transport::builder()
        .environment(Environment::custom(base, base).unwrap())
        .proxy(Proxy::none())
        .retry(RetryConfig::disabled())
        .attempt_timeout(Duration::from_secs(10))
}

fn trusting(builder: TransportBuilder, pki: &Pki) -> TransportBuilder {
    builder.add_root_certificate(Certificate::from_pem(&pki.ca.cert_pem()).unwrap())
}

async fn body_of(transport: &Transport) -> String {
    let response = transport.send(get(API_PATH)).await.unwrap();
    assert_eq!(response.status(), 200);
    String::from_utf8(response.body().to_vec()).unwrap()
}

const H1_ONLY: Offer = Offer {
    h2: false,
    require_client_cert: false,
    tls12_only: false,
};
const H2: Offer = Offer {
    h2: true,
    require_client_cert: false,
    tls12_only: false,
};

#[tokio::test]
async fn an_untrusted_certificate_is_refused_with_a_tls_error_and_not_retried() {
    let pki = pki();
    let server = TlsServer::start(&pki, H1_ONLY).await;
    let transport = https_builder(&server.url())
        .retry(fast_retry().max_attempts(4))
        .build()
        .unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    let TransportError::Tls { host, .. } = &err else {
        panic!("expected a TLS error, got {err:?}");
    };
    assert_eq!(host, &format!("localhost:{}", server.addr.port()));
    assert!(err.to_string().contains("TLS"), "{err}");
    // The cause names the certificate problem.
    let mut causes = String::new();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        causes.push_str(&cause.to_string());
        source = cause.source();
    }
    assert!(causes.contains("certificate"), "{causes}");
    // Another attempt would meet the same certificate: one handshake only.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.handshakes().len(), 1, "{:?}", server.handshakes());
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused_even_from_a_trusted_ca() {
    let pki = pki();
    let server = TlsServer::start(&pki, H1_ONLY).await;
    // The proxy tunnels to the server whatever host is asked for, so the client meets a
    // certificate for api.billing.test while it expects other.billing.test.
    let (proxy, _) = connect_proxy(server.addr).await;
    let err = trusting(https_builder("https://other.billing.test"), &pki)
        .proxy(Proxy::https(format!("http://{proxy}")))
        .build()
        .unwrap()
        .send(get(API_PATH))
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Tls { .. }), "{err:?}");
}

#[tokio::test]
async fn trusting_the_ca_through_the_builder_connects() {
    let pki = pki();
    let server = TlsServer::start(&pki, H1_ONLY).await;
    let transport = trusting(https_builder(&server.url()), &pki)
        .build()
        .unwrap();
    assert_eq!(body_of(&transport).await, "version=HTTP/1.1; client=-");
}

#[tokio::test]
async fn alpn_chooses_http2_when_the_server_offers_it_and_http11_otherwise() {
    let pki = pki();
    let h2 = TlsServer::start(&pki, H2).await;
    let transport = trusting(https_builder(&h2.url()), &pki).build().unwrap();
    assert_eq!(body_of(&transport).await, "version=HTTP/2.0; client=-");

    let h1 = TlsServer::start(&pki, H1_ONLY).await;
    let transport = trusting(https_builder(&h1.url()), &pki).build().unwrap();
    assert_eq!(body_of(&transport).await, "version=HTTP/1.1; client=-");
}

#[tokio::test]
async fn a_minimum_tls_version_above_the_servers_is_refused() {
    let pki = pki();
    let tls12 = TlsServer::start(
        &pki,
        Offer {
            h2: false,
            require_client_cert: false,
            tls12_only: true,
        },
    )
    .await;
    // TLS 1.2 is accepted by default.
    let transport = trusting(https_builder(&tls12.url()), &pki).build().unwrap();
    assert_eq!(body_of(&transport).await, "version=HTTP/1.1; client=-");
    // Not when the client asks for TLS 1.3 at least.
    let err = trusting(https_builder(&tls12.url()), &pki)
        .min_tls_version(TlsVersion::Tls1_3)
        .build()
        .unwrap()
        .send(get(API_PATH))
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Tls { .. }), "{err:?}");
    // A server that speaks TLS 1.3 is fine with it.
    let tls13 = TlsServer::start(&pki, H1_ONLY).await;
    let transport = trusting(https_builder(&tls13.url()), &pki)
        .min_tls_version(TlsVersion::Tls1_3)
        .build()
        .unwrap();
    assert_eq!(body_of(&transport).await, "version=HTTP/1.1; client=-");
}

#[tokio::test]
async fn a_client_certificate_is_presented_when_configured() {
    let pki = pki();
    let server = TlsServer::start(
        &pki,
        Offer {
            h2: true,
            require_client_cert: true,
            tls12_only: false,
        },
    )
    .await;
    let identity = Identity::from_pkcs8_pem(&pki.client.cert_pem(), &pki.client.key_pem()).unwrap();
    assert!(!format!("{identity:?}").contains("PRIVATE"));
    let transport = trusting(https_builder(&server.url()), &pki)
        .identity(identity)
        .build()
        .unwrap();
    assert_eq!(
        body_of(&transport).await,
        "version=HTTP/2.0; client=billing-test-client"
    );
}

#[tokio::test]
async fn a_server_that_requires_a_client_certificate_refuses_a_client_without_one() {
    let pki = pki();
    // TLS 1.2: the server refuses within the handshake, so the client sees a TLS error.
    let server = TlsServer::start(
        &pki,
        Offer {
            h2: false,
            require_client_cert: true,
            tls12_only: true,
        },
    )
    .await;
    let transport = trusting(https_builder(&server.url()), &pki)
        .build()
        .unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    assert!(matches!(err, TransportError::Tls { .. }), "{err:?}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let handshakes = server.handshakes();
    assert!(
        matches!(handshakes.as_slice(), [Err(e)] if e.contains("certificate")),
        "{handshakes:?}"
    );

    // TLS 1.3: the client's side of the handshake is over before the server checks the
    // certificate, so the refusal comes as the server closing the connection. Still an error,
    // never an answer.
    let server = TlsServer::start(
        &pki,
        Offer {
            h2: false,
            require_client_cert: true,
            tls12_only: false,
        },
    )
    .await;
    let transport = trusting(https_builder(&server.url()), &pki)
        .build()
        .unwrap();
    let err = transport.send(get(API_PATH)).await.unwrap_err();
    assert!(
        matches!(err, TransportError::Tls { .. } | TransportError::Io { .. }),
        "{err:?}"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let handshakes = server.handshakes();
    assert!(
        matches!(handshakes.as_slice(), [Err(e)] if e.contains("certificate")),
        "{handshakes:?}"
    );
}

/// An HTTP proxy on loopback that accepts `CONNECT`, records the target and tunnels every
/// connection to `upstream`, whatever host was asked for.
async fn connect_proxy(upstream: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
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
                let request_line = head.lines().next().unwrap_or_default().to_owned();
                record.lock().unwrap().push(request_line.clone());
                if !request_line.starts_with("CONNECT ") {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
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
    (addr, seen)
}

#[tokio::test]
async fn https_through_an_http_proxy_goes_through_connect() {
    let pki = pki();
    let server = TlsServer::start(&pki, H2).await;
    let (proxy, seen) = connect_proxy(server.addr).await;
    // The client never resolves api.billing.test: only the proxy is connected to, and TLS
    // (certificate name included) runs end to end through the tunnel.
    let base = format!("https://{HOST}");
    let transport = trusting(https_builder(&base), &pki)
        .proxy(Proxy::https(format!("http://{proxy}")))
        .build()
        .unwrap();
    assert_eq!(body_of(&transport).await, "version=HTTP/2.0; client=-");
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [format!("CONNECT {HOST}:443 HTTP/1.1")]
    );
    assert_eq!(server.handshakes(), [Ok(())]);
}
