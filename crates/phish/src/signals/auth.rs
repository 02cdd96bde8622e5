//! Authentication: what the receiving mail server concluded about the
//! sender (SPF, DKIM, DMARC, and Microsoft 365's composite `compauth`),
//! read from its Authentication-Results header (RFC 8601).
//!
//! Anyone can write such a header, so what is believed depends on which
//! way it points:
//! - a **pass** is believed only from a header whose `authserv-id` the
//!   office configured (its own receiving servers): a forged pass would
//!   lower the score, which is what a forger wants;
//! - a **failure** is believed from the topmost header, the one the last
//!   server to handle the message added, even without configuration: a
//!   forged failure only raises the forger's own score. Microsoft 365
//!   writes its header without an `authserv-id` at all, so this is also
//!   what lets an office on Exchange Online benefit without setup.

use crate::message::Email;
use crate::{Office, Reason};

/// A method's result, as the server reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outcome {
    /// Not reported (or no header).
    #[default]
    Unknown,
    /// `pass`.
    Pass,
    /// `fail`, `softfail`, `permerror` and the like.
    Fail,
    /// `none`, `neutral`, `temperror`, `policy`.
    Neither,
}

/// The receiving server's view of the message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthView {
    /// The header came from a server the office configured: passes count.
    pub trusted: bool,
    /// A header was read at all (trusted or topmost).
    pub found: bool,
    /// DMARC for the From domain.
    pub dmarc: Outcome,
    /// SPF.
    pub spf: Outcome,
    /// DKIM (any signature).
    pub dkim: Outcome,
    /// Microsoft 365's composite authentication (`compauth`).
    pub compauth: Outcome,
}

impl AuthView {
    /// The From domain is authenticated (DMARC passed at a trusted server).
    pub fn from_is_genuine(&self) -> bool {
        self.trusted && self.dmarc == Outcome::Pass
    }
}

/// Read the header and add reasons; the view is returned for the other
/// signals (a known sender counts only when authenticated).
pub fn check(email: &Email, office: &Office, reasons: &mut Vec<Reason>) -> AuthView {
    let view = view(email, office);
    if !view.found {
        return view;
    }
    let domain = email.from.as_ref().map_or("", |m| m.domain());
    let server = if view.trusted { "The office's mail server" } else { "The mail server that received it" };
    if view.dmarc == Outcome::Fail {
        reasons.push(Reason::new(
            "dmarc_fail",
            65,
            format!("{server} checked whether this really came from {domain} and it did not: the sender's address is forged."),
        ));
    } else if view.compauth == Outcome::Fail {
        reasons.push(Reason::new(
            "spoofed_sender",
            50,
            format!(
                "{server} (Microsoft 365) judged that this probably did not come from {domain}: its checks of the \
                 sender failed (compauth=fail)."
            ),
        ));
    } else if view.dmarc == Outcome::Pass && view.trusted {
        reasons.push(Reason::new(
            "dmarc_pass",
            -25,
            format!("The office's mail server confirmed this really came from {domain} (DMARC passed)."),
        ));
    } else if view.spf != Outcome::Unknown
        && view.dmarc != Outcome::Pass
        && view.spf != Outcome::Pass
        && view.dkim != Outcome::Pass
    {
        // Mail from inside the office's own tenant is never checked with
        // SPF (Microsoft 365 reports only `dkim=none; dmarc=none` for it),
        // so an absent SPF result is no sign of anything.
        reasons.push(Reason::new(
            "unauthenticated",
            25,
            format!(
                "Nothing proves this came from {domain}: it passed neither of the checks (SPF, DKIM) that \
                 {} made.",
                server.to_lowercase()
            ),
        ));
    }
    view
}

fn view(email: &Email, office: &Office) -> AuthView {
    // The office's own header if there is one; otherwise the topmost,
    // added last, believed only for failures.
    let microsoft = office.authserv_ids.iter().any(|id| id.eq_ignore_ascii_case(MICROSOFT_365));
    let trusted = email.authentication_results.iter().find(|h| is_trusted(h, office)).or_else(|| {
        // Exchange Online stamps its header on top of every message it
        // receives, so for an office on it the topmost unnamed one is its own.
        email.authentication_results.first().filter(|h| microsoft && is_unnamed(h))
    });
    let Some(header) = trusted.or_else(|| email.authentication_results.first()) else {
        return AuthView::default();
    };
    let mut view = AuthView { trusted: trusted.is_some(), found: true, ..AuthView::default() };
    for clause in header.split(';') {
        let clause = clause.trim().to_ascii_lowercase();
        let Some((method, rest)) = clause.split_once('=') else { continue };
        // The first clause may carry the authserv-id before the method.
        let method = method.split_whitespace().last().unwrap_or_default();
        let result = rest.split_whitespace().next().unwrap_or_default();
        let outcome = match result {
            "pass" => Outcome::Pass,
            "fail" | "softfail" | "permerror" | "hardfail" => Outcome::Fail,
            _ => Outcome::Neither,
        };
        let slot = match method {
            "dmarc" => &mut view.dmarc,
            "spf" => &mut view.spf,
            "dkim" => &mut view.dkim,
            "compauth" => &mut view.compauth,
            _ => continue,
        };
        // DKIM: one passing signature is enough.
        if *slot != Outcome::Pass {
            *slot = outcome;
        }
    }
    view
}

/// The `authserv-id` an office configures to say its mail arrives through
/// Microsoft 365, whose Authentication-Results header carries no id.
pub const MICROSOFT_365: &str = "microsoft-365";

/// Microsoft 365's header has no authserv-id: it starts with a method.
fn is_unnamed(header: &str) -> bool {
    header.split(';').next().unwrap_or_default().contains('=')
}

fn is_trusted(header: &str, office: &Office) -> bool {
    let first = header.split(';').next().unwrap_or_default();
    if is_unnamed(header) {
        return false;
    }
    let id = first.split_whitespace().next().unwrap_or_default();
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
    fn a_pass_from_other_servers_is_not_believed() {
        let mut reasons = Vec::new();
        let view = check(&email("mx.attacker.example; dmarc=pass header.from=bank.example"), &office(), &mut reasons);
        assert!(!view.trusted);
        assert!(!view.from_is_genuine());
        assert!(reasons.is_empty());
    }

    #[test]
    fn a_failure_in_the_topmost_header_is_believed_without_configuration() {
        // Microsoft 365's form, with no authserv-id.
        let m365 = "spf=fail (sender IP is 192.0.2.1) smtp.mailfrom=bank.example; dkim=none (message not signed) \
                    header.d=none;dmarc=fail action=none header.from=bank.example;compauth=fail reason=001";
        let mut reasons = Vec::new();
        let view = check(&email(m365), &Office::default(), &mut reasons);
        assert!(!view.trusted);
        assert_eq!((reasons[0].code, reasons[0].weight), ("dmarc_fail", 65));
        assert!(reasons[0].explanation.starts_with("The mail server that received it"));

        let implicit = "spf=none smtp.mailfrom=bank.example; dkim=none; dmarc=none action=none \
                        header.from=bank.example;compauth=fail reason=001";
        let mut reasons = Vec::new();
        check(&email(implicit), &Office::default(), &mut reasons);
        assert_eq!(reasons[0].code, "spoofed_sender");
    }

    #[test]
    fn an_office_on_microsoft_365_trusts_the_topmost_unnamed_header() {
        let pass = "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=bank.example; dkim=pass (signature was \
                    verified) header.d=bank.example;dmarc=pass action=none header.from=bank.example;compauth=pass";
        let office = Office { authserv_ids: vec![MICROSOFT_365.into()], ..Office::default() };
        let mut reasons = Vec::new();
        let view = check(&email(pass), &office, &mut reasons);
        assert!(view.from_is_genuine());
        assert_eq!(reasons[0].code, "dmarc_pass");
        // Only the topmost: a forged pass below Microsoft's own header is not read.
        let mut forged = email("spf=fail smtp.mailfrom=bank.example; dmarc=fail header.from=bank.example");
        forged.authentication_results.push(pass.into());
        let mut reasons = Vec::new();
        assert!(!check(&forged, &office, &mut reasons).from_is_genuine());
        assert_eq!(reasons[0].code, "dmarc_fail");
        // Without the setting, the same pass is not believed.
        let mut reasons = Vec::new();
        assert!(!check(&email(pass), &Office::default(), &mut reasons).from_is_genuine());
    }

    #[test]
    fn internal_mail_without_an_spf_check_is_not_called_unauthenticated() {
        let internal =
            "dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=office.example;";
        let mut reasons = Vec::new();
        check(&email(internal), &Office::default(), &mut reasons);
        assert!(reasons.is_empty());
        let external = "spf=none smtp.mailfrom=bank.example; dkim=none; dmarc=none header.from=bank.example";
        check(&email(external), &Office::default(), &mut reasons);
        assert_eq!(reasons[0].code, "unauthenticated");
    }

    #[test]
    fn only_the_topmost_header_speaks_when_none_is_trusted() {
        let mut forged = email("spf=pass smtp.mailfrom=bank.example; dkim=pass; dmarc=pass header.from=bank.example");
        forged.authentication_results.push("mx.relay.example; dmarc=fail header.from=bank.example".into());
        let mut reasons = Vec::new();
        let view = check(&forged, &Office::default(), &mut reasons);
        // The pass on top is not believed, and the failure below it is not read.
        assert!(reasons.is_empty());
        assert!(!view.from_is_genuine());
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
