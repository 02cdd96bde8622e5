//! Phishing triage for an office: someone uploads a suspicious email, the
//! engine weighs it with what the office knows (its domains, its people,
//! its known senders and its own earlier calls), and a summary is kept.
//!
//! Only the summary is stored (subject, sender, the message's SHA-256, the
//! verdict and its reasons): the body and attachments are constituents'
//! casework and are shown once, in the safe view, then forgotten. The
//! office's call on a message ("this was safe", "this was phishing") is
//! fed back into the next triage: a sender marked phishing scores higher,
//! a sender marked safe stops being new.
//!
//! The office also names the receiving mail servers whose
//! Authentication-Results header it trusts: a "pass" in that header is
//! believed only from them (anyone can write such a header), and a known
//! sender counts only when DMARC passed there.

use portcullis_phish::view::{SafeView, safe_view};
use portcullis_phish::{Limits, Triage, TriageError, Triager};
use portcullis_store::{
    KnownSender, NewPhishReport, Outcome, PhishReport, ReportId, ReportSource, StoreError, StoredReason,
};
use portcullis_types::{OfficeId, UserId};
use sha2::{Digest, Sha256};

use crate::auth::SignedIn;
use crate::policy::Action;
use crate::{Actor, App, AppError};

/// Reports listed on the triage page.
pub const RECENT_REPORTS: u32 = 50;
/// The longest known-sender value (an address is at most 254 characters).
const MAX_SENDER: usize = 254;
/// The longest note on a known sender.
const MAX_NOTE: usize = 200;
/// The most receiving servers an office may trust.
const MAX_TRUSTED_SERVERS: usize = 10;
/// The longest server name (a DNS name is at most 253 characters).
const MAX_SERVER: usize = 253;

/// One message triaged just now: the stored summary, the engine's answer
/// and the safe view (which is not stored).
#[derive(Debug, Clone)]
pub struct Triaged {
    /// The stored summary.
    pub report: PhishReport,
    /// The verdict, score and reasons.
    pub triage: Triage,
    /// The message made safe to show.
    pub view: SafeView,
}

/// Why triage, feedback or the known-sender list could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum PhishError {
    /// The upload is not an email Portcullis can read, in words for the person.
    #[error("{0}")]
    Unreadable(String),
    /// The known sender typed is not an address or a domain.
    #[error("{0}")]
    Sender(String),
    /// The office already lists that sender.
    #[error("That sender is already on your office's list")]
    AlreadyListed,
    /// The office does not list that sender.
    #[error("That sender is not on your office's list")]
    NotListed,
    /// The trusted mail servers typed are not a list of server names.
    #[error("{0}")]
    Servers(String),
    /// Anything else (the policy, the database).
    #[error(transparent)]
    Other(#[from] AppError),
}

impl From<StoreError> for PhishError {
    fn from(e: StoreError) -> Self {
        Self::Other(e.into())
    }
}

impl App {
    /// The limits triage works within (the upload limit is their message size).
    pub fn triage_limits(&self) -> Limits {
        self.triage_limits
    }

    /// Triage an uploaded email (`.eml` or Outlook `.msg`) for the person's
    /// office, keep its summary and audit it.
    pub async fn triage_upload(&self, who: &SignedIn, bytes: &[u8], filename: &str) -> Result<Triaged, PhishError> {
        let office = self.require(who, Action::RunChecks).await?;
        if bytes.is_empty() {
            return Err(PhishError::Unreadable("The selected file is empty".to_owned()));
        }
        let triager = Triager::new(self.phish_office(office).await?, self.triage_limits());
        let raw = bytes.to_vec();
        let worked = tokio::task::spawn_blocking(move || {
            let triage = triager.triage(&raw)?;
            let view = safe_view(&raw, triager.limits())?;
            Ok::<_, TriageError>((triage, view, hex_sha256(&raw)))
        })
        .await
        .map_err(|e| AppError::Refused(format!("Triage stopped unexpectedly: {e}")))?;
        let (triage, view, sha256) = worked.map_err(|e| unreadable(&e, filename))?;
        let new = self.new_report(office, &triage, sha256, ReportSource::Upload, Some(who.user.id));
        let report = self.store().add_phish_report(&new).await?;
        let detail = format!("{} (score {})", new.verdict, new.score);
        self.audit(office, &actor(who), "phish.triaged", Some(target(new.id)), &detail).await?;
        Ok(Triaged { report, triage, view })
    }

    /// The office's recent triage reports, newest first.
    pub async fn phish_reports(&self, who: &SignedIn) -> Result<Vec<PhishReport>, AppError> {
        let office = self.require(who, Action::ViewChecks).await?;
        Ok(self.store().phish_reports(office, RECENT_REPORTS).await?)
    }

    /// One report of the office. A missing id and another office's report
    /// are the same "not found".
    pub async fn phish_report(&self, who: &SignedIn, id: &str) -> Result<PhishReport, AppError> {
        let office = self.require(who, Action::ViewChecks).await?;
        let id = parse_id(id)?;
        self.store().phish_report(office, id).await?.ok_or_else(not_found)
    }

    /// The office's call on a report, fed back into later triage; audited.
    pub async fn record_phish_outcome(&self, who: &SignedIn, id: &str, outcome: Outcome) -> Result<(), AppError> {
        let office = self.require(who, Action::RunChecks).await?;
        let id = parse_id(id)?;
        let actor = actor(who);
        if !self.store().set_phish_outcome(office, id, outcome, &actor.audit_name(), self.clock().now()).await? {
            return Err(not_found());
        }
        let action = match outcome {
            Outcome::Safe => "phish.marked_safe",
            Outcome::Phishing => "phish.marked_phishing",
        };
        self.audit(office, &actor, action, Some(target(id)), "").await
    }

    /// The office's known senders, by value.
    pub async fn known_senders(&self, who: &SignedIn) -> Result<Vec<KnownSender>, AppError> {
        let office = self.require(who, Action::ViewChecks).await?;
        Ok(self.store().known_senders(office).await?)
    }

    /// Add an address or a whole domain to the office's known senders; audited.
    pub async fn add_known_sender(&self, who: &SignedIn, typed: &str, note: &str) -> Result<String, PhishError> {
        let office = self.require(who, Action::ManageOffice).await?;
        let value = sender_value(typed).map_err(PhishError::Sender)?;
        let note: String = note.trim().chars().filter(|c| !c.is_control()).take(MAX_NOTE).collect();
        let actor = actor(who);
        let sender = KnownSender {
            office_id: office,
            value: value.clone(),
            note,
            added_by: actor.audit_name(),
            added_at: self.clock().now(),
        };
        match self.store().add_known_sender(&sender).await {
            Err(StoreError::Conflict(_)) => return Err(PhishError::AlreadyListed),
            other => other?,
        }
        self.audit(office, &actor, "phish.sender_added", Some(value.clone()), "").await?;
        Ok(value)
    }

    /// Take a sender off the office's known senders; audited.
    pub async fn remove_known_sender(&self, who: &SignedIn, value: &str) -> Result<(), PhishError> {
        let office = self.require(who, Action::ManageOffice).await?;
        if !self.store().remove_known_sender(office, value).await? {
            return Err(PhishError::NotListed);
        }
        self.audit(office, &actor(who), "phish.sender_removed", Some(value.to_owned()), "").await?;
        Ok(())
    }

    /// The receiving mail servers whose Authentication-Results the office
    /// trusts, sorted.
    pub async fn trusted_servers(&self, who: &SignedIn) -> Result<Vec<String>, AppError> {
        let office = self.require(who, Action::ViewChecks).await?;
        Ok(self.store().phish_knowledge(office).await?.trusted_servers)
    }

    /// Replace the receiving mail servers the office trusts with the list
    /// typed (commas, spaces or new lines between them; empty clears it);
    /// audited with the new list. Returns the list as stored.
    pub async fn set_trusted_servers(&self, who: &SignedIn, typed: &str) -> Result<Vec<String>, PhishError> {
        let office = self.require(who, Action::ManageOffice).await?;
        let servers = server_list(typed).map_err(PhishError::Servers)?;
        self.store().set_trusted_servers(office, &servers).await?;
        self.audit(office, &actor(who), "phish.servers_set", None, &servers.join(", ")).await?;
        Ok(servers)
    }

    /// The log row for one triaged message (its summary, never its body).
    pub(crate) fn new_report(
        &self,
        office: OfficeId,
        triage: &Triage,
        sha256: String,
        source: ReportSource,
        reported_by: Option<UserId>,
    ) -> NewPhishReport {
        NewPhishReport {
            id: ReportId::generate(self.random()),
            office_id: office,
            reported_at: self.clock().now(),
            reported_by,
            source,
            subject: triage.summary.subject.clone(),
            from_address: address_of(&triage.summary.from),
            message_sha256: sha256,
            verdict: triage.verdict.as_str().to_owned(),
            score: triage.score,
            reasons: triage
                .reasons
                .iter()
                .map(|r| StoredReason { code: r.code.to_owned(), weight: r.weight, explanation: r.explanation.clone() })
                .collect(),
        }
    }

    /// What triage knows about `office`: its watched domains, its people's
    /// names, its trusted mail servers, its known senders and its earlier calls.
    pub(crate) async fn phish_office(&self, office: OfficeId) -> Result<portcullis_phish::Office, AppError> {
        let knowledge = self.store().phish_knowledge(office).await?;
        let domains = self.store().watched_domains(office).await?.into_iter().map(|d| d.domain).collect();
        let people = self.store().list_people(office).await?.into_iter().map(|p| p.name.as_str().to_lowercase());
        Ok(portcullis_phish::Office {
            domains,
            authserv_ids: knowledge.trusted_servers,
            known_senders: knowledge.known_senders,
            people: people.collect(),
            marked_phishing: knowledge.marked_phishing,
            seen_senders: Some(knowledge.seen_safe),
        })
    }
}

fn actor(who: &SignedIn) -> Actor {
    Actor::User(who.user.email.to_string())
}

pub(crate) fn target(id: ReportId) -> String {
    format!("phish_report:{id}")
}

fn not_found() -> AppError {
    AppError::NotFound("That triage report".to_owned())
}

fn parse_id(id: &str) -> Result<ReportId, AppError> {
    id.parse().map_err(|_| not_found())
}

pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
}

/// The address inside "Name <address>" (or the whole text).
fn address_of(from: &str) -> String {
    let inner = from.rsplit_once('<').and_then(|(_, rest)| rest.strip_suffix('>'));
    inner.unwrap_or(from).trim().to_ascii_lowercase()
}

/// Why the engine could not read the upload, in words for the person.
fn unreadable(e: &TriageError, filename: &str) -> PhishError {
    let name: String = filename.chars().filter(|c| !c.is_control()).take(100).collect();
    PhishError::Unreadable(match e {
        TriageError::TooLarge { size, limit } => format!(
            "The file {name} is {}; the largest email Portcullis can check is {}",
            size_in_words(*size),
            size_in_words(*limit)
        ),
        TriageError::NotAnEmail(why) => format!(
            "The file {name} is not an email ({why}). Save the message from your email program as a .eml file, \
             or a .msg file from Outlook, and upload that"
        ),
    })
}

/// A size as people say it: "900 bytes", "12 KB", "50 MB" (rounded up).
pub fn size_in_words(bytes: usize) -> String {
    const KB: usize = 1024;
    match bytes {
        b if b < KB => format!("{b} bytes"),
        b if b < KB * KB => format!("{} KB", b.div_ceil(KB)),
        b => format!("{} MB", b.div_ceil(KB * KB)),
    }
}

/// A known sender as stored: an address or a domain, lowercase.
pub(crate) fn sender_value(typed: &str) -> Result<String, String> {
    let value = typed.trim().trim_start_matches('@').trim_end_matches('.').to_lowercase();
    if value.is_empty() {
        return Err("Enter an email address or a domain, for example printing.example.co.uk".to_owned());
    }
    let domain = match value.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !local.contains(char::is_whitespace) => domain,
        Some(_) => return Err("Enter a whole email address, like name@example.org, or just a domain".to_owned()),
        None => value.as_str(),
    };
    let labels_ok = domain
        .split('.')
        .all(|l| !l.is_empty() && !l.starts_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    if value.len() > MAX_SENDER || !domain.contains('.') || !labels_ok {
        return Err("Enter an email address or a domain, for example printing.example.co.uk".to_owned());
    }
    Ok(value)
}

/// The trusted servers typed, as stored: lowercase, sorted, each once.
/// Each is [`MICROSOFT_365`](portcullis_phish::signals::auth::MICROSOFT_365)
/// or an `authserv-id` shaped like a host name (RFC 8601 lets it be any
/// token, but receivers write their host name, and a narrow shape keeps
/// mistyped sentences out).
pub(crate) fn server_list(typed: &str) -> Result<Vec<String>, String> {
    let mut servers = Vec::new();
    for entry in typed.split(|c: char| c == ',' || c.is_whitespace()).filter(|e| !e.is_empty()) {
        let server = entry.to_lowercase();
        let host_like =
            server.len() <= MAX_SERVER && server.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !host_like {
            let shown: String = entry.chars().filter(|c| !c.is_control()).take(60).collect();
            return Err(format!(
                "\"{shown}\" is not a mail server name. Enter microsoft-365, or a name like mx.google.com \
                 (letters, numbers, dots and hyphens only), with a comma between each"
            ));
        }
        servers.push(server);
    }
    servers.sort();
    servers.dedup();
    if servers.len() > MAX_TRUSTED_SERVERS {
        return Err(format!("Enter at most {MAX_TRUSTED_SERVERS} mail servers; you entered {}", servers.len()));
    }
    Ok(servers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_are_addresses_or_domains_in_lower_case() {
        assert_eq!(sender_value(" Accounts@Printer.Example ").unwrap(), "accounts@printer.example");
        assert_eq!(sender_value("@printer.example.").unwrap(), "printer.example");
        for bad in ["", "printer", "a b@x.example", "@", "x@", "-x.example", "x..example", "<script>.example"] {
            assert!(sender_value(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn trusted_servers_are_host_like_lowercase_and_distinct() {
        assert_eq!(
            server_list(" MX.Google.com,\nmicrosoft-365  mx.google.com,,\r\n").unwrap(),
            vec!["microsoft-365".to_owned(), "mx.google.com".to_owned()]
        );
        assert!(server_list(" , \n").unwrap().is_empty(), "nothing typed clears the list");
        for bad in ["mx_1.example", "<script>", "mx.example;", "bücher.example", &"a".repeat(254)] {
            let err = server_list(&format!("mx.google.com, {bad}")).unwrap_err();
            assert!(err.contains("is not a mail server name"), "{bad:?}: {err}");
        }
        assert!(server_list(&"a".repeat(253)).is_ok());
        let eleven: Vec<String> = (0..11).map(|i| format!("mx{i}.example")).collect();
        assert!(server_list(&eleven.join(",")).unwrap_err().contains("at most 10"));
        assert_eq!(server_list(&[eleven[..10].join(","), eleven[..10].join(" ")].join("\n")).unwrap().len(), 10);
    }

    #[test]
    fn sizes_read_as_words() {
        assert_eq!(size_in_words(900), "900 bytes");
        assert_eq!(size_in_words(12 * 1024 - 3), "12 KB");
        assert_eq!(size_in_words(50 * 1024 * 1024), "50 MB");
    }

    #[test]
    fn the_address_is_taken_from_a_display_form() {
        assert_eq!(address_of("HMRC <Refunds@Evil.example>"), "refunds@evil.example");
        assert_eq!(address_of("a@b.example"), "a@b.example");
        assert_eq!(address_of(""), "");
    }
}
