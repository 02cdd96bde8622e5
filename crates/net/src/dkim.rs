//! Live DKIM verification (RFC 6376) for phishing triage: each
//! `DKIM-Signature` of a message checked against the key its signer
//! publishes in DNS, with Stalwart's `mail-auth`, and handed to the engine
//! as `portcullis_phish::LiveDkim`.
//!
//! It never stops triage: no resolver, no answer or a slow one give
//! `TempError` results (or none), so the engine says nothing rather than
//! guess. Each message gets one deadline for all its lookups, and once DNS
//! has proved unreachable (no message has had an answer, and a few have had
//! none) later messages are not tried at all, so an offline batch costs a
//! few timeouts, not one per message.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use mail_auth::hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use mail_auth::{AuthenticatedMessage, DkimOutput, DkimResult, MessageAuthenticator};
use portcullis_phish::{DkimCheck, DkimOutcome, LiveDkim};

use crate::system::{SystemConfError, system_nameservers};

/// Signatures checked per message, at most: each costs a DNS lookup.
const MAX_SIGNATURES: usize = 8;
/// Messages without any answer, before any message had one, after which DNS
/// is taken to be unreachable (one could be a single domain's dead server).
const OFFLINE_AFTER: usize = 3;

/// Why live DKIM verification could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum DkimSetupError {
    /// No resolver was named and the system's could not be read.
    #[error("cannot find a DNS resolver for live DKIM checks: {0}; name one with --resolver")]
    System(#[from] SystemConfError),
    /// The system's configuration names no resolver.
    #[error("cannot find a DNS resolver for live DKIM checks: /etc/resolv.conf names none; name one with --resolver")]
    NoServers,
    /// The DNS client could not be built.
    #[error("cannot start the DNS client for live DKIM checks: {0}")]
    Client(String),
}

/// Verifies messages' DKIM signatures against DNS, under a deadline per
/// message. Shared by every thread of a batch (it is `Sync`).
pub struct DkimVerifier {
    authenticator: MessageAuthenticator,
    timeout: Duration,
    answered: AtomicBool,
    unanswered: AtomicUsize,
    offline: AtomicBool,
}

impl std::fmt::Debug for DkimVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DkimVerifier").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl DkimVerifier {
    /// A verifier asking `resolver` (else the system's resolvers from
    /// `/etc/resolv.conf`), allowing `timeout` for all of one message's lookups.
    pub fn new(resolver: Option<SocketAddr>, timeout: Duration) -> Result<Self, DkimSetupError> {
        let servers = match resolver {
            Some(addr) => vec![addr],
            None => system_nameservers(std::path::Path::new("/etc/resolv.conf"))?,
        };
        if servers.is_empty() {
            return Err(DkimSetupError::NoServers);
        }
        let name_servers = servers
            .iter()
            .map(|addr| {
                let mut server = NameServerConfig::udp_and_tcp(addr.ip());
                for connection in &mut server.connections {
                    connection.port = addr.port();
                }
                server
            })
            .collect();
        let mut options = ResolverOpts::default();
        // One attempt per server, each within the message's deadline; names
        // are looked up as written, never in /etc/hosts.
        options.timeout = timeout;
        options.attempts = 1;
        options.use_hosts_file = ResolveHosts::Never;
        options.try_tcp_on_error = true;
        let authenticator = MessageAuthenticator::new(ResolverConfig::from_name_servers(name_servers), options)
            .map_err(|e| DkimSetupError::Client(e.to_string()))?;
        Ok(Self {
            authenticator,
            timeout,
            answered: AtomicBool::new(false),
            unanswered: AtomicUsize::new(0),
            offline: AtomicBool::new(false),
        })
    }

    /// The message's signatures, each checked; empty when it has none, it
    /// cannot be read as an email, or DNS has proved unreachable.
    pub async fn verify(&self, raw: &[u8]) -> LiveDkim {
        let Some(mut message) = AuthenticatedMessage::parse(raw) else { return LiveDkim::default() };
        if message.dkim_headers.is_empty() || self.offline.load(Ordering::Relaxed) {
            return LiveDkim::default();
        }
        // Signatures past the limit are left unchecked, so a message cannot
        // buy itself many lookups.
        message.dkim_headers.truncate(MAX_SIGNATURES);
        let results: Vec<DkimCheck> =
            match tokio::time::timeout(self.timeout, self.authenticator.verify_dkim(&message)).await {
                Ok(outputs) => outputs.iter().filter_map(check).collect(),
                Err(_elapsed) => vec![DkimCheck { domain: String::new(), outcome: DkimOutcome::TempError }],
            };
        if results.iter().any(|c| c.outcome != DkimOutcome::TempError) {
            self.answered.store(true, Ordering::Relaxed);
        } else if results.iter().any(|c| c.outcome == DkimOutcome::TempError)
            && !self.answered.load(Ordering::Relaxed)
            && self.unanswered.fetch_add(1, Ordering::Relaxed) + 1 >= OFFLINE_AFTER
        {
            self.offline.store(true, Ordering::Relaxed);
        }
        LiveDkim { results }
    }
}

/// Verify `raw`'s DKIM signatures through `resolver` (else the system's),
/// within `timeout`. Never fails: without DNS the result is empty.
pub async fn verify_dkim(raw: &[u8], resolver: Option<SocketAddr>, timeout: Duration) -> LiveDkim {
    match DkimVerifier::new(resolver, timeout) {
        Ok(verifier) => verifier.verify(raw).await,
        Err(_) => LiveDkim::default(),
    }
}

/// One signature's result in the engine's terms.
fn check(output: &DkimOutput<'_>) -> Option<DkimCheck> {
    let domain = output.signature().map_or_else(String::new, |s| s.d.trim_end_matches('.').to_ascii_lowercase());
    let outcome = match output.result() {
        DkimResult::Pass => DkimOutcome::Pass,
        DkimResult::Fail(error) | DkimResult::Neutral(error) | DkimResult::PermError(error) => judge(error),
        DkimResult::TempError(_) => DkimOutcome::TempError,
        DkimResult::None => return None,
    };
    Some(DkimCheck { domain, outcome })
}

/// Whether an error shows the message was forged or changed (a failure), or
/// only that the signature could not be judged.
fn judge(error: &mail_auth::Error) -> DkimOutcome {
    use mail_auth::common::crypto::CryptoError;
    use mail_auth::dkim::DkimError;
    use mail_auth::{DnsError, Error};
    let fail = |why: &str| DkimOutcome::Fail(why.to_owned());
    let unverifiable = |why: &str| DkimOutcome::Unverifiable(why.to_owned());
    match error {
        Error::Dkim(DkimError::FailedBodyHashMatch) => fail("its text was changed after it was signed"),
        Error::Crypto(CryptoError::FailedVerification) => {
            fail("the signature does not match the message and the signer's key")
        }
        Error::Dkim(DkimError::FailedAuidMatch) => fail("it names a signer outside the signing domain"),
        Error::Dkim(DkimError::RevokedPublicKey) => unverifiable("the signer has withdrawn its key"),
        Error::Dkim(DkimError::SignatureExpired) => unverifiable("the signature has expired"),
        Error::Dkim(DkimError::SignatureLength) => unverifiable("it signs only part of the text"),
        Error::Dns(DnsError::RecordNotFound(_) | DnsError::InvalidRecordType) => {
            unverifiable("the signer publishes no key for it")
        }
        _ => unverifiable("it uses a form or key that cannot be checked"),
    }
}
