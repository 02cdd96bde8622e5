//! Phishing triage: one email in, a verdict (`phishing`, `suspicious` or
//! `clean`), a 0–100 score and the reasons behind it out, each reason
//! weighted and explained in words a caseworker understands.
//!
//! The analysis is a set of hand-designed signals over a bounded view of the
//! message ([`message::Email`]): who it claims to be from and whether the
//! office's own mail server vouched for that ([`signals::auth`]), whether the
//! sender imitates an organisation or the office ([`signals::sender`]), where
//! its links really go ([`signals::links`]), what its attachments are
//! ([`signals::attachments`]) and what it asks the reader to do
//! ([`signals::content`]). Nothing here is learnt from a corpus: every weight
//! and phrase was chosen by hand to make sense for an office's mail today.
//!
//! The crate does no I/O: it takes the message's bytes and the office's
//! knowledge ([`Office`]) and returns a [`Triage`].
#![forbid(unsafe_code)]

pub mod advice;
pub mod brands;
mod html;
mod limits;
pub mod live;
pub mod lookalike;
pub mod message;
pub mod msg;
mod office;
mod pdf;
mod qr;
mod reason;
pub mod signals;
pub mod view;
mod words;

pub use limits::Limits;
pub use live::{DkimCheck, DkimOutcome, LiveDkim};
pub use office::Office;
pub use reason::{Reason, Triage, Verdict, score};

/// Why a message could not be triaged at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TriageError {
    /// Bigger than the limit allows.
    #[error("the message is {size} bytes, more than the {limit}-byte limit")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not an email at all.
    #[error("it is not an email: {0}")]
    NotAnEmail(&'static str),
}

/// Triage for one office: its knowledge, and the names to protect from
/// imitation worked out once.
#[derive(Debug)]
pub struct Triager {
    office: Office,
    protected: lookalike::Protected,
    limits: Limits,
}

impl Triager {
    /// A triager for `office` within `limits`. The names protected from
    /// imitation are the office's domains, parliament.uk and every
    /// built-in brand's domains.
    pub fn new(office: Office, limits: Limits) -> Self {
        let protected = protected_for(&office);
        Self { office, protected, limits }
    }

    /// The limits it works within.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Triage one email (its raw RFC 5322 bytes).
    /// An Outlook `.msg` file is read too (see [`msg`]).
    pub fn triage(&self, raw: &[u8]) -> Result<Triage, TriageError> {
        self.triage_with(raw, None)
    }

    /// Triage one email with what was checked over the network beforehand
    /// (`live`: its DKIM signatures verified against DNS), if anything was.
    /// Live DKIM is ignored for an Outlook `.msg`: the email rebuilt from it
    /// is not the one that was signed, so its signatures would all fail.
    pub fn triage_with(&self, raw: &[u8], live: Option<&LiveDkim>) -> Result<Triage, TriageError> {
        let is_msg = msg::is_msg(raw);
        let live = if is_msg { None } else { live };
        let email = if is_msg {
            if raw.len() > self.limits.max_message_bytes {
                return Err(TriageError::TooLarge { size: raw.len(), limit: self.limits.max_message_bytes });
            }
            message::Email::parse(&msg::to_email(raw, &self.limits)?, &self.limits)?
        } else {
            message::Email::parse(raw, &self.limits)?
        };
        let mut reasons = Vec::new();
        signals::check_all(&email, &self.office, &self.protected, live, &mut reasons);
        let mut triage = Triage::from_reasons(email.summary(), reasons);
        // What a message says is never enough on its own to call it
        // phishing: that takes a technical sign as well.
        let technical = triage.reasons.iter().any(|r| r.weight > 0 && !signals::content::is_content(r.code));
        if !technical && triage.score >= reason::PHISHING_AT {
            triage.score = reason::PHISHING_AT - 1;
            triage.verdict = Verdict::from_score(triage.score);
        }
        Ok(triage)
    }
}

/// The names to protect from imitation for `office`: its domains,
/// parliament.uk and every built-in brand's.
pub(crate) fn protected_for(office: &Office) -> lookalike::Protected {
    let mut names: Vec<&str> = office.protected_domains().collect();
    for domain in brands::protected_domains() {
        names.push(domain);
    }
    lookalike::Protected::new(names)
}
