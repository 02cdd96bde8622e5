//! Live DKIM: the message's signatures checked against the keys their
//! signers publish in DNS today (by `portcullis-net`, outside the engine),
//! rather than what a mail server wrote in a header.
//!
//! A signature is only evidence about the domain that made it: one that
//! verifies for the From domain's site shows the message is really theirs
//! and unchanged; one from an unrelated domain (a mailing service's own)
//! shows nothing about the From address. When every signature is checked
//! and wrong, the message was forged or altered on the way. When DNS could
//! not be asked, or a key is gone, nothing is said rather than guessed.

use crate::Reason;
use crate::live::{DkimOutcome, LiveDkim};
use crate::lookalike::{is_within, site};
use crate::message::Email;

/// Add the reasons the live results give, if any were taken.
pub fn check(email: &Email, live: Option<&LiveDkim>, reasons: &mut Vec<Reason>) {
    let Some(live) = live else { return };
    let Some(first) = live.results.first() else { return };
    let from = email.from.as_ref().map_or("", |m| m.domain());
    if !from.is_empty() {
        let from_site = site(from);
        let verified = live
            .results
            .iter()
            .any(|c| c.outcome == DkimOutcome::Pass && !c.domain.is_empty() && is_within(&c.domain, &from_site));
        if verified {
            reasons.push(Reason::new(
                "dkim_verified",
                -20,
                format!(
                    "Its digital signature from {from_site} checks out: the message really came from {from_site} \
                     and was not changed."
                ),
            ));
            return;
        }
    }
    if live.results.iter().all(|c| matches!(c.outcome, DkimOutcome::Fail(_))) {
        let (domain, why) = match &first.outcome {
            DkimOutcome::Fail(why) => (first.domain.as_str(), why.as_str()),
            _ => ("", ""),
        };
        let signer = if domain.is_empty() { String::from("its sender") } else { domain.to_owned() };
        reasons.push(Reason::new(
            "dkim_broken",
            30,
            format!(
                "Its digital signature claiming to be from {signer} does not check out ({why}): the message was \
                 forged or changed after it was sent."
            ),
        ));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::live::DkimCheck;
    use crate::message::Mailbox;

    fn email(from: &str) -> Email {
        Email { from: Some(Mailbox { name: None, address: from.into() }), ..Email::default() }
    }

    fn live(checks: &[(&str, DkimOutcome)]) -> LiveDkim {
        LiveDkim {
            results: checks.iter().map(|(d, o)| DkimCheck { domain: (*d).to_owned(), outcome: o.clone() }).collect(),
        }
    }

    fn codes(from: &str, live: Option<&LiveDkim>) -> Vec<(&'static str, i8)> {
        let mut reasons = Vec::new();
        check(&email(from), live, &mut reasons);
        reasons.iter().map(|r| (r.code, r.weight)).collect()
    }

    fn fail() -> DkimOutcome {
        DkimOutcome::Fail("the body was changed after it was signed".into())
    }

    #[test]
    fn a_signature_from_the_senders_own_site_vouches_for_it() {
        let checks = live(&[("mail.bank.example", DkimOutcome::Pass)]);
        assert_eq!(codes("alerts@bank.example", Some(&checks)), [("dkim_verified", -20)]);
        let mut reasons = Vec::new();
        check(&email("alerts@news.bank.example"), Some(&checks), &mut reasons);
        assert_eq!(
            reasons[0].explanation,
            "Its digital signature from bank.example checks out: the message really came from bank.example and \
             was not changed."
        );
    }

    #[test]
    fn a_signature_from_someone_else_says_nothing_about_the_sender() {
        let checks = live(&[("mailer.example", DkimOutcome::Pass)]);
        assert!(codes("alerts@bank.example", Some(&checks)).is_empty());
        // A look-alike ending is not within the site.
        let checks = live(&[("evilbank.example", DkimOutcome::Pass)]);
        assert!(codes("alerts@bank.example", Some(&checks)).is_empty());
    }

    #[test]
    fn every_signature_failing_means_forged_or_altered() {
        let checks = live(&[("bank.example", fail()), ("mailer.example", fail())]);
        assert_eq!(codes("alerts@bank.example", Some(&checks)), [("dkim_broken", 30)]);
        let mut reasons = Vec::new();
        check(&email("alerts@bank.example"), Some(&checks), &mut reasons);
        assert!(reasons[0].explanation.contains("from bank.example does not check out"), "{}", reasons[0].explanation);
    }

    #[test]
    fn one_good_signature_from_the_sender_outweighs_a_broken_one() {
        let checks = live(&[("bank.example", fail()), ("bank.example", DkimOutcome::Pass)]);
        assert_eq!(codes("alerts@bank.example", Some(&checks)), [("dkim_verified", -20)]);
    }

    #[test]
    fn anything_short_of_all_failing_is_not_called_broken() {
        let unrelated_pass = live(&[("bank.example", fail()), ("mailer.example", DkimOutcome::Pass)]);
        assert!(codes("alerts@bank.example", Some(&unrelated_pass)).is_empty());
        let no_answer = live(&[("bank.example", fail()), ("bank.example", DkimOutcome::TempError)]);
        assert!(codes("alerts@bank.example", Some(&no_answer)).is_empty());
        let key_gone = live(&[("bank.example", DkimOutcome::Unverifiable("its key is no longer published".into()))]);
        assert!(codes("alerts@bank.example", Some(&key_gone)).is_empty());
    }

    #[test]
    fn no_check_or_no_signature_says_nothing() {
        assert!(codes("alerts@bank.example", None).is_empty());
        assert!(codes("alerts@bank.example", Some(&LiveDkim::default())).is_empty());
        assert!(codes("alerts@bank.example", Some(&live(&[("bank.example", DkimOutcome::TempError)]))).is_empty());
    }

    #[test]
    fn a_pass_without_a_from_address_vouches_for_nothing() {
        let checks = live(&[("bank.example", DkimOutcome::Pass)]);
        let mut reasons = Vec::new();
        check(&Email::default(), Some(&checks), &mut reasons);
        assert!(reasons.is_empty());
    }
}
