//! DMARC (RFC 7489, with DMARCbis): does the domain tell mail providers to
//! refuse mail that pretends to come from it, and does anyone get the
//! reports that show who is sending as it?
//!
//! [`check`] finds the record (at `_dmarc.<domain>`, else by the DNS tree
//! walk up to the organisational domain), reads it with [`parse`], and
//! returns a [`DmarcReport`]: findings plus the policy that applies, which
//! the BIMI check needs.

mod discovery;
mod record;
mod reports;
pub(crate) mod tags;
#[cfg(test)]
mod tests;

use discovery::{Discovery, Found};
pub use record::{Alignment, DmarcRecord, Policy, PolicyTag, ReportUri, parse};

use crate::finding::{Check, Finding, Status};
use crate::name::DomainName;
use crate::resolver::Resolver;
use tags::shown;

/// What the DMARC check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmarcReport {
    /// The findings; the first is the summary and carries the overall status.
    pub findings: Vec<Finding>,
    /// The policy that applies to the domain checked (`sp` when inherited
    /// from the organisational domain). `Some(Policy::None)` also when a bad
    /// or missing `p` makes receivers fall back to `none` (RFC 7489 6.6.3);
    /// `None` when DMARC is not applied at all.
    pub policy: Option<Policy>,
    /// The policy is quarantine or reject, applied to all failing mail (no
    /// `pct` below 100, not in `t=y` test mode): what BIMI requires.
    pub enforcing: bool,
    /// The record text, if one was found.
    pub record: Option<String>,
    /// The name the record came from (`_dmarc.example.org`, or a parent's
    /// `_dmarc` name when inherited).
    pub source: Option<String>,
}

impl DmarcReport {
    fn without_record(finding: Finding, source: Option<String>) -> Self {
        Self { findings: vec![finding], policy: None, enforcing: false, record: None, source }
    }
}

/// Check the DMARC record that applies to `domain`.
pub async fn check(dns: &dyn Resolver, domain: &DomainName) -> DmarcReport {
    match discovery::discover(dns, domain).await {
        Discovery::Failed { name, error } => DmarcReport::without_record(
            Finding::new(
                Check::Dmarc,
                Status::Unknown,
                "lookup_failed",
                format!(
                    "Could not look up the DMARC record at {name}: {error}. This does not mean there is none; \
                     try again later."
                ),
            ),
            None,
        ),
        Discovery::Missing { asked, near_misses } => {
            DmarcReport::without_record(missing(domain, &asked, &near_misses), None)
        }
        Discovery::Multiple { name, org, records } => {
            DmarcReport::without_record(multiple(domain, &name, &org, &records), Some(name))
        }
        Discovery::Found(found) => evaluate(dns, domain, found).await,
    }
}

/// The record to start with (RFC 7489 guidance, and what M3AAWG advises:
/// monitor first, then enforce).
fn starter_record(domain: &str) -> String {
    format!("_dmarc.{domain} TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}\"")
}

fn missing(domain: &DomainName, asked: &[String], near_misses: &[String]) -> Finding {
    let mut message = format!(
        "No DMARC record (looked at {}): nothing tells mail providers what to do with mail that pretends to \
         come from {domain}, so anyone can send mail as this domain.",
        asked.join(", ")
    );
    if let Some(near) = near_misses.first() {
        message.push_str(&format!(
            " There is a record that starts '{}', but it must start exactly v=DMARC1, so it is ignored.",
            shown(near)
        ));
    }
    message.push_str(
        " Publish the record below (p=none: monitoring, with daily reports). When the reports show that all \
         your real mail passes, change p=none to p=quarantine, and later to p=reject.",
    );
    Finding::new(Check::Dmarc, Status::Fail, "missing", message).fix(starter_record(domain.as_str()))
}

fn multiple(domain: &DomainName, name: &str, org: &str, records: &[String]) -> Finding {
    let applies = if org == domain.as_str() { String::new() } else { format!(" (which applies to {domain})") };
    let message = format!(
        "There are {} DMARC records at {name}{applies}. When there is more than one, mail providers ignore them \
         all (RFC 7489 6.6.3), so the domain has no DMARC protection. Delete all but one.",
        records.len()
    );
    let keep = records.first().map_or_else(|| starter_record(org), |r| format!("{name} TXT \"{r}\""));
    Finding::new(Check::Dmarc, Status::Fail, "multiple_records", message).fix(format!("Keep only one, e.g. {keep}"))
}

async fn evaluate(dns: &dyn Resolver, domain: &DomainName, found: Found) -> DmarcReport {
    let rec = match parse(&found.text) {
        Ok(rec) => rec,
        Err(errors) => {
            let message = format!(
                "The DMARC record at {} cannot be read, so mail providers ignore it: {}.",
                found.name,
                errors.join("; ")
            );
            let finding = Finding::new(Check::Dmarc, Status::Fail, "invalid", message).fix(starter_record(&found.org));
            return DmarcReport { record: Some(found.text), ..DmarcReport::without_record(finding, Some(found.name)) };
        }
    };
    let policy = applied_policy(&rec, found.inherited);
    let enforcing = policy.is_some_and(Policy::enforces) && rec.pct.is_none_or(|p| p == 100) && !rec.testing;
    let ctx = Ctx { rec: &rec, found: &found, domain: domain.as_str() };
    let mut details = ctx.policy_details();
    details.extend(reports::findings(dns, &found.org, &rec).await);
    let findings = ctx.summarise(details);
    DmarcReport { findings, policy, enforcing, record: Some(found.text.clone()), source: Some(found.name.clone()) }
}

/// The policy receivers apply to the domain. RFC 7489 6.6.3: with a missing
/// or bad `p` (or a bad `sp`), a record with a valid `rua` counts as
/// `p=none`, and one without is not applied at all. A record inherited from
/// the organisational domain applies its `sp` (else `p`).
fn applied_policy(rec: &DmarcRecord, inherited: bool) -> Option<Policy> {
    let broken = rec.policy.policy().is_none() || matches!(rec.subdomain_policy, PolicyTag::Invalid(_));
    if broken {
        return rec.has_reports().then_some(Policy::None);
    }
    if inherited { rec.effective_subdomain_policy() } else { rec.policy.policy() }
}

/// What the detail findings need.
struct Ctx<'a> {
    rec: &'a DmarcRecord,
    found: &'a Found,
    domain: &'a str,
}

impl Ctx<'_> {
    fn finding(&self, status: Status, code: &str, message: String) -> Finding {
        Finding::new(Check::Dmarc, status, code, message)
    }

    /// The record to publish, with some tags changed or dropped.
    fn fix(&self, set: &[(&str, &str)], drop: &[&str]) -> String {
        format!("{} TXT \"{}\"", self.found.name, self.rec.rewritten(set, drop))
    }

    fn policy_details(&self) -> Vec<Finding> {
        let mut out = self.policy_findings();
        out.extend(self.subdomain_finding());
        out.extend(self.pct_finding());
        out.extend(self.testing_finding());
        out.extend(self.problems_finding());
        out.extend(self.reports_finding());
        out.extend(self.hosted_finding());
        out
    }

    /// What happens to mail that fails: the main finding.
    fn policy_findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let fallback = if self.rec.has_reports() {
            "Mail providers treat the record as p=none (monitoring only) because it asks for reports."
        } else {
            "As the record gives no report address either, mail providers ignore it completely."
        };
        match &self.rec.policy {
            PolicyTag::Missing => out.push(
                self.finding(
                    Status::Fail,
                    "policy_missing",
                    format!("The record has no p= tag, which is required (RFC 7489 6.3). {fallback}"),
                )
                .fix(self.fix(&[("p", "none")], &[])),
            ),
            PolicyTag::Invalid(value) => out.push(self.invalid_policy("p", value, fallback)),
            PolicyTag::Set(_) => {}
        }
        if let PolicyTag::Invalid(value) = &self.rec.subdomain_policy {
            out.push(self.invalid_policy("sp", value, fallback));
        }
        if out.is_empty() {
            out.extend(self.applied_policy_finding());
        }
        out
    }

    fn invalid_policy(&self, tag: &str, value: &str, fallback: &str) -> Finding {
        let message = format!(
            "{tag}={} is not a valid policy: it must be none, quarantine or reject (RFC 7489 6.3). {fallback}",
            shown(value)
        );
        let lower = value.to_ascii_lowercase();
        let meant = if lower.starts_with("rej") {
            "reject"
        } else if lower.starts_with("quar") {
            "quarantine"
        } else {
            "none"
        };
        self.finding(Status::Fail, "invalid_policy", message).fix(self.fix(&[(tag, meant)], &[]))
    }

    /// The policy that applies, in words: `p` for the domain itself, `sp`
    /// (else `p`) when inherited.
    fn applied_policy_finding(&self) -> Option<Finding> {
        let inherited = self.found.inherited;
        let key = if inherited && self.rec.subdomain_policy.policy().is_some() { "sp" } else { "p" };
        let policy = applied_policy(self.rec, inherited)?;
        let whose = if inherited {
            format!("Under the rule {} sets for its subdomains ({key}={}), mail", self.found.org, policy.as_str())
        } else {
            "Mail".to_owned()
        };
        let domain = self.domain;
        Some(match policy {
            Policy::Reject => self.finding(
                Status::Ok,
                "policy_reject",
                format!(
                    "{whose} that fails the checks and claims to come from {domain} is refused (reject): the \
                     strongest protection."
                ),
            ),
            Policy::Quarantine => self
                .finding(
                    Status::Ok,
                    "policy_quarantine",
                    format!(
                        "{whose} that fails the checks and claims to come from {domain} is treated as suspicious, \
                         usually put in spam (quarantine). When the reports show all your real mail passing, \
                         change it to reject so such mail is refused outright."
                    ),
                )
                .fix(self.fix(&[(key, "reject")], &[])),
            Policy::None => self
                .finding(
                    Status::Warn,
                    "policy_none",
                    format!(
                        "{whose} is only monitored ({key}=none): anyone can still send mail as {domain} and it \
                         will be delivered. When the reports show that all your real mail passes, change to \
                         quarantine, and later to reject."
                    ),
                )
                .fix(self.fix(&[(key, "quarantine")], &[])),
        })
    }

    /// `sp=none` under an enforcing `p` leaves made-up subdomains open.
    fn subdomain_finding(&self) -> Option<Finding> {
        let p = self.rec.policy.policy().filter(|p| p.enforces())?;
        let weak = !self.found.inherited && self.rec.subdomain_policy == PolicyTag::Set(Policy::None);
        weak.then(|| {
            let message = format!(
                "p={} protects {} itself, but sp=none means mail from its subdomains (such as \
                 anything.{}) is only monitored: anyone can send mail from a made-up subdomain.",
                p.as_str(),
                self.domain,
                self.domain
            );
            self.finding(Status::Warn, "subdomains_unprotected", message).fix(self.fix(&[], &["sp"]))
        })
    }

    /// RFC 7489 6.6.4: mail not selected by `pct` gets the next weaker policy.
    fn pct_finding(&self) -> Option<Finding> {
        let pct = self.rec.pct.filter(|p| *p < 100)?;
        let policy = applied_policy(self.rec, self.found.inherited).filter(|p| p.enforces())?;
        let weaker = if policy == Policy::Reject { "quarantine (spam)" } else { "none (delivered)" };
        let message = format!(
            "pct={pct}: the {} policy applies to only {pct}% of failing mail; the rest is treated as {weaker}. \
             Remove pct (or set it to 100) to protect all mail.",
            policy.as_str()
        );
        Some(self.finding(Status::Warn, "partial_pct", message).fix(self.fix(&[], &["pct"])))
    }

    /// DMARCbis `t=y`: receivers apply the next weaker policy.
    fn testing_finding(&self) -> Option<Finding> {
        self.rec.testing.then(|| {
            let message = "t=y: the record is in test mode, so mail providers apply a weaker policy than the one \
                           written. Remove t=y once you are confident your real mail passes."
                .to_owned();
            self.finding(Status::Warn, "testing", message).fix(self.fix(&[], &["t"]))
        })
    }

    fn problems_finding(&self) -> Option<Finding> {
        (!self.rec.problems.is_empty()).then(|| {
            let message = format!("Parts of the record cannot be read: {}.", self.rec.problems.join("; "));
            self.finding(Status::Warn, "invalid_tag", message)
        })
    }

    /// No `rua`: nobody learns who sends as the domain. Fine for a domain
    /// that sends no mail (null MX), which this check cannot see: so `ok`.
    fn reports_finding(&self) -> Option<Finding> {
        self.rec.rua.is_empty().then(|| {
            let message = format!(
                "No report address (rua): nobody receives the daily reports that show who sends mail as {}. \
                 That is fine for a domain that sends no mail; otherwise add one, as below.",
                self.domain
            );
            let mailbox = format!("mailto:dmarc-reports@{}", self.found.org);
            self.finding(Status::Ok, "no_reports", message).fix(self.fix(&[("rua", &mailbox)], &[]))
        })
    }

    /// `_dmarc` as a CNAME to a hosted DMARC service is valid and common.
    fn hosted_finding(&self) -> Option<Finding> {
        let target = self.found.alias_of.as_ref()?;
        let steps = match self.found.aliases {
            1 => String::new(),
            n => format!(" (through {n} aliases)"),
        };
        let message = format!(
            "{} is an alias (CNAME) for {target}{steps}: the record is managed there, as hosted DMARC services \
             do. That is fine; change the policy with that service.",
            self.found.name
        );
        Some(self.finding(Status::Ok, "hosted", message))
    }

    /// The summary goes first. Its code says what was found (`valid`,
    /// `inherited`) unless the policy itself is broken, in which case that
    /// problem is the headline; its status is the worst of the details.
    fn summarise(&self, details: Vec<Finding>) -> Vec<Finding> {
        let headline = match (&self.rec.policy, self.found.inherited) {
            (PolicyTag::Missing, _) => "policy_missing",
            (PolicyTag::Invalid(_), _) => "invalid_policy",
            (PolicyTag::Set(_), true) => "inherited",
            (PolicyTag::Set(_), false) => "valid",
        };
        let status = worst(&details);
        let mut summary = self.finding(status, headline, self.tagline());
        let mut rest = Vec::with_capacity(details.len());
        for detail in details {
            if detail.code == summary.code && summary.fix.is_none() {
                summary.message = format!("{} {}", summary.message, detail.message);
                summary.fix = detail.fix;
            } else {
                rest.push(detail);
            }
        }
        let mut out = vec![summary];
        out.extend(rest);
        out
    }

    /// `p=reject sp=quarantine adkim=r aspf=r; reports to dmarc-rua@example.org`.
    fn tagline(&self) -> String {
        let rec = self.rec;
        let show = |tag: &PolicyTag| match tag {
            PolicyTag::Set(p) => Some(p.as_str().to_owned()),
            PolicyTag::Invalid(v) => Some(shown(v)),
            PolicyTag::Missing => None,
        };
        let mut parts = vec![format!("p={}", show(&rec.policy).unwrap_or_else(|| "(missing)".to_owned()))];
        if let Some(sp) = show(&rec.subdomain_policy).or_else(|| rec.policy.policy().map(|p| p.as_str().to_owned())) {
            parts.push(format!("sp={sp}"));
        }
        if let Some(np) = show(&rec.nonexistent_policy) {
            parts.push(format!("np={np}"));
        }
        parts.push(format!("adkim={} aspf={}", rec.adkim.as_str(), rec.aspf.as_str()));
        parts.extend(rec.pct.map(|p| format!("pct={p}")));
        parts.extend(rec.testing.then(|| "t=y".to_owned()));
        let mut line = parts.join(" ");
        line.push_str(&match addresses(&rec.rua) {
            Some(list) => format!("; reports to {list}"),
            None => "; no reports requested".to_owned(),
        });
        if let Some(list) = addresses(&rec.ruf) {
            line.push_str(&format!("; failure reports to {list}"));
        }
        if let Some(target) = &self.found.alias_of {
            line.push_str(&format!("; managed at {target} (hosted DMARC)"));
        }
        if self.found.inherited {
            return format!(
                "No DMARC record of its own at _dmarc.{}; the record of the organisational domain {} applies \
                 ({line}).",
                self.domain, self.found.org
            );
        }
        format!("{line}.")
    }
}

/// The mailboxes (or URIs) of a report list, or `None` when empty.
fn addresses(uris: &[ReportUri]) -> Option<String> {
    let list: Vec<String> = uris.iter().map(|u| shown(u.mailbox().unwrap_or(&u.uri))).collect();
    (!list.is_empty()).then(|| list.join(", "))
}

/// The worst of ok, warn and fail. A detail that could not be checked
/// (unknown) does not change what the record itself says.
fn worst(findings: &[Finding]) -> Status {
    let rank = |s: Status| match s {
        Status::Ok | Status::Unknown => 0,
        Status::Warn => 1,
        Status::Fail => 2,
    };
    findings.iter().map(|f| f.status).max_by_key(|s| rank(*s)).filter(|s| *s != Status::Unknown).unwrap_or(Status::Ok)
}
