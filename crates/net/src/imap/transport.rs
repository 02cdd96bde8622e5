//! Getting a byte stream to the mail server: where to connect (plain IMAP
//! only to this machine), TCP with a timeout per address, and TLS with
//! rustls (ring), trusting Mozilla's roots plus any CA the caller names.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::{ImapError, ImapSecurity};

/// At most this many of a host's addresses are tried.
const MAX_ADDRESSES: usize = 4;

/// The connection: TCP, or TLS over TCP.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// The TCP connection, if TLS has not started on it.
    pub(crate) fn into_tcp(self) -> Option<TcpStream> {
        match self {
            Self::Plain(tcp) => Some(tcp),
            Self::Tls(_) => None,
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The host without IPv6 brackets.
pub(crate) fn bare_host(host: &str) -> &str {
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
}

/// Whether plain IMAP may go to this host without asking DNS: `Some(true)`
/// for loopback addresses and `localhost`, `Some(false)` for any other
/// address, `None` for other names (decided by what they resolve to).
pub(crate) fn plain_allowed(host: &str) -> Option<bool> {
    let host = bare_host(host);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some(ip.is_loopback());
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    if name.eq_ignore_ascii_case("localhost") { Some(true) } else { None }
}

/// The addresses to try. For plain IMAP every one must be on this machine,
/// and an address literal that is not is refused before any network use.
pub(crate) async fn resolve(
    host: &str,
    port: u16,
    security: ImapSecurity,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, ImapError> {
    let plain = security == ImapSecurity::Plain;
    if plain && plain_allowed(host) == Some(false) {
        return Err(ImapError::PlainNotLoopback { host: host.to_owned() });
    }
    let bare = bare_host(host);
    let connect_error = |reason: String| ImapError::Connect { host: host.to_owned(), port, reason };
    let found = match tokio::time::timeout(timeout, tokio::net::lookup_host((bare, port))).await {
        Err(_) => return Err(ImapError::Timeout { step: "looking up the server's address", after: timeout }),
        Ok(Err(e)) => return Err(connect_error(format!("its address could not be found ({e})"))),
        Ok(Ok(found)) => found,
    };
    let addrs: Vec<SocketAddr> = found.take(MAX_ADDRESSES).collect();
    if addrs.is_empty() {
        return Err(connect_error("the name has no address".to_owned()));
    }
    if plain && addrs.iter().any(|a| !a.ip().is_loopback()) {
        return Err(ImapError::PlainNotLoopback { host: host.to_owned() });
    }
    Ok(addrs)
}

/// A TCP connection to the first address that answers.
pub(crate) async fn connect_tcp(
    addrs: &[SocketAddr],
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<TcpStream, ImapError> {
    let mut last = ImapError::Connect { host: host.to_owned(), port, reason: "no address to try".to_owned() };
    for addr in addrs {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(tcp)) => return Ok(tcp),
            Ok(Err(e)) => last = ImapError::Connect { host: host.to_owned(), port, reason: e.to_string() },
            Err(_) => last = ImapError::Timeout { step: "connecting", after: timeout },
        }
    }
    Err(last)
}

/// A TLS client trusting Mozilla's roots and the certificates in
/// `extra_root_pem`.
pub(crate) fn tls_connector(extra_root_pem: Option<&[u8]>) -> Result<TlsConnector, ImapError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = extra_root_pem {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| settings(format!("the extra root certificate is not valid PEM ({e})")))?;
            roots.add(cert).map_err(|e| settings(format!("the extra root certificate cannot be used ({e})")))?;
            added += 1;
        }
        if added == 0 {
            return Err(settings("the extra root certificate file holds no certificate".to_owned()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| settings(format!("TLS cannot be set up ({e})")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The TLS handshake, checking the certificate against `host`.
pub(crate) async fn tls_handshake(
    connector: &TlsConnector,
    host: &str,
    tcp: TcpStream,
    timeout: Duration,
) -> Result<Stream, ImapError> {
    let name = ServerName::try_from(bare_host(host).to_owned())
        .map_err(|_| settings(format!("\"{host}\" is not a host name a certificate can be checked against")))?;
    match tokio::time::timeout(timeout, connector.connect(name, tcp)).await {
        Err(_) => Err(ImapError::Timeout { step: "setting up TLS", after: timeout }),
        Ok(Err(e)) => Err(ImapError::Tls { host: host.to_owned(), reason: tls_reason(&e) }),
        Ok(Ok(tls)) => Ok(Stream::Tls(Box::new(tls))),
    }
}

/// Plain words for a failed handshake; certificate problems called out.
fn tls_reason(e: &io::Error) -> String {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(why)) => format!(
            "the server's certificate is not trusted ({why}); if the server uses a private certificate \
             authority, give that authority's certificate"
        ),
        Some(other) => format!("the TLS handshake failed ({other})"),
        None => format!("the TLS handshake failed ({e})"),
    }
}

fn settings(reason: String) -> ImapError {
    ImapError::Settings(reason)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn plain_is_decided_by_address_or_name() {
        assert_eq!(plain_allowed("127.0.0.1"), Some(true));
        assert_eq!(plain_allowed("127.8.9.10"), Some(true));
        assert_eq!(plain_allowed("[::1]"), Some(true));
        assert_eq!(plain_allowed("LocalHost."), Some(true));
        assert_eq!(plain_allowed("192.0.2.1"), Some(false));
        assert_eq!(plain_allowed("[2001:db8::1]"), Some(false));
        assert_eq!(plain_allowed("mail.example.org"), None);
    }

    #[test]
    fn extra_roots_must_hold_a_certificate() {
        assert!(matches!(tls_connector(Some(b"not a certificate")), Err(ImapError::Settings(_))));
        assert!(tls_connector(None).is_ok());
    }
}
