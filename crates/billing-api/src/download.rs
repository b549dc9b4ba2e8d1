//! Downloading a document (an invoice PDF) from the pre-signed URL the API answers with.
//!
//! The URL is on another host than the API and carries its own signature, so it is fetched
//! with the transport's [`PlainHttpClient`]: the same proxy and TLS settings as the API
//! requests, but never through the client's stack, so no `Authorization` header (and no
//! token) can reach that host. The body is streamed with bounded memory and refused past a
//! size cap; a download to a path goes to a temporary file in the target's directory, renamed
//! over the target only once the whole body is in, so after any failure nothing is at the
//! target path.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use billing_transport::{BoxError, PlainHttpClient, Transport, is_loopback_host};
use http::{StatusCode, Uri};
use http_body_util::BodyExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::Error;

/// The largest document accepted when no cap is set: 64 MiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// How long a whole download may take when no timeout is set.
pub const DEFAULT_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// What was downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Document {
    /// The `Content-Type` the server declared, e.g. `application/pdf`.
    pub content_type: Option<String>,
    /// Bytes written.
    pub size: u64,
}

/// Why a download failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DownloadErrorKind {
    /// The URL is not an absolute `https` (or loopback `http`) URL.
    InvalidUrl,
    /// A plain-HTTP URL on a host that is not a loopback address.
    InsecureUrl,
    /// The connection could not be made, or broke.
    Connection,
    /// The download took longer than its timeout.
    Timeout(Duration),
    /// The server answered with a status other than 200 (redirects are not followed).
    Status(StatusCode),
    /// The document is larger than the cap (in bytes).
    TooLarge {
        /// The cap.
        limit: u64,
    },
    /// The body ended before the length the server declared.
    Truncated {
        /// `Content-Length`.
        expected: u64,
        /// Bytes received.
        received: u64,
    },
    /// Writing the file failed.
    Io,
}

/// A failed download: where from (the URL without its query, which carries the signature),
/// and why.
#[derive(Debug)]
pub struct DownloadError {
    /// `scheme://host/path` of the document URL.
    pub location: String,
    /// What went wrong.
    pub kind: DownloadErrorKind,
    source: Option<BoxError>,
}

impl fmt::Display for DownloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "downloading {} failed: ", self.location)?;
        match &self.kind {
            DownloadErrorKind::InvalidUrl => f.write_str("not an absolute http(s) URL"),
            DownloadErrorKind::InsecureUrl => {
                f.write_str("plain HTTP is refused for hosts other than loopback; use https")
            }
            DownloadErrorKind::Connection => f.write_str("connection failed"),
            DownloadErrorKind::Timeout(after) => write!(f, "no complete answer within {after:?}"),
            DownloadErrorKind::Status(status) => write!(f, "the server answered HTTP {status}"),
            DownloadErrorKind::TooLarge { limit } => {
                write!(f, "the document is larger than the cap of {limit} bytes")
            }
            DownloadErrorKind::Truncated { expected, received } => {
                write!(f, "the body ended after {received} of {expected} bytes")
            }
            DownloadErrorKind::Io => f.write_str("writing the document failed"),
        }?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        f.write_str(" (nothing was written at the target path)")
    }
}

impl DownloadError {
    /// The API answered the document request without a URL.
    pub(crate) fn no_url() -> DownloadError {
        DownloadError {
            location: "the document (the API answered no URL)".to_owned(),
            kind: DownloadErrorKind::InvalidUrl,
            source: None,
        }
    }
}

impl std::error::Error for DownloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Downloads documents from pre-signed URLs, without credentials.
///
/// [`Client::downloader`](crate::Client::downloader) hands out one with the client's proxy and
/// TLS settings; [`Downloader::new`] uses the defaults (the proxy from `HTTPS_PROXY`/`NO_PROXY`,
/// the system's trusted roots).
///
/// ```no_run
/// # async fn demo(url: &str) -> Result<(), billing_api::Error> {
/// use billing_api::Downloader;
///
/// let document = Downloader::new()
///     .max_bytes(10 * 1024 * 1024)
///     .to_path(url, "invoice.pdf")
///     .await?;
/// println!("{} bytes of {:?}", document.size, document.content_type);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Downloader {
    /// The HTTP client, or why it could not be set up (reported by the first download, so
    /// that making a downloader cannot fail).
    http: Result<PlainHttpClient, String>,
    max_bytes: u64,
    timeout: Duration,
}

impl fmt::Debug for Downloader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Downloader")
            .field("max_bytes", &self.max_bytes)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for Downloader {
    fn default() -> Self {
        Downloader::new()
    }
}

impl Downloader {
    /// A downloader with the transport's default connection settings, the default cap
    /// ([`DEFAULT_MAX_DOCUMENT_BYTES`]) and timeout ([`DEFAULT_DOWNLOAD_TIMEOUT`]).
    pub fn new() -> Downloader {
        let http = Transport::builder()
            .build_plain_http_client()
            .map_err(|e| format!("the HTTP client could not be set up: {e}"));
        Downloader::from_result(http)
    }

    /// A downloader fetching through `http` (e.g. from
    /// [`TransportBuilder::build_plain_http_client`](billing_transport::TransportBuilder::build_plain_http_client)),
    /// with the default cap and timeout.
    pub fn with_http_client(http: PlainHttpClient) -> Downloader {
        Downloader::from_result(Ok(http))
    }

    fn from_result(http: Result<PlainHttpClient, String>) -> Downloader {
        Downloader {
            http,
            max_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            timeout: DEFAULT_DOWNLOAD_TIMEOUT,
        }
    }

    /// The largest document accepted, in bytes.
    #[must_use]
    pub fn max_bytes(mut self, limit: u64) -> Self {
        self.max_bytes = limit;
        self
    }

    /// How long a whole download may take.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Downloads `url` to `path`, replacing what is there only once the whole document is in.
    /// After any failure nothing is at `path` (or what was there before is untouched). The
    /// file is readable by its owner only (mode 0600 on Unix): invoices are confidential.
    pub async fn to_path(&self, url: &str, path: impl AsRef<Path>) -> Result<Document, Error> {
        let path = path.as_ref();
        let location = location(url);
        let io = |e: std::io::Error| fail(&location, DownloadErrorKind::Io, Some(e.into()));
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        // Removed on drop, so every early return below leaves nothing behind.
        let temp = tempfile::Builder::new()
            .prefix(".download-")
            .suffix(".part")
            .tempfile_in(dir)
            .map_err(io)?;
        let mut file = tokio::fs::File::from_std(temp.as_file().try_clone().map_err(io)?);
        let document = self.to_writer(url, &mut file).await?;
        file.sync_all().await.map_err(io)?;
        drop(file);
        temp.persist(path).map_err(|e| io(e.error))?;
        Ok(document)
    }

    /// Streams `url` into `writer`. On failure the writer may have received part of the
    /// document: use [`to_path`](Self::to_path) for all or nothing.
    pub async fn to_writer<W>(&self, url: &str, writer: &mut W) -> Result<Document, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let location = location(url);
        match tokio::time::timeout(self.timeout, self.stream(url, &location, writer)).await {
            Ok(result) => result,
            Err(_) => Err(fail(
                &location,
                DownloadErrorKind::Timeout(self.timeout),
                None,
            )),
        }
    }

    async fn stream<W>(&self, url: &str, location: &str, writer: &mut W) -> Result<Document, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let failed = |kind, source: Option<BoxError>| fail(location, kind, source);
        let uri = checked_url(url).map_err(|kind| failed(kind, None))?;
        let http = self
            .http
            .as_ref()
            .map_err(|e| failed(DownloadErrorKind::Connection, Some(e.clone().into())))?;
        let response = http
            .get(uri)
            .await
            .map_err(|e| failed(DownloadErrorKind::Connection, Some(e.into())))?;
        if response.status() != StatusCode::OK {
            return Err(failed(DownloadErrorKind::Status(response.status()), None));
        }
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let declared = response
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let too_large = DownloadErrorKind::TooLarge {
            limit: self.max_bytes,
        };
        if declared.is_some_and(|n| n > self.max_bytes) {
            return Err(failed(too_large, None));
        }
        let mut body = response.into_body();
        let mut size: u64 = 0;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| failed(DownloadErrorKind::Connection, Some(e.into())))?;
            let Ok(chunk) = frame.into_data() else {
                continue; // trailers
            };
            size += chunk.len() as u64;
            if size > self.max_bytes {
                return Err(failed(too_large, None));
            }
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| failed(DownloadErrorKind::Io, Some(e.into())))?;
        }
        if let Some(expected) = declared.filter(|n| *n != size) {
            return Err(failed(
                DownloadErrorKind::Truncated {
                    expected,
                    received: size,
                },
                None,
            ));
        }
        writer
            .flush()
            .await
            .map_err(|e| failed(DownloadErrorKind::Io, Some(e.into())))?;
        Ok(Document { content_type, size })
    }
}

/// An absolute `https` URL, or `http` on a loopback host.
fn checked_url(url: &str) -> Result<Uri, DownloadErrorKind> {
    let uri: Uri = url.parse().map_err(|_| DownloadErrorKind::InvalidUrl)?;
    let host = uri.host().ok_or(DownloadErrorKind::InvalidUrl)?;
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => Ok(uri),
        Some(s) if s.eq_ignore_ascii_case("http") => {
            if is_loopback_host(host) {
                Ok(uri)
            } else {
                Err(DownloadErrorKind::InsecureUrl)
            }
        }
        _ => Err(DownloadErrorKind::InvalidUrl),
    }
}

/// The URL without its query and fragment (the query of a pre-signed URL is its signature)
/// and without a `user:password@`.
fn location(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let url = &url[..end];
    let shown = match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://{host}{}", &rest[authority_end..]),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    };
    shown.chars().take(200).collect()
}

fn fail(location: &str, kind: DownloadErrorKind, source: Option<BoxError>) -> Error {
    Error::Download(Box::new(DownloadError {
        location: location.to_owned(),
        kind,
        source,
    }))
}
