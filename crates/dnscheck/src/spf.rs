//! SPF (Sender Policy Framework, RFC 7208): the list of servers allowed to
//! send mail as the domain, published as one TXT record starting `v=spf1`.
//!
//! [`parse`] reads one record without DNS; [`check`] reads the domain's
//! record and everything it includes, counts the DNS lookups a receiver
//! would make (at most 10 are allowed), and says in plain words what
//! happens to mail from servers not on the list.

mod eval;
mod macros;
mod parse;
mod tree;

#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::finding::{Check, Finding, Status, rank};
use crate::name::DomainName;
use crate::resolver::{LookupError, Rcode, RecordType, Resolver};

pub use macros::{MacroExpand, MacroPart, MacroString};
pub use parse::{
    Directive, DualCidr, MAX_RECORD_LEN, MAX_TERMS, Mechanism, Modifier, Qualifier, SpfRecord, SyntaxProblem, Term,
    is_spf, parse,
};
pub use tree::{SpfNode, Via};

use eval::Walk;
use tree::{EffectiveAll, Slot};

/// Receivers allow at most this many DNS-querying terms (RFC 7208 4.6.4).
const LOOKUP_LIMIT: u32 = 10;
/// Receivers should allow at most this many void lookups (RFC 7208 4.6.4).
const VOID_LIMIT: usize = 2;
/// Records longer than this may not fit a plain DNS reply (RFC 7208 3.4).
const LONG_RECORD: usize = 512;
/// The most of a record quoted in a message.
const SHOWN: usize = 600;

/// The outcome of checking a domain's SPF.
#[derive(Debug, Clone, Serialize)]
pub struct SpfReport {
    /// At least one; the first is the summary and its status is SPF's
    /// overall status for the domain.
    pub findings: Vec<Finding>,
    /// The record and everything it includes, when a single record was found.
    pub tree: Option<SpfNode>,
}

/// Check the SPF record of `domain`.
pub async fn check(dns: &dyn Resolver, domain: &DomainName) -> SpfReport {
    let name = domain.as_str();
    let answer = match dns.lookup(name, RecordType::Txt).await {
        Ok(answer) => answer,
        Err(e) => return only(root_lookup_failed(name, &e)),
    };
    if answer.rcode == Rcode::NxDomain {
        let message =
            format!("The domain {name} does not exist in DNS (NXDOMAIN), so there is no SPF record to check.");
        return only(Finding::new(Check::Spf, Status::Unknown, "no_domain", message));
    }
    let records: Vec<String> = answer.texts().into_iter().filter(|t| is_spf(t)).collect();
    match records.as_slice() {
        [] => only(missing(name)),
        [record] => evaluate(dns, name, record).await,
        _ => only(multiple(name, &records)),
    }
}

fn only(finding: Finding) -> SpfReport {
    SpfReport { findings: vec![finding], tree: None }
}

fn shown(text: &str) -> String {
    if text.chars().count() <= SHOWN {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(SHOWN).collect::<String>())
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn root_lookup_failed(name: &str, e: &LookupError) -> Finding {
    let message =
        format!("Could not look up the SPF record of {name}: {e}. This says nothing about whether one exists.");
    let fix = format!("Try again later; if it keeps failing, ask whoever runs DNS for {name} to fix it.");
    Finding::new(Check::Spf, Status::Unknown, "lookup_failed", message).fix(fix)
}

fn missing(name: &str) -> Finding {
    let message = format!(
        "{name} has no SPF record, so receivers cannot tell which servers may send mail as {name}: anyone can \
         pretend to be you."
    );
    let fix = format!(
        "Publish one TXT record: {name} TXT \"v=spf1 include:<your mail provider> -all\". List every service that \
         sends mail as you (Microsoft 365: include:spf.protection.outlook.com; Google Workspace: \
         include:_spf.google.com) and end with -all. If {name} sends no mail at all: {name} TXT \"v=spf1 -all\""
    );
    Finding::new(Check::Spf, Status::Fail, "missing", message).fix(fix)
}

fn multiple(name: &str, records: &[String]) -> Finding {
    let list: Vec<String> = records.iter().map(|r| format!("\"{}\"", shown(r))).collect();
    let message = format!(
        "{name} has {} SPF records ({}). Only one is allowed, so receivers ignore them all (permanent error, \
         RFC 7208 4.5).",
        records.len(),
        list.join(", ")
    );
    let fix = format!("Replace them with one TXT record: {name} TXT \"{}\"", merged(records));
    Finding::new(Check::Spf, Status::Fail, "multiple_records", message).fix(fix)
}

/// One record listing every term of `records` once, ending with the first
/// `all` that does not pass everyone (or `-all`).
fn merged(records: &[String]) -> String {
    let mut terms: Vec<&str> = Vec::new();
    let mut all = None;
    for word in records.iter().flat_map(|r| r.split(' ').skip(1)).filter(|w| !w.is_empty()) {
        let lower = word.to_ascii_lowercase();
        if ["-all", "~all", "?all"].contains(&lower.as_str()) {
            all.get_or_insert(word);
        } else if !["all", "+all"].contains(&lower.as_str())
            && !terms.contains(&word)
            && !lower.starts_with("redirect=")
        {
            terms.push(word);
        }
    }
    terms.push(all.unwrap_or("-all"));
    shown(&format!("v=spf1 {}", terms.join(" ")))
}

/// `record` with its `all` replaced by `all` (or `all` appended).
fn with_all(record: &str, all: &str) -> String {
    let is_all = |w: &str| ["all", "+all", "-all", "~all", "?all"].contains(&w.to_ascii_lowercase().as_str());
    let words: Vec<&str> = record.split(' ').filter(|w| !w.is_empty()).collect();
    if words.iter().any(|w| is_all(w)) {
        words.into_iter().map(|w| if is_all(w) { all } else { w }).collect::<Vec<_>>().join(" ")
    } else {
        format!("{} {all}", words.join(" "))
    }
}

async fn evaluate(dns: &dyn Resolver, name: &str, record: &str) -> SpfReport {
    let mut walk = Walk::run(dns, name, record).await;
    let total = tree::add_totals(&mut walk.slots);
    let effective = tree::effective_all(&walk.slots, 0);
    let mut findings = limit_findings(total, walk.truncated, &walk.voids);
    findings.append(&mut walk.findings);
    findings.extend(included_pass_all(&walk.slots));
    if walk.root.is_some() {
        findings.extend(all_findings(name, record, effective));
    }
    if record.len() > LONG_RECORD {
        findings.push(record_long(name, record.len()));
    }
    let counted = format!("{total} DNS lookup{} of {LOOKUP_LIMIT}", plural(total));
    let published = walk.root.as_ref().map(|_| {
        let message = format!("Published record: {} — {counted}.", shown(record));
        Finding::new(Check::Spf, Status::Ok, "record", message)
    });
    let redirect = walk.slots.first().and_then(|root| redirect_target(&walk.slots, root));
    let valid = valid_summary(record, &counted, effective, redirect.as_deref(), walk.root.as_ref());
    SpfReport { findings: summarise(findings, valid, published), tree: tree::assemble(walk.slots) }
}

fn redirect_target(slots: &[Slot], root: &Slot) -> Option<String> {
    root.children
        .iter()
        .filter_map(|c| slots.get(*c))
        .find(|s| s.node.via == Via::Redirect)
        .map(|s| s.node.domain.clone())
}

/// The summary when nothing is wrong.
fn valid_summary(
    record: &str,
    counted: &str,
    effective: EffectiveAll,
    redirect: Option<&str>,
    root: Option<&SpfRecord>,
) -> Finding {
    let sends_nothing = root.is_some_and(|r| r.terms.len() == 1 && r.all().is_some());
    let outcome = match effective {
        EffectiveAll::Known(Qualifier::Fail) if sends_nothing => {
            "this domain sends no mail: every message claiming to come from it fails SPF"
        }
        EffectiveAll::Known(Qualifier::Fail) => "mail from anywhere else fails SPF",
        EffectiveAll::Known(Qualifier::SoftFail) => "mail from anywhere else gets a soft fail (marked as suspicious)",
        _ => "the record is valid",
    };
    let via = match (redirect, effective) {
        (Some(target), EffectiveAll::Known(q)) => format!("; the {}all of {target} applies", q.symbol()),
        _ => String::new(),
    };
    let message = format!("{} — {counted}{via}; {outcome}", shown(record));
    Finding::new(Check::Spf, Status::Ok, "valid", message)
}

/// Put the summary first: the first of the most serious findings (a
/// definite failure outranks a failed lookup, RFC 7208 leaves both as
/// errors but only one is certain), or `valid` when all is well.
fn summarise(mut findings: Vec<Finding>, valid: Finding, published: Option<Finding>) -> Vec<Finding> {
    let worst = findings.iter().map(|f| rank(f.status)).max().unwrap_or(0);
    let position = findings.iter().position(|f| rank(f.status) == worst);
    match position {
        Some(pos) if worst > 0 => {
            let summary = findings.remove(pos);
            let mut out = vec![summary];
            out.extend(published);
            out.extend(findings);
            out
        }
        _ => {
            let mut out = vec![valid];
            out.extend(findings);
            out
        }
    }
}

fn limit_findings(total: u32, truncated: bool, voids: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    let at_least = if truncated { "at least " } else { "" };
    if total > LOOKUP_LIMIT {
        let message = format!(
            "SPF needs {at_least}{total} DNS lookups ({total} > {LOOKUP_LIMIT}), counting every include, a, mx, \
             ptr, exists and redirect, including those inside included records. Receivers stop at {LOOKUP_LIMIT} \
             and treat the record as a permanent error (RFC 7208 4.6.4), so SPF fails for all your mail."
        );
        let fix = "Bring it to 10 or fewer: remove includes for services you no longer use, and replace a, mx and \
                   ptr with ip4:/ip6: addresses of your own servers. The include tree shows what each part costs.";
        out.push(Finding::new(Check::Spf, Status::Fail, "too_many_lookups", message).fix(fix));
    } else if total == LOOKUP_LIMIT {
        let message = format!(
            "SPF needs exactly {LOOKUP_LIMIT} DNS lookups: valid, but at the limit (RFC 7208 4.6.4). Adding one \
             more include or provider will break SPF for all your mail."
        );
        let fix = "Before adding another mail service, free up a lookup: replace a and mx with ip4:/ip6: \
                   addresses, or remove includes you no longer use.";
        out.push(Finding::new(Check::Spf, Status::Warn, "lookups_at_limit", message).fix(fix));
    }
    if voids.len() > VOID_LIMIT {
        let message = format!(
            "{} terms look up names that do not exist or have no records ({}): these are \"void lookups\". \
             Receivers allow at most {VOID_LIMIT} (RFC 7208 4.6.4) and then give a permanent error.",
            voids.len(),
            voids.join(", ")
        );
        let fix = format!("Remove or correct: {}.", voids.join(", "));
        out.push(Finding::new(Check::Spf, Status::Fail, "too_many_void_lookups", message).fix(fix));
    }
    out
}

/// An included record that passes everyone makes the include match every
/// server in the world.
fn included_pass_all(slots: &[Slot]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        if slot.node.via != Via::Include || tree::effective_all(slots, i) != EffectiveAll::Known(Qualifier::Pass) {
            continue;
        }
        let parent = slot.parent.and_then(|p| slots.get(p)).map_or("", |p| p.node.domain.as_str());
        let message = format!(
            "{} in the SPF record of {parent} includes {}, whose record ends with +all: any server in the world \
             passes SPF as you.",
            slot.term, slot.node.domain
        );
        let fix = format!(
            "Remove {} from the SPF record of {parent}, or ask the owner of {} to fix it.",
            slot.term, slot.node.domain
        );
        out.push(Finding::new(Check::Spf, Status::Fail, "pass_all", message).fix(fix));
    }
    out
}

/// What happens to mail from servers not listed (RFC 7208 4.7, 5.1, 6.1).
fn all_findings(name: &str, record: &str, effective: EffectiveAll) -> Vec<Finding> {
    let strict = format!("{name} TXT \"{}\"", shown(&with_all(record, "-all")));
    let finding = match effective {
        EffectiveAll::Known(Qualifier::Pass) => Finding::new(
            Check::Spf,
            Status::Fail,
            "pass_all",
            format!(
                "The SPF record of {name} ends with +all (or a bare 'all'): any server in the world passes SPF as \
                 {name}, so SPF gives no protection."
            ),
        )
        .fix(format!("Replace +all with -all: {strict}")),
        EffectiveAll::Known(Qualifier::Neutral) => Finding::new(
            Check::Spf,
            Status::Warn,
            "neutral_all",
            format!("The SPF record of {name} ends with ?all: mail from servers not listed gets no verdict (neutral)."),
        )
        .fix(format!("End the record with -all: {strict}")),
        EffectiveAll::Known(Qualifier::SoftFail) => Finding::new(
            Check::Spf,
            Status::Ok,
            "softfail_all",
            "~all: mail from servers not listed is marked as suspicious (soft fail) rather than refused. That is \
             acceptable when DMARC is set to quarantine or reject; -all is stricter.",
        ),
        EffectiveAll::Missing => Finding::new(
            Check::Spf,
            Status::Warn,
            "no_all",
            format!(
                "The SPF record of {name} has no 'all' at the end and no redirect=: mail from servers not listed \
                 gets no verdict (neutral, RFC 7208 4.7)."
            ),
        )
        .fix(format!("End the record with -all: {strict}")),
        EffectiveAll::Known(Qualifier::Fail) | EffectiveAll::Unknown => return Vec::new(),
    };
    vec![finding]
}

fn record_long(name: &str, len: usize) -> Finding {
    let message = format!(
        "The SPF record of {name} is {len} characters. Over {LONG_RECORD}, the DNS reply may not fit a plain UDP \
         answer and some receivers may fail to read it (RFC 7208 3.4)."
    );
    let fix = "Shorten it: use your providers' include: instead of long lists of addresses, and remove entries you \
               no longer use.";
    Finding::new(Check::Spf, Status::Warn, "record_long", message).fix(fix)
}
