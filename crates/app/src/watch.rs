//! Watched domains: an office lists the domains it sends mail from; each is
//! checked when added, when someone asks, and by a scheduled job; a change
//! for better or worse is written to the audit log and emailed to the
//! office's managers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use portcullis_dnscheck::{Check, DomainName, DomainReport, Finding, Options, Status, check_domain, check_domains};
use portcullis_store::{DomainState, NewDomainState, StoreError, WatchedDomain};
use portcullis_types::{OfficeId, Role, Timestamp};
use zeroize::Zeroizing;

use crate::auth::SignedIn;
use crate::mail::OutgoingMail;
use crate::policy::Action;
use crate::{Actor, App, AppError};

/// How long a check started from a page may take: the page waits for it.
const PAGE_DEADLINE: Duration = Duration::from_secs(20);
/// How stale a domain may get before the scheduled job checks it again.
pub const RECHECK_AFTER_SECS: i64 = 24 * 3600;
/// States shown in a domain's history.
const HISTORY: u32 = 50;
/// Domains the job claims per round.
const JOB_ROUND: u32 = 100;
/// Domains the job checks at once.
const JOB_CONCURRENCY: usize = 16;

/// A watched domain on the office's list.
#[derive(Debug, Clone)]
pub struct DomainOverview {
    /// The domain.
    pub domain: String,
    /// When it was last checked.
    pub last_checked_at: Option<Timestamp>,
    /// The worst status of its latest check.
    pub worst: Option<Status>,
    /// Since when it has been in that state.
    pub since: Option<Timestamp>,
}

/// One change in a domain's history.
#[derive(Debug, Clone)]
pub struct DomainChange {
    /// When the new state was first seen.
    pub at: Timestamp,
    /// What changed, one line a check ("SPF: ok → fail: …"); for the first
    /// state, what was found.
    pub changes: Vec<String>,
    /// The worst status from then on.
    pub worst: Status,
}

/// One watched domain in full.
#[derive(Debug, Clone)]
pub struct DomainDetail {
    /// The domain.
    pub watched: WatchedDomain,
    /// Its latest report, if it has been checked.
    pub report: Option<DomainReport>,
    /// When that report was made.
    pub checked_at: Option<Timestamp>,
    /// Its changes, newest first.
    pub history: Vec<DomainChange>,
}

/// Why a domain could not be added, found or checked.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The name typed is not a domain.
    #[error("{0}")]
    Name(String),
    /// The office already watches it.
    #[error("Your office already watches this domain")]
    AlreadyWatched,
    /// The office does not watch it (or it is another office's).
    #[error("That domain is not on your office's list")]
    NotWatched,
    /// Anything else.
    #[error(transparent)]
    Other(#[from] AppError),
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        Self::Other(e.into())
    }
}

impl App {
    /// The office's watched domains with their latest results.
    pub async fn domains(&self, who: &SignedIn) -> Result<Vec<DomainOverview>, AppError> {
        let office = self.require(who, Action::ViewChecks).await?;
        let mut list = Vec::new();
        for watched in self.store().watched_domains(office).await? {
            let latest = self.store().domain_states(office, &watched.domain, 1).await?.into_iter().next();
            list.push(DomainOverview {
                worst: latest.as_ref().map(|s| status_of(&s.worst)),
                since: latest.as_ref().map(|s| s.first_seen_at),
                last_checked_at: watched.last_checked_at,
                domain: watched.domain,
            });
        }
        Ok(list)
    }

    /// Add a domain to the office's list and check it straight away.
    pub async fn watch_domain(&self, who: &SignedIn, typed: &str) -> Result<DomainName, DomainError> {
        let office = self.require(who, Action::ManageOffice).await?;
        let name =
            DomainName::parse(typed).map_err(|e| DomainError::Name(crate::accounts::capitalise(&e.to_string())))?;
        let actor = Actor::User(who.user.email.to_string());
        match self.store().watch_domain(office, name.as_str(), self.clock().now(), &actor.audit_name()).await {
            Err(StoreError::Conflict(_)) => return Err(DomainError::AlreadyWatched),
            other => other?,
        };
        self.audit(office, &actor, "domain.added", Some(name.to_string()), "").await?;
        self.check_and_record(office, &name, &actor, PAGE_DEADLINE).await?;
        Ok(name)
    }

    /// Take a domain off the office's list, with its history.
    pub async fn unwatch_domain(&self, who: &SignedIn, domain: &str) -> Result<(), DomainError> {
        let office = self.require(who, Action::ManageOffice).await?;
        if !self.store().unwatch_domain(office, domain).await? {
            return Err(DomainError::NotWatched);
        }
        let actor = Actor::User(who.user.email.to_string());
        self.audit(office, &actor, "domain.removed", Some(domain.to_owned()), "").await?;
        Ok(())
    }

    /// One watched domain's latest report and history.
    pub async fn domain_detail(&self, who: &SignedIn, domain: &str) -> Result<DomainDetail, DomainError> {
        let office = self.require(who, Action::ViewChecks).await?;
        let watched = self.store().watched_domain(office, domain).await?.ok_or(DomainError::NotWatched)?;
        let states = self.store().domain_states(office, domain, HISTORY).await?;
        let latest = states.first();
        Ok(DomainDetail {
            report: latest.and_then(|s| serde_json::from_str(&s.report_json).ok()),
            checked_at: latest.map(|s| s.last_seen_at),
            history: history(&states),
            watched,
        })
    }

    /// Check a watched domain now.
    pub async fn recheck_domain(&self, who: &SignedIn, domain: &str) -> Result<(), DomainError> {
        let office = self.require(who, Action::RunChecks).await?;
        self.store().watched_domain(office, domain).await?.ok_or(DomainError::NotWatched)?;
        let name = DomainName::parse(domain).map_err(|e| DomainError::Name(e.to_string()))?;
        let actor = Actor::User(who.user.email.to_string());
        self.check_and_record(office, &name, &actor, PAGE_DEADLINE).await?;
        Ok(())
    }

    /// The scheduled job: check up to `limit` domains (of every office) not
    /// checked for a day. Returns how many were checked.
    pub async fn run_due_domain_checks(&self, limit: u32) -> Result<usize, AppError> {
        let now = self.clock().now();
        let due = self.store().claim_due_domains(now, now.plus_secs(-RECHECK_AFTER_SECS), limit).await?;
        let mut names = Vec::new();
        let mut offices = Vec::new();
        for watched in due {
            // A row that no longer parses (a rule tightened since) is skipped, not fatal.
            if let Ok(name) = DomainName::parse(&watched.domain) {
                names.push(name);
                offices.push(watched.office_id);
            }
        }
        let reports =
            check_domains(Arc::clone(&self.dns), Arc::clone(&self.web), names, Options::default(), JOB_CONCURRENCY)
                .await;
        let checked = reports.len();
        for (office, report) in offices.into_iter().zip(reports) {
            self.record(office, report, &Actor::System).await?;
        }
        Ok(checked)
    }

    /// Every domain that is due, in rounds of [`JOB_ROUND`] until a round
    /// comes back short. Returns how many were checked.
    pub async fn run_all_due_domain_checks(&self) -> Result<usize, AppError> {
        let mut total = 0;
        loop {
            let checked = self.run_due_domain_checks(JOB_ROUND).await?;
            total += checked;
            if checked < JOB_ROUND as usize {
                return Ok(total);
            }
        }
    }

    /// The scheduled job, forever: every `every`, check what is due. Spawn
    /// it beside the web server; a failed round is logged and the next one
    /// tries again.
    pub async fn monitor_domains(self, every: Duration) {
        loop {
            match self.run_all_due_domain_checks().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(checked = n, "scheduled domain checks done"),
                Err(e) => tracing::warn!(error = %e, "scheduled domain checks failed"),
            }
            tokio::time::sleep(every).await;
        }
    }

    async fn check_and_record(
        &self,
        office: OfficeId,
        name: &DomainName,
        actor: &Actor,
        deadline: Duration,
    ) -> Result<bool, AppError> {
        let dkim_selectors = self.learned_selectors(office, name.as_str()).await?;
        let options = Options { deadline, dkim_selectors };
        let report = check_domain(self.dns.as_ref(), self.web.as_ref(), name, &options).await;
        self.record(office, report, actor).await
    }

    /// Store a report; when it differs from the last one, audit the change
    /// and tell the managers. Returns whether it changed.
    async fn record(&self, office: OfficeId, report: DomainReport, actor: &Actor) -> Result<bool, AppError> {
        let previous = self.store().domain_states(office, &report.domain, 1).await?.into_iter().next();
        let state = NewDomainState {
            checked_at: self.clock().now(),
            state_key: state_key(&report),
            worst: report.worst().as_str().to_owned(),
            report_json: serde_json::to_string(&report).map_err(|e| AppError::Refused(e.to_string()))?,
        };
        let changed = self.store().record_domain_state(office, &report.domain, &state).await?;
        let Some(before) = previous.filter(|_| changed) else { return Ok(changed) };
        let old: Option<DomainReport> = serde_json::from_str(&before.report_json).ok();
        let lines = differences(old.as_ref().map(|r| r.summaries()).unwrap_or_default(), report.summaries());
        self.audit(office, actor, "domain.changed", Some(report.domain.clone()), &lines.join("; ")).await?;
        self.alert_managers(office, &report.domain, &lines).await?;
        Ok(true)
    }

    async fn alert_managers(&self, office: OfficeId, domain: &str, lines: &[String]) -> Result<(), AppError> {
        let link = self.link(&format!("/domains/{domain}"));
        for user in self.store().list_users(office).await? {
            if user.suspended || !matches!(user.role, Role::Manager | Role::Mp) {
                continue;
            }
            let body = format!(
                "Hello {},\n\nPortcullis checked {domain} and found that its email security has changed:\n\n{}\n\nSee the details and what to do: {link}\n",
                user.name,
                lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n"),
            );
            let mail = OutgoingMail {
                to: user.email.clone(),
                to_name: user.name.to_string(),
                subject: format!("Portcullis: the email security of {domain} has changed"),
                body: Zeroizing::new(body),
            };
            if let Err(e) = self.mailer().send(&mail).await {
                tracing::warn!(error = %e, "a domain alert could not be emailed");
            }
        }
        Ok(())
    }
}

/// What identifies a state: each check's status and code.
fn state_key(report: &DomainReport) -> String {
    let mut parts: Vec<String> =
        report.summaries().iter().map(|f| format!("{}={}:{}", f.check.as_str(), f.status.as_str(), f.code)).collect();
    parts.sort();
    parts.join("|")
}

/// One line for each check whose status or reason changed.
fn differences(before: Vec<&Finding>, after: Vec<&Finding>) -> Vec<String> {
    let old: BTreeMap<Check, &Finding> = before.into_iter().map(|f| (f.check, f)).collect();
    let mut lines = Vec::new();
    for new in after {
        match old.get(&new.check) {
            Some(was) if was.status == new.status && was.code == new.code => {}
            Some(was) => lines.push(format!(
                "{}: {} → {}: {}",
                label(new.check),
                was.status.as_str(),
                new.status.as_str(),
                new.message
            )),
            None => lines.push(format!("{}: {}: {}", label(new.check), new.status.as_str(), new.message)),
        }
    }
    lines
}

/// The history, newest first: each state against the one before it.
fn history(states: &[DomainState]) -> Vec<DomainChange> {
    let reports: Vec<Option<DomainReport>> = states.iter().map(|s| serde_json::from_str(&s.report_json).ok()).collect();
    states
        .iter()
        .enumerate()
        .map(|(i, state)| {
            let now = reports.get(i).and_then(Option::as_ref).map(DomainReport::summaries).unwrap_or_default();
            let before = reports.get(i + 1).and_then(Option::as_ref).map(DomainReport::summaries).unwrap_or_default();
            DomainChange { at: state.first_seen_at, changes: differences(before, now), worst: status_of(&state.worst) }
        })
        .collect()
}

/// The check's name as people know it.
pub const fn label(check: Check) -> &'static str {
    match check {
        Check::Dns => "DNS",
        Check::Dnssec => "DNSSEC",
        Check::Mx => "MX",
        Check::Spf => "SPF",
        Check::Dmarc => "DMARC",
        Check::Dkim => "DKIM",
        Check::MtaSts => "MTA-STS",
        Check::Tlsrpt => "TLS-RPT",
        Check::Bimi => "BIMI",
        Check::Caa => "CAA",
        Check::Https => "HTTPS",
    }
}

/// A stored status word; anything unreadable counts as "could not check".
fn status_of(word: &str) -> Status {
    Status::from_name(word).unwrap_or(Status::Unknown)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn report(spf: (Status, &str), dmarc: (Status, &str)) -> DomainReport {
        DomainReport {
            domain: "office.test".into(),
            findings: vec![
                Finding::new(Check::Spf, spf.0, spf.1, format!("spf {}", spf.1)),
                Finding::new(Check::Spf, Status::Ok, "record", "detail"),
                Finding::new(Check::Dmarc, dmarc.0, dmarc.1, format!("dmarc {}", dmarc.1)),
            ],
            spf_tree: None,
        }
    }

    #[test]
    fn only_a_change_of_status_or_reason_is_a_change() {
        let a = report((Status::Ok, "valid"), (Status::Warn, "policy_none"));
        let b = report((Status::Ok, "valid"), (Status::Warn, "policy_none"));
        let c = report((Status::Fail, "too_many_lookups"), (Status::Warn, "policy_none"));
        assert_eq!(state_key(&a), state_key(&b));
        assert_ne!(state_key(&a), state_key(&c));
        let lines = differences(a.summaries(), c.summaries());
        assert_eq!(lines, vec!["SPF: ok → fail: spf too_many_lookups"]);
        assert!(differences(a.summaries(), b.summaries()).is_empty());
        assert_eq!(differences(Vec::new(), a.summaries()).len(), 2, "the first state lists everything");
    }
}
