//! Authentication: what the office's own receiving server concluded about
//! the sender (SPF, DKIM, DMARC), read from its Authentication-Results
//! header (RFC 8601). Anyone can write such a header, so only those whose
//! `authserv-id` the office configured are believed; without one, this
//! signal says nothing rather than guess.

use crate::message::Email;
use crate::{Office, Reason};

/// A method's result, as the trusted server reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outcome {
    /// Not reported (or no trusted header).
    #[default]
    Unknown,
    /// `pass`.
    Pass,
    /// `fail`, `softfail`, `permerror` and the like.
    Fail,
    /// `none`, `neutral`, `temperror`, `policy`.
    Neither,
}

/// The trusted server's view of the message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthView {
    /// A trusted header was found.
    pub trusted: bool,
    /// DMARC for the From domain.
    pub dmarc: Outcome,
    /// SPF.
    pub spf: Outcome,
    /// DKIM (any signature).
    pub dkim: Outcome,
}

impl AuthView {
    /// The From domain is authenticated (DMARC passed at a trusted server).
    pub fn from_is_genuine(&self) -> bool {
        self.trusted && self.dmarc == Outcome::Pass
    }
}

/// Read the trusted header and add reasons; the view is returned for the
/// other signals (a known sender counts only when authenticated).
pub fn check(email: &Email, office: &Office, reasons: &mut Vec<Reason>) -> AuthView {
    let view = view(email, office);
    if !view.trusted {
        return view;
    }
    let domain = email.from.as_ref().map_or("", |m| m.domain());
    match view.dmarc {
        Outcome::Fail => reasons.push(Reason::new(
            "dmarc_fail",
            65,
            format!(
                "The office's mail server checked whether this really came from {domain} and it did not: \
                 the sender's address is forged."
            ),
        )),
        Outcome::Pass => reasons.push(Reason::new(
            "dmarc_pass",
            -25,
            format!("The office's mail server confirmed this really came from {domain} (DMARC passed)."),
        )),
        Outcome::Unknown | Outcome::Neither => {
            if view.spf != Outcome::Pass && view.dkim != Outcome::Pass {
                reasons.push(Reason::new(
                    "unauthenticated",
                    25,
                    format!(
                        "Nothing proves this came from {domain}: it passed neither of the checks \
                         (SPF, DKIM) the office's mail server made."
                    ),
                ));
            }
        }
    }
    view
}

fn view(email: &Email, office: &Office) -> AuthView {
    let mut view = AuthView::default();
    // The topmost trusted header is the office's own, added last.
    let Some(header) = email.authentication_results.iter().find(|h| trusted(h, office)) else {
        return view;
    };
    view.trusted = true;
    for clause in header.split(';').skip(1) {
        let clause = clause.trim().to_ascii_lowercase();
        let Some((method, rest)) = clause.split_once('=') else { continue };
        let result = rest.split_whitespace().next().unwrap_or_default();
        let outcome = match result {
            "pass" => Outcome::Pass,
            "fail" | "softfail" | "permerror" | "hardfail" => Outcome::Fail,
            _ => Outcome::Neither,
        };
        let slot = match method.trim() {
            "dmarc" => &mut view.dmarc,
            "spf" => &mut view.spf,
            "dkim" => &mut view.dkim,
            _ => continue,
        };
        // DKIM: one passing signature is enough.
        if *slot != Outcome::Pass {
            *slot = outcome;
        }
    }
    view
}

fn trusted(header: &str, office: &Office) -> bool {
    let id = header.split(';').next().unwrap_or_default().split_whitespace().next().unwrap_or_default();
    office.authserv_ids.iter().any(|t| t.eq_ignore_ascii_case(id))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::message::Mailbox;

    fn email(header: &str) -> Email {
        Email {
            from: Some(Mailbox { name: None, address: "a@bank.example".into() }),
            authentication_results: vec![header.to_owned()],
            ..Email::default()
        }
    }

    fn office() -> Office {
        Office { authserv_ids: vec!["mx.office.example".into()], ..Office::default() }
    }

    #[test]
    fn a_trusted_dmarc_failure_is_a_strong_reason() {
        let mut reasons = Vec::new();
        let view = check(
            &email("mx.office.example; spf=fail smtp.mailfrom=x; dmarc=fail header.from=bank.example"),
            &office(),
            &mut reasons,
        );
        assert_eq!(view.dmarc, Outcome::Fail);
        assert_eq!(reasons[0].code, "dmarc_fail");
    }

    #[test]
    fn headers_from_other_servers_are_ignored() {
        let mut reasons = Vec::new();
        let view = check(&email("mx.attacker.example; dmarc=pass header.from=bank.example"), &office(), &mut reasons);
        assert!(!view.trusted);
        assert!(reasons.is_empty());
    }

    #[test]
    fn a_pass_is_evidence_of_genuineness() {
        let mut reasons = Vec::new();
        let view =
            check(&email("mx.office.example 1; dkim=pass header.d=bank.example; dmarc=pass"), &office(), &mut reasons);
        assert!(view.from_is_genuine());
        assert_eq!(reasons[0].weight, -25);
    }
}
