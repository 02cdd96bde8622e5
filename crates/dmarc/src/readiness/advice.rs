//! What is wrong with a sender whose mail fails DMARC, and what to do,
//! in plain English.

use serde::Serialize;

use crate::senders::{OWN_KEY, organisational_domain, provider};
use crate::summary::{Count, Sender};

/// A sender to fix before the policy is made stricter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixItem {
    /// The sender's grouping key (see [`crate::senders::SenderId`]).
    pub key: String,
    /// The sender's plain-English name.
    pub sender: String,
    /// The provider's id, when it is a well-known service.
    pub provider: Option<&'static str>,
    /// Its messages over the readiness window.
    pub messages: u64,
    /// Of which failed DMARC.
    pub failing: u64,
    /// What is wrong, e.g. "DKIM signed with mcsv.net, not your domain".
    pub problem: String,
    /// What to do about it.
    pub advice: String,
}

impl FixItem {
    /// The item as one sentence, e.g. "Mailchimp: 1,204 messages, 1,204
    /// failing DMARC (DKIM not signed). Set up DKIM for your domain in Mailchimp."
    pub fn sentence(&self) -> String {
        format!(
            "{}: {} messages, {} failing DMARC ({}). {}.",
            self.sender,
            thousands(self.messages),
            thousands(self.failing),
            self.problem,
            capitalise(&self.advice)
        )
    }
}

/// The fix item for `sender`, whose mail is for `domain`.
pub(crate) fn fix_item(sender: &Sender, domain: &str) -> FixItem {
    let own = organisational_domain(domain);
    let is_own = |name: &String| organisational_domain(name) == own;
    let problems: Vec<String> = [
        problem("DKIM", sender.dkim_aligned, sender.messages, &sender.dkim_domains, is_own),
        problem("SPF", sender.spf_aligned, sender.messages, &sender.spf_domains, is_own),
    ]
    .into_iter()
    .flatten()
    .collect();
    FixItem {
        key: sender.id.key.clone(),
        sender: sender.id.name.clone(),
        provider: sender.id.provider,
        messages: sender.messages,
        failing: sender.messages.saturating_sub(sender.dmarc_pass.count),
        problem: problems.join("; "),
        advice: advice(sender),
    }
}

/// What is wrong with one mechanism (`DKIM` or `SPF`), or `None` when all of
/// the sender's mail passed it aligned.
fn problem(
    mechanism: &str,
    aligned: Count,
    messages: u64,
    domains: &[String],
    is_own: impl Fn(&String) -> bool,
) -> Option<String> {
    if aligned.count >= messages {
        return None;
    }
    if aligned.count > 0 {
        return Some(format!("{mechanism} aligned for only {} of its mail", percent(aligned.count, messages)));
    }
    Some(match (domains.iter().find(|d| is_own(d)), domains.first(), mechanism) {
        (_, None, "DKIM") => "DKIM not signed".to_owned(),
        (_, None, _) => format!("no {mechanism} result"),
        (Some(_), _, "DKIM") => "DKIM signature for your domain fails (check the key published in DNS)".to_owned(),
        (Some(_), _, _) => format!("{mechanism} fails for your domain (this sender is not in your SPF record)"),
        (None, Some(other), "DKIM") => format!("DKIM signed with {other}, not your domain"),
        (None, Some(other), _) => format!("{mechanism} is for a different domain ({other}), not yours"),
    })
}

fn advice(sender: &Sender) -> String {
    if let Some(p) = sender.id.provider.and_then(provider) {
        return p.advice.map_or_else(|| format!("set up DKIM for your domain in {}", p.name), str::to_owned);
    }
    if sender.id.key == OWN_KEY {
        return "add these servers to your SPF record and sign their mail with DKIM for your domain".to_owned();
    }
    "if this is a service you use, set it up to sign with DKIM for your domain (or add it to your SPF \
     record); if you do not recognise it, it may be someone pretending to be you, which a stricter policy \
     will stop"
        .to_owned()
}

/// `n` with thousands separators: 1204 → "1,204".
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `count / total` as a percentage with one decimal, rounded *down* so a
/// figure shown never looks better than the rule it is checked against
/// (98.96% shows as 98.9%, not 99.0%).
pub(crate) fn percent(count: u64, total: u64) -> String {
    let per_mille = if total == 0 { 0 } else { u128::from(count) * 1000 / u128::from(total) };
    format!("{}.{}%", per_mille / 10, per_mille % 10)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
