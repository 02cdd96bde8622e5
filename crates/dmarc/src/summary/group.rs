//! Grouping tallies by sender: one [`Sender`] per [`SenderId`] key, with
//! its pass rates, what receivers did, and the addresses it sent from.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde::Serialize;

use super::Count;
use crate::senders::{SenderId, classify};
use crate::{Policy, Tally, Verdict};

/// Most senders listed in a summary; beyond this, the smallest are rolled
/// into one "Other senders" entry (so the list never exceeds this length).
pub const MAX_SENDERS: usize = 200;
/// Most source addresses listed per sender (the largest by volume).
pub const MAX_SOURCES: usize = 50;
/// Most DKIM domains, selectors or SPF domains listed per sender.
pub const MAX_NAMES: usize = 20;
/// A sender passing DMARC for at least this percentage of its mail is
/// [`SenderStatus::Aligned`]: the 2% slack allows for forwarding and
/// mailing lists, which break SPF and sometimes DKIM for a few messages.
pub const ALIGNED_PERCENT: u64 = 98;
/// A sender passing DMARC for less than this percentage of its mail is
/// [`SenderStatus::Failing`]: most of its mail would be refused under a
/// stricter policy.
pub const FAILING_BELOW_PERCENT: u64 = 50;

/// Grouping key of the roll-up of small senders.
pub const OTHER_KEY: &str = "other";

/// How well one sender's mail passes DMARC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderStatus {
    /// At least [`ALIGNED_PERCENT`]% passes.
    Aligned,
    /// Between [`FAILING_BELOW_PERCENT`]% and [`ALIGNED_PERCENT`]% passes.
    Partly,
    /// Less than [`FAILING_BELOW_PERCENT`]% passes.
    Failing,
}

impl SenderStatus {
    /// The status of `passed` out of `messages` (no messages counts as aligned).
    pub fn of(passed: u64, messages: u64) -> Self {
        let (passed, messages) = (u128::from(passed), u128::from(messages));
        if passed * 100 >= u128::from(ALIGNED_PERCENT) * messages {
            Self::Aligned
        } else if passed * 100 >= u128::from(FAILING_BELOW_PERCENT) * messages {
            Self::Partly
        } else {
            Self::Failing
        }
    }
}

/// What receivers did with a sender's mail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Dispositions {
    /// Delivered normally.
    pub none: u64,
    /// Sent to spam.
    pub quarantine: u64,
    /// Refused.
    pub reject: u64,
    /// The reporter did not say.
    pub unreported: u64,
}

impl Dispositions {
    fn add(&mut self, disposition: Option<Policy>, messages: u64) {
        let slot = match disposition {
            Some(Policy::None) => &mut self.none,
            Some(Policy::Quarantine) => &mut self.quarantine,
            Some(Policy::Reject) => &mut self.reject,
            None => &mut self.unreported,
        };
        *slot = slot.saturating_add(messages);
    }

    fn merge(&mut self, other: Self) {
        self.none = self.none.saturating_add(other.none);
        self.quarantine = self.quarantine.saturating_add(other.quarantine);
        self.reject = self.reject.saturating_add(other.reject);
        self.unreported = self.unreported.saturating_add(other.unreported);
    }
}

/// One address a sender sent from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The sending IP address.
    pub ip: IpAddr,
    /// Its reverse DNS name, when known.
    pub name: Option<String>,
    /// Messages from it.
    pub messages: u64,
    /// Of which passed DMARC.
    pub passed: u64,
}

/// Everyone who sent mail as the domain, grouped by [`SenderId::key`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sender {
    /// Who.
    pub id: SenderId,
    /// Messages.
    pub messages: u64,
    /// Share of all messages in the summary, 0..1.
    pub share: f64,
    /// The same share in thousandths, rounded, for templates.
    pub share_per_mille: u32,
    /// Messages that passed DMARC.
    pub dmarc_pass: Count,
    /// Messages whose DKIM passed and aligned.
    pub dkim_aligned: Count,
    /// Messages whose SPF passed and aligned.
    pub spf_aligned: Count,
    /// What receivers did.
    pub dispositions: Dispositions,
    /// Aligned, partly or failing (from the DMARC pass rate).
    pub status: SenderStatus,
    /// The largest sources by volume, at most [`MAX_SOURCES`].
    pub sources: Vec<Source>,
    /// How many more source addresses there were.
    pub more_sources: usize,
    /// DKIM signing domains seen, most messages first, at most [`MAX_NAMES`].
    pub dkim_domains: Vec<String>,
    /// DKIM selectors seen, likewise.
    pub selectors: Vec<String>,
    /// SPF domains seen, likewise.
    pub spf_domains: Vec<String>,
}

/// Running totals for one sender.
#[derive(Debug)]
struct Acc {
    id: SenderId,
    messages: u64,
    dmarc_pass: u64,
    dkim_aligned: u64,
    spf_aligned: u64,
    dispositions: Dispositions,
    /// Messages and passes per source address.
    sources: BTreeMap<IpAddr, (u64, u64)>,
    dkim_domains: BTreeMap<String, u64>,
    selectors: BTreeMap<String, u64>,
    spf_domains: BTreeMap<String, u64>,
}

impl Acc {
    fn new(id: SenderId) -> Self {
        Self {
            id,
            messages: 0,
            dmarc_pass: 0,
            dkim_aligned: 0,
            spf_aligned: 0,
            dispositions: Dispositions::default(),
            sources: BTreeMap::new(),
            dkim_domains: BTreeMap::new(),
            selectors: BTreeMap::new(),
            spf_domains: BTreeMap::new(),
        }
    }

    fn add(&mut self, t: &Tally) {
        let n = t.messages;
        let dkim = if t.dkim == Verdict::Pass { n } else { 0 };
        let spf = if t.spf == Verdict::Pass { n } else { 0 };
        let pass = if dkim > 0 || spf > 0 { n } else { 0 };
        self.messages = self.messages.saturating_add(n);
        self.dmarc_pass = self.dmarc_pass.saturating_add(pass);
        self.dkim_aligned = self.dkim_aligned.saturating_add(dkim);
        self.spf_aligned = self.spf_aligned.saturating_add(spf);
        self.dispositions.add(t.disposition, n);
        let source = self.sources.entry(t.source_ip).or_default();
        *source = (source.0.saturating_add(n), source.1.saturating_add(pass));
        count_name(&mut self.dkim_domains, t.dkim_domain.as_deref(), n);
        count_name(&mut self.selectors, t.dkim_selector.as_deref(), n);
        count_name(&mut self.spf_domains, t.spf_domain.as_deref(), n);
    }

    fn merge(&mut self, other: Self) {
        self.messages = self.messages.saturating_add(other.messages);
        self.dmarc_pass = self.dmarc_pass.saturating_add(other.dmarc_pass);
        self.dkim_aligned = self.dkim_aligned.saturating_add(other.dkim_aligned);
        self.spf_aligned = self.spf_aligned.saturating_add(other.spf_aligned);
        self.dispositions.merge(other.dispositions);
        for (ip, (n, pass)) in other.sources {
            let source = self.sources.entry(ip).or_default();
            *source = (source.0.saturating_add(n), source.1.saturating_add(pass));
        }
        merge_names(&mut self.dkim_domains, other.dkim_domains);
        merge_names(&mut self.selectors, other.selectors);
        merge_names(&mut self.spf_domains, other.spf_domains);
    }

    fn finish(self, total: u64, names: &HashMap<IpAddr, String>) -> Sender {
        let mut sources: Vec<Source> = self
            .sources
            .into_iter()
            .map(|(ip, (messages, passed))| Source { ip, name: names.get(&ip).cloned(), messages, passed })
            .collect();
        sources.sort_by(|a, b| b.messages.cmp(&a.messages).then(a.ip.cmp(&b.ip)));
        let more_sources = sources.len().saturating_sub(MAX_SOURCES);
        sources.truncate(MAX_SOURCES);
        let share = Count::new(self.messages, total);
        Sender {
            id: self.id,
            messages: self.messages,
            share: share.rate,
            share_per_mille: share.per_mille,
            dmarc_pass: Count::new(self.dmarc_pass, self.messages),
            dkim_aligned: Count::new(self.dkim_aligned, self.messages),
            spf_aligned: Count::new(self.spf_aligned, self.messages),
            dispositions: self.dispositions,
            status: SenderStatus::of(self.dmarc_pass, self.messages),
            sources,
            more_sources,
            dkim_domains: top_names(self.dkim_domains),
            selectors: top_names(self.selectors),
            spf_domains: top_names(self.spf_domains),
        }
    }
}

fn count_name(map: &mut BTreeMap<String, u64>, name: Option<&str>, n: u64) {
    let Some(name) = name.map(|s| s.trim().trim_end_matches('.').to_ascii_lowercase()).filter(|s| !s.is_empty()) else {
        return;
    };
    let slot = map.entry(name).or_default();
    *slot = slot.saturating_add(n);
}

fn merge_names(into: &mut BTreeMap<String, u64>, from: BTreeMap<String, u64>) {
    for (name, n) in from {
        let slot = into.entry(name).or_default();
        *slot = slot.saturating_add(n);
    }
}

/// The names with the most messages, ties alphabetical, at most [`MAX_NAMES`].
pub(crate) fn top_names(map: BTreeMap<String, u64>) -> Vec<String> {
    top_by_count(map, MAX_NAMES)
}

/// The `limit` names with the most messages, ties alphabetical.
pub(crate) fn top_by_count(map: BTreeMap<String, u64>, limit: usize) -> Vec<String> {
    let mut names: Vec<(String, u64)> = map.into_iter().collect();
    names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    names.into_iter().take(limit).map(|(name, _)| name).collect()
}

/// Group `tallies` by sender, largest first (ties by key).
fn accumulate<'t>(tallies: impl Iterator<Item = &'t Tally>, names: &HashMap<IpAddr, String>, domain: &str) -> Vec<Acc> {
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    for t in tallies {
        let ptr = names.get(&t.source_ip).map(String::as_str);
        let id = classify(t.source_ip, ptr, t.dkim_domain.as_deref(), t.spf_domain.as_deref(), domain);
        groups.entry(id.key.clone()).or_insert_with(|| Acc::new(id)).add(t);
    }
    let mut list: Vec<Acc> = groups.into_values().collect();
    list.sort_by(|a, b| b.messages.cmp(&a.messages).then_with(|| a.id.key.cmp(&b.id.key)));
    list
}

/// Every sender in `tallies`, largest first, unbounded (for the readiness rules).
pub(crate) fn all_senders<'t>(
    tallies: impl Iterator<Item = &'t Tally>,
    names: &HashMap<IpAddr, String>,
    domain: &str,
) -> Vec<Sender> {
    let list = accumulate(tallies, names, domain);
    let total = list.iter().fold(0u64, |sum, acc| sum.saturating_add(acc.messages));
    list.into_iter().map(|acc| acc.finish(total, names)).collect()
}

/// At most [`MAX_SENDERS`] senders, largest first; when there are more, the
/// last entry is "Other senders", holding all but the largest
/// `MAX_SENDERS - 1`.
pub(crate) fn bounded_senders<'t>(
    tallies: impl Iterator<Item = &'t Tally>,
    names: &HashMap<IpAddr, String>,
    domain: &str,
) -> Vec<Sender> {
    let mut list = accumulate(tallies, names, domain);
    let total = list.iter().fold(0u64, |sum, acc| sum.saturating_add(acc.messages));
    if list.len() > MAX_SENDERS {
        let rest = list.split_off(MAX_SENDERS - 1);
        let id = SenderId { key: OTHER_KEY.to_owned(), name: "Other senders".to_owned(), provider: None };
        let mut other = Acc::new(id);
        rest.into_iter().for_each(|acc| other.merge(acc));
        list.push(other);
    }
    list.into_iter().map(|acc| acc.finish(total, names)).collect()
}
