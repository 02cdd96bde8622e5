//! DKIM (RFC 6376, RFC 8301, RFC 8463): does the domain publish public keys
//! that let receivers check the signatures on its email, and are they
//! strong enough?
//!
//! Keys live at `<selector>._domainkey.<domain>`, and selectors cannot be
//! listed from DNS: we try the ones we are told plus the names big providers
//! use, and a key we did not find is never a failure, only "not found".

mod der;
mod key;
#[cfg(test)]
mod tests;

use crate::finding::rank;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

pub use key::{DkimKey, KeyType, MAX_RECORD_LEN, PublicKey, parse_key_record};

use crate::{Answer, Check, DomainName, Finding, LookupError, RecordType, Resolver, Status};

/// Selectors big providers use, tried after the ones given.
pub const COMMON_SELECTORS: &[&str] = &[
    "selector1",     // Microsoft 365
    "selector2",     // Microsoft 365
    "google",        // Google Workspace
    "default",       // many hosting control panels
    "k1",            // Mailchimp
    "k2",            // Mailchimp
    "k3",            // Mailchimp
    "s1",            // SendGrid and others
    "s2",            // SendGrid and others
    "mail",          // common self-hosted choice
    "dkim",          // common self-hosted choice
    "smtp",          // common self-hosted choice
    "mandrill",      // Mailchimp Transactional
    "everlytickey1", // Everlytic
    "everlytickey2", // Everlytic
    "zoho",          // Zoho Mail
    "protonmail",    // Proton Mail
    "protonmail2",   // Proton Mail
    "protonmail3",   // Proton Mail
    "fm1",           // Fastmail
    "fm2",           // Fastmail
    "fm3",           // Fastmail
    "sig1",          // iCloud custom domains
    "mxvault",       // MXroute
    "cm",            // Campaign Monitor
];

/// At most this many selectors are looked up, so a long list given by a user
/// cannot turn one check into hundreds of queries.
const MAX_SELECTORS: usize = 64;
/// At most this many invalid selectors are reported back.
const MAX_REJECTED: usize = 8;

/// RSA keys below this many bits are ignored by receivers (RFC 8301 3.2).
const MIN_RSA_BITS: usize = 1024;
/// RSA keys should be at least this big (RFC 8301 3.2 "SHOULD use at least
/// 2048").
const GOOD_RSA_BITS: usize = 2048;

/// Look for DKIM keys at `selectors` (those given first, then
/// [`COMMON_SELECTORS`]) and judge each one found. The first finding is the
/// summary.
pub async fn check(dns: &dyn Resolver, domain: &DomainName, selectors: &[String]) -> Vec<Finding> {
    let (wanted, rejected) = selector_list(selectors);
    let names: Vec<String> = wanted.iter().map(|(s, _)| key_name(s, domain)).collect();
    let lookups = names.iter().map(|name| dns.lookup(name, RecordType::Txt)).collect();
    let answers = join_all(lookups).await;
    let probes: Vec<Probe> = wanted
        .into_iter()
        .zip(names)
        .zip(answers)
        .map(|(((selector, given), name), answer)| Probe::new(selector, given, name, answer))
        .collect();
    let mut findings = summarise(domain, &probes);
    findings.extend(rejected.iter().map(|s| invalid_selector(s)));
    findings
}

/// The owner name of a selector's key record (RFC 6376 3.6.2.1).
fn key_name(selector: &str, domain: &DomainName) -> String {
    domain.under(&format!("{selector}._domainkey"))
}

/// Selectors to look up, each marked whether it was given, deduplicated and
/// bounded; and the given ones that are not DNS names.
fn selector_list(given: &[String]) -> (Vec<(String, bool)>, Vec<String>) {
    let mut wanted: Vec<(String, bool)> = Vec::new();
    let mut rejected = Vec::new();
    let candidates = given.iter().map(|s| (s.trim().to_ascii_lowercase(), true));
    let common = COMMON_SELECTORS.iter().map(|s| ((*s).to_owned(), false));
    for (selector, is_given) in candidates.chain(common) {
        if !valid_selector(&selector) {
            if rejected.len() < MAX_REJECTED {
                rejected.push(key::shorten(&selector));
            }
        } else if wanted.len() < MAX_SELECTORS && !wanted.iter().any(|(s, _)| *s == selector) {
            wanted.push((selector, is_given));
        }
    }
    (wanted, rejected)
}

/// selector = sub-domain *( "." sub-domain ) (RFC 6376 3.1); we also allow
/// `_`, which real selectors use.
fn valid_selector(selector: &str) -> bool {
    !selector.is_empty()
        && selector.len() <= 200
        && selector.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Await every future, polling them together so the lookups overlap in
/// time, and return their outputs in order.
async fn join_all<F: Future + Unpin>(mut futures: Vec<F>) -> Vec<F::Output> {
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match Pin::new(future).poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(outputs.iter_mut().filter_map(Option::take).collect()) }
    })
    .await
}

/// What one selector lookup found.
#[derive(Debug)]
struct Probe {
    selector: String,
    /// Named by the caller rather than guessed.
    given: bool,
    /// `<selector>._domainkey.<domain>`.
    name: String,
    /// Where an alias (CNAME) at the name leads, if it is one.
    via: Option<String>,
    outcome: Outcome,
}

#[derive(Debug)]
enum Outcome {
    /// No key record there (NXDOMAIN, no data, or only unrelated TXT).
    Absent,
    /// Key record texts that look like DKIM.
    Found(Vec<String>),
    /// The lookup failed.
    Failed(LookupError),
}

impl Probe {
    fn new(selector: String, given: bool, name: String, answer: Result<Answer, LookupError>) -> Self {
        let (via, outcome) = match answer {
            Err(error) => (None, Outcome::Failed(error)),
            Ok(answer) => {
                let via = answer.cnames.last().map(|(_, to)| to.clone());
                let texts: Vec<String> = answer.texts().into_iter().filter(|t| looks_like_dkim(t)).collect();
                (via, if texts.is_empty() { Outcome::Absent } else { Outcome::Found(texts) })
            }
        };
        Self { selector, given, name, via, outcome }
    }
}

/// Whether a TXT record at a selector name is meant as a key record, so a
/// wildcard SPF or verification record is not mistaken for a broken key.
fn looks_like_dkim(text: &str) -> bool {
    let start = text.trim_start();
    if let Some(version) = start.strip_prefix("v=") {
        return version.trim_start().get(..5).is_some_and(|v| v.eq_ignore_ascii_case("DKIM1"));
    }
    text.split(';').any(|spec| spec.split_once('=').is_some_and(|(name, _)| matches!(name.trim(), "p" | "k")))
}

/// A key that was found at a selector, parsed or not.
struct Judged<'a> {
    probe: &'a Probe,
    /// The record text used.
    text: &'a str,
    parsed: Result<DkimKey, String>,
    /// More than one key record at the name.
    several: bool,
}

impl Judged<'_> {
    fn usable(&self) -> bool {
        self.parsed.as_ref().is_ok_and(|k| match k.key {
            PublicKey::Revoked => false,
            PublicKey::Rsa { bits } => bits >= MIN_RSA_BITS && k.for_email() && !k.sha1_only(),
            PublicKey::Ed25519 => k.for_email(),
        })
    }

    /// `selector1 RSA 2048` for the summary.
    fn label(&self) -> String {
        match &self.parsed {
            Ok(key) => format!("{} {}", self.probe.selector, key.describe()),
            Err(_) => format!("{} invalid", self.probe.selector),
        }
    }
}

/// Pick the record to judge at a selector: the first that parses, else the
/// first (RFC 6376 3.6.2.2 lets verifiers pick any of several).
fn judge(probe: &Probe) -> Option<Judged<'_>> {
    let Outcome::Found(texts) = &probe.outcome else { return None };
    let parsed: Vec<(&str, Result<DkimKey, String>)> =
        texts.iter().map(|t| (t.as_str(), parse_key_record(t))).collect();
    let several = parsed.len() > 1;
    let pick = parsed.iter().position(|(_, p)| p.is_ok()).unwrap_or(0);
    let (text, parsed) = parsed.into_iter().nth(pick)?;
    Some(Judged { probe, text, parsed, several })
}

fn summarise(domain: &DomainName, probes: &[Probe]) -> Vec<Finding> {
    let judged: Vec<Judged<'_>> = probes.iter().filter_map(judge).collect();
    if judged.is_empty() {
        return nothing_found(domain, probes);
    }
    let any_usable = judged.iter().any(Judged::usable);
    let mut details: Vec<Finding> = judged.iter().flat_map(|j| key_findings(domain, j, any_usable)).collect();
    details.extend(probes.iter().filter_map(missing_detail));
    let labels: Vec<String> = judged.iter().map(Judged::label).collect();
    let worst = details.iter().max_by_key(|f| rank(f.status)).map_or(Status::Ok, |f| f.status);
    let summary = if worst == Status::Ok {
        Finding::new(
            Check::Dkim,
            Status::Ok,
            "valid",
            format!(
                "DKIM is set up: {}. Receivers can check that email signed with these keys really came from \
                 {domain}.{}",
                labels.join(", "),
                aliases_note(&judged)
            ),
        )
    } else {
        let first = details.iter().find(|f| f.status == worst);
        let message = first.map(|f| f.message.as_str()).unwrap_or_default();
        let code = first.and_then(|f| f.code.strip_prefix("dkim.")).unwrap_or("valid");
        let summary =
            Finding::new(Check::Dkim, worst, code, format!("DKIM keys found: {}. {message}", labels.join(", ")));
        match first.and_then(|f| f.fix.clone()) {
            Some(fix) => summary.fix(fix),
            None => summary,
        }
    };
    details.extend(probes.iter().filter_map(failed_detail));
    std::iter::once(summary).chain(details).collect()
}

/// No key at any selector: "not found" (selectors cannot be discovered), or
/// "could not check" when the lookups that matter failed.
fn nothing_found(domain: &DomainName, probes: &[Probe]) -> Vec<Finding> {
    let failures: Vec<&Probe> = probes.iter().filter(|p| matches!(p.outcome, Outcome::Failed(_))).collect();
    let given_failed = failures.iter().any(|p| p.given);
    if let Some(first) = failures.first().filter(|_| given_failed || failures.len() == probes.len())
        && let Outcome::Failed(error) = &first.outcome
    {
        let summary = Finding::new(
            Check::Dkim,
            Status::Unknown,
            "lookup_failed",
            format!("Could not look up DKIM keys for {domain}: {error}. Try again later."),
        );
        return std::iter::once(summary).chain(probes.iter().filter_map(missing_detail)).collect();
    }
    let tried: Vec<&str> = probes.iter().map(|p| p.selector.as_str()).collect();
    let mut message = format!(
        "No DKIM key was found for {domain}. DKIM keys are published under names (selectors) that cannot be listed \
         from DNS, so this check can only try common ones: {}.",
        tried.join(", ")
    );
    if !failures.is_empty() {
        message.push_str(&format!(" {} of these lookups failed, so a key may still be there.", failures.len()));
    }
    let summary = Finding::new(Check::Dkim, Status::Warn, "not_found", message).fix(
        "Open an email you sent from this domain, show its headers, and find the DKIM-Signature header: its s= value \
         is your selector. Run the check again with --dkim-selector <selector>. If there is no DKIM-Signature header, \
         turn on DKIM signing at your email provider and publish the record it gives you.",
    );
    let details = probes.iter().filter_map(missing_detail).chain(probes.iter().filter_map(failed_detail));
    std::iter::once(summary).chain(details).collect()
}

/// Details for selectors with no key that are still worth a line: one the
/// user named, and an alias that leads nowhere.
fn missing_detail(probe: &Probe) -> Option<Finding> {
    if !matches!(probe.outcome, Outcome::Absent) {
        return None;
    }
    let name = &probe.name;
    // Only aliases into someone's _domainkey tree are meant as DKIM keys; a
    // wildcard alias for the whole domain would otherwise flag every guess.
    if let Some(target) = probe.via.as_ref().filter(|t| probe.given || t.contains("_domainkey")) {
        return Some(
            Finding::new(
                Check::Dkim,
                Status::Warn,
                "cname_no_key",
                format!(
                    "{name} is an alias (CNAME) of {target}, but no DKIM key is published there, so mail signed \
                     with selector {} cannot be checked.",
                    probe.selector
                ),
            )
            .fix(
                "If you use Microsoft 365, turn on DKIM signing for this domain in the Microsoft Defender portal \
                 (Email authentication settings); otherwise ask the provider the alias points to, or remove the alias.",
            ),
        );
    }
    probe.given.then(|| {
        Finding::new(
            Check::Dkim,
            Status::Warn,
            "selector_not_found",
            format!("There is no DKIM key at {name}, the selector you asked about ({}).", probe.selector),
        )
    })
}

/// A detail line for a selector whose lookup failed.
fn failed_detail(probe: &Probe) -> Option<Finding> {
    let Outcome::Failed(error) = &probe.outcome else { return None };
    Some(Finding::new(
        Check::Dkim,
        Status::Unknown,
        "lookup_failed",
        format!("Could not look up {}: {error}.", probe.name),
    ))
}

fn invalid_selector(selector: &str) -> Finding {
    Finding::new(
        Check::Dkim,
        Status::Warn,
        "invalid_selector",
        format!(
            "'{selector}' is not a valid DKIM selector (letters, digits, '-' and '.' only), so it was not looked up."
        ),
    )
}

/// The findings for one key record.
fn key_findings(domain: &DomainName, judged: &Judged<'_>, any_usable: bool) -> Vec<Finding> {
    let probe = judged.probe;
    let key = match &judged.parsed {
        Ok(key) => key,
        Err(reason) => return vec![invalid_key(probe, reason)],
    };
    let mut findings = vec![strength(domain, probe, key, any_usable)];
    if key.testing {
        findings.push(testing(probe, judged.text));
    }
    if key.sha1_only() {
        findings.push(sha1_only(probe, judged.text));
    }
    if !key.for_email() {
        findings.push(not_for_email(probe));
    }
    if judged.several {
        findings.push(Finding::new(
            Check::Dkim,
            Status::Warn,
            "multiple_records",
            format!(
                "{} has more than one DKIM record; receivers may pick either, so signatures can fail at random.",
                probe.name
            ),
        ));
    }
    findings
}

/// " Published through aliases (CNAME): selector1, selector2, as Microsoft
/// 365 does." for the summary, or nothing.
fn aliases_note(judged: &[Judged<'_>]) -> String {
    let aliased: Vec<&Probe> = judged.iter().map(|j| j.probe).filter(|p| p.via.is_some()).collect();
    if aliased.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = aliased.iter().map(|p| p.selector.as_str()).collect();
    let microsoft = aliased.iter().all(|p| p.via.as_deref().is_some_and(is_microsoft));
    let plural = if names.len() > 1 { "aliases" } else { "an alias" };
    let style = if microsoft { ", as Microsoft 365 does" } else { "" };
    format!(" Published through {plural} (CNAME): {}{style}.", names.join(", "))
}

/// Where the record really lives, for messages: "(published through an
/// alias to X, Microsoft 365 style)".
fn alias_note(probe: &Probe) -> String {
    match &probe.via {
        Some(target) if is_microsoft(target) => {
            format!(" It is published through an alias (CNAME) to {target}, as Microsoft 365 does.")
        }
        Some(target) => format!(" It is published through an alias (CNAME) to {target}."),
        None => String::new(),
    }
}

fn is_microsoft(target: &str) -> bool {
    [".onmicrosoft.com", ".onmicrosoft.test"].iter().any(|suffix| target.ends_with(suffix))
}

/// A template record for a new key at `selector`.
fn new_key_fix(probe: &Probe) -> String {
    format!(
        "Ask your email provider to create a new 2048-bit DKIM key and publish the record it gives you, like: \
         {} TXT \"v=DKIM1; k=rsa; p=<the new 2048-bit public key>\"",
        probe.name
    )
}

fn strength(domain: &DomainName, probe: &Probe, key: &DkimKey, any_usable: bool) -> Finding {
    let (sel, alias) = (&probe.selector, alias_note(probe));
    match key.key {
        PublicKey::Revoked if any_usable => Finding::new(
            Check::Dkim,
            Status::Ok,
            "revoked",
            format!(
                "The key at selector {sel} has been withdrawn (empty p=), which is normal after changing keys.{alias}"
            ),
        ),
        PublicKey::Revoked => Finding::new(
            Check::Dkim,
            Status::Warn,
            "revoked",
            format!(
                "The key at selector {sel} has been withdrawn (empty p=) and no other usable key was found, so \
                 receivers cannot check signatures on email from {domain}.{alias}"
            ),
        )
        .fix(format!(
            "Turn on DKIM signing at your email provider and publish the key it gives you, like: {} TXT \
             \"v=DKIM1; k=rsa; p=<the public key>\"",
            probe.name
        )),
        PublicKey::Rsa { bits } if bits < MIN_RSA_BITS => Finding::new(
            Check::Dkim,
            Status::Fail,
            "key_too_weak",
            format!(
                "The key at selector {sel} is a {bits}-bit RSA key. Keys this small can be broken, and receivers \
                 ignore signatures made with keys under 1024 bits (RFC 8301).{alias}"
            ),
        )
        .fix(new_key_fix(probe)),
        PublicKey::Rsa { bits } if bits < GOOD_RSA_BITS => Finding::new(
            Check::Dkim,
            Status::Warn,
            "key_weak_1024",
            format!(
                "The key at selector {sel} is a {bits}-bit RSA key. That is weak by today's standards: use a \
                 2048-bit key (RFC 8301).{alias}"
            ),
        )
        .fix(new_key_fix(probe)),
        PublicKey::Rsa { bits } => Finding::new(
            Check::Dkim,
            Status::Ok,
            "key_ok",
            format!("Selector {sel} has a {bits}-bit RSA key, which is strong.{alias}"),
        ),
        PublicKey::Ed25519 => Finding::new(
            Check::Dkim,
            Status::Ok,
            "key_ok",
            format!(
                "Selector {sel} has an Ed25519 key (RFC 8463), which is strong. Some receivers cannot check \
                 Ed25519 signatures yet, so also sign with an RSA key.{alias}"
            ),
        ),
    }
}

fn invalid_key(probe: &Probe, reason: &str) -> Finding {
    Finding::new(
        Check::Dkim,
        Status::Fail,
        "invalid_key",
        format!(
            "The DKIM record at {} cannot be read: {reason}. Receivers will treat signatures made with selector {} \
             as broken.{}",
            probe.name,
            probe.selector,
            alias_note(probe)
        ),
    )
    .fix(format!(
        "Publish the record exactly as your email provider gives it, like: {} TXT \"v=DKIM1; k=rsa; p=<the public key>\"",
        probe.name
    ))
}

fn testing(probe: &Probe, text: &str) -> Finding {
    Finding::new(
        Check::Dkim,
        Status::Warn,
        "testing",
        format!(
            "The key at selector {} is marked as a test (t=y), so receivers may treat signed and unsigned email the \
             same. Remove the flag once signing works.",
            probe.selector
        ),
    )
    .fix(format!("{} TXT \"{}\"", probe.name, rewrite_tag(text, "t", |flags| drop_flag(flags, "y"))))
}

fn sha1_only(probe: &Probe, text: &str) -> Finding {
    Finding::new(
        Check::Dkim,
        Status::Warn,
        "sha1_only",
        format!(
            "The key at selector {} only allows SHA-1 signatures (h=sha1), which receivers no longer accept \
             (RFC 8301).",
            probe.selector
        ),
    )
    .fix(format!("{} TXT \"{}\"", probe.name, rewrite_tag(text, "h", |_| None)))
}

fn not_for_email(probe: &Probe) -> Finding {
    Finding::new(
        Check::Dkim,
        Status::Warn,
        "not_for_email",
        format!(
            "The key at selector {} is restricted (s=) to services other than email, so it cannot sign email.",
            probe.selector
        ),
    )
}

/// `flags` without `flag` (None when nothing is left).
fn drop_flag(flags: &str, flag: &str) -> Option<String> {
    let kept: Vec<&str> = flags.split(':').map(str::trim).filter(|f| !f.is_empty() && *f != flag).collect();
    (!kept.is_empty()).then(|| kept.join(":"))
}

/// The record with tag `tag` rewritten by `change` (dropped when it gives
/// None), other tags as published.
fn rewrite_tag(text: &str, tag: &str, change: impl Fn(&str) -> Option<String>) -> String {
    let specs = text.split(';').map(str::trim).filter(|s| !s.is_empty());
    let kept: Vec<String> = specs
        .filter_map(|spec| match spec.split_once('=') {
            Some((name, value)) if name.trim() == tag => change(value.trim()).map(|v| format!("{tag}={v}")),
            _ => Some(spec.to_owned()),
        })
        .collect();
    kept.join("; ")
}
