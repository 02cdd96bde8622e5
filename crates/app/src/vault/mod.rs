//! Password audits as the office keeps them.
//!
//! The audit itself runs where the export is — `portcullis vault audit` on
//! the person's own machine ([`local`]) — because a password-manager export
//! is every password the person has and should never be uploaded anywhere.
//! What the office keeps is the findings: entry names, sites and what to do,
//! never a password or a hash. They arrive either from the CLI
//! (`--record`) or as the `--json` file uploaded on the web page.
//!
//! Who sees what: each person sees their own to-do list; the MP and
//! managers see everyone's counts and progress, but not the names of other
//! people's entries, which can tell a lot about a private life.

pub mod local;

use portcullis_breach::audit::{self, Report, Summary};
use portcullis_store::{AuditSource, NewVaultAudit, User, VaultAudit, VaultAuditId};
use portcullis_types::{Email, OfficeId, UserId};

use crate::auth::SignedIn;
use crate::policy::{Action, permits};
use crate::{Actor, App, AppError};

/// The most an uploaded results file may be.
pub const MAX_RESULTS_BYTES: usize = 16 * 1024 * 1024;
/// Audits shown in one person's history.
pub const HISTORY: u32 = 24;

/// One person's line on the office's password page.
#[derive(Debug, Clone)]
pub struct PersonPasswords {
    /// The account.
    pub user: User,
    /// Their newest audit's counts, if they have recorded one.
    pub latest: Option<RecordedSummary>,
}

/// An audit's counts and when it was recorded.
#[derive(Debug, Clone)]
pub struct RecordedSummary {
    /// The audit.
    pub id: VaultAuditId,
    /// When it was recorded.
    pub recorded_at: portcullis_types::Timestamp,
    /// How it arrived.
    pub source: AuditSource,
    /// Its counts.
    pub summary: Summary,
}

/// One person's password page.
#[derive(Debug, Clone)]
pub struct PersonPage {
    /// Whose page it is.
    pub user: User,
    /// Their audits, newest first, counts only.
    pub history: Vec<RecordedSummary>,
    /// The newest audit in full — only on the person's own page.
    pub latest: Option<Report>,
}

impl App {
    /// Records a password audit made at the command line for the office
    /// member with sign-in address `person`; audited as the CLI.
    ///
    /// # Errors
    /// [`AppError`] when the person is not a member of the office, or the
    /// store fails.
    pub async fn record_vault_audit_cli(
        &self,
        office: OfficeId,
        person: &Email,
        report: &Report,
    ) -> Result<VaultAuditId, AppError> {
        let user = self
            .store()
            .user_by_email(person)
            .await?
            .filter(|user| user.office_id == Some(office))
            .ok_or_else(|| AppError::Refused(format!("{person} is not a member of this office")))?;
        self.record_vault_audit(office, &user, None, AuditSource::Cli, report, &Actor::Cli).await
    }

    /// Records the results file (`vault audit --json`) a signed-in person
    /// uploads for themselves. Its to-do lists and counts are worked out
    /// again from the entries' facts.
    ///
    /// # Errors
    /// [`AppError::Refused`] with a plain reason when the file is not
    /// results; policy and store errors otherwise.
    pub async fn upload_vault_results(&self, who: &SignedIn, bytes: &[u8]) -> Result<VaultAuditId, AppError> {
        let office = self.require(who, Action::RunChecks).await?;
        let report = parse_results(bytes)?;
        self.record_vault_audit(office, &who.user, Some(who.user.id), AuditSource::Upload, &report, &actor(who)).await
    }

    async fn record_vault_audit(
        &self,
        office: OfficeId,
        user: &User,
        by: Option<UserId>,
        source: AuditSource,
        report: &Report,
        actor: &Actor,
    ) -> Result<VaultAuditId, AppError> {
        let summary = &report.summary;
        let new = NewVaultAudit {
            id: VaultAuditId::generate(self.random()),
            office_id: office,
            user_id: user.id,
            recorded_at: self.clock().now(),
            recorded_by: by,
            source,
            format: summary.format.clone().unwrap_or_else(|| "unknown".to_owned()),
            entries: i64::try_from(report.entries.len()).unwrap_or(i64::MAX),
            needs_action: i64::try_from(summary.needs_action).unwrap_or(i64::MAX),
            summary_json: to_json(summary)?,
            entries_json: to_json(&report.entries)?,
        };
        self.store().add_vault_audit(&new).await?;
        let detail = format!(
            "{} entries, {} to act on, for {}",
            report.entries.len(),
            summary.needs_action,
            user.email.as_str()
        );
        self.audit(office, actor, "vault.recorded", Some(new.id.to_string()), &detail).await?;
        Ok(new.id)
    }

    /// The office's password page: everyone's newest counts for the MP and
    /// managers, one's own line for everyone else.
    ///
    /// # Errors
    /// Policy and store errors.
    pub async fn vault_overview(&self, who: &SignedIn) -> Result<Vec<PersonPasswords>, AppError> {
        let office = self.require(who, Action::ViewChecks).await?;
        let latest = self.store().latest_vault_audits(office).await?;
        let users: Vec<User> = if sees_everyone(who) {
            self.store().list_users(office).await?.into_iter().filter(|user| !user.suspended).collect()
        } else {
            vec![who.user.clone()]
        };
        Ok(users
            .into_iter()
            .map(|user| {
                let mine = latest.iter().find(|audit| audit.audit.user_id == user.id);
                PersonPasswords { latest: mine.and_then(recorded), user }
            })
            .collect())
    }

    /// One person's password page. Another office's person, or someone
    /// else's page for a person who is neither MP nor manager, is "not
    /// found".
    ///
    /// # Errors
    /// Policy and store errors.
    pub async fn vault_person(&self, who: &SignedIn, user: &str) -> Result<PersonPage, AppError> {
        let office = self.require(who, Action::ViewChecks).await?;
        let id: UserId = user.trim().parse().map_err(|_| not_found())?;
        let own = id == who.user.id;
        if !own && !sees_everyone(who) {
            return Err(not_found());
        }
        let user = self.store().user(id).await?.filter(|user| user.office_id == Some(office)).ok_or_else(not_found)?;
        let audits = self.store().vault_audits_for(office, id, HISTORY).await?;
        let latest = if own { audits.first().map(full_report).transpose()? } else { None };
        Ok(PersonPage { history: audits.iter().filter_map(recorded).collect(), latest, user })
    }
}

/// Whether `who` sees everyone's password counts (the MP and managers), or
/// only their own.
#[must_use]
pub fn sees_everyone(who: &SignedIn) -> bool {
    permits(who.user.role, Action::ManageAccounts)
}

fn actor(who: &SignedIn) -> Actor {
    Actor::User(who.user.email.as_str().to_owned())
}

fn not_found() -> AppError {
    AppError::NotFound("That person's password audit".into())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Refused(format!("The audit could not be saved: {e}")))
}

fn recorded(audit: &VaultAudit) -> Option<RecordedSummary> {
    let summary = serde_json::from_str(&audit.audit.summary_json).ok()?;
    Some(RecordedSummary {
        id: audit.audit.id,
        recorded_at: audit.audit.recorded_at,
        source: audit.audit.source,
        summary,
    })
}

fn full_report(audit: &VaultAudit) -> Result<Report, AppError> {
    let damaged = |e: serde_json::Error| AppError::Refused(format!("This audit's stored findings are damaged: {e}"));
    let summary = serde_json::from_str(&audit.audit.summary_json).map_err(damaged)?;
    let entries = serde_json::from_str(&audit.audit.entries_json).map_err(damaged)?;
    Ok(Report { entries, summary })
}

/// Reads an uploaded results file: the JSON `vault audit --json` prints.
///
/// # Errors
/// [`AppError::Refused`] saying what is wrong with it.
pub fn parse_results(bytes: &[u8]) -> Result<Report, AppError> {
    if bytes.is_empty() {
        return Err(AppError::Refused("The selected file is empty".into()));
    }
    if bytes.len() > MAX_RESULTS_BYTES {
        return Err(AppError::Refused("The selected file must be smaller than 16 MB".into()));
    }
    let report: Report = serde_json::from_slice(bytes).map_err(|e| {
        AppError::Refused(format!(
            "The selected file is not the results of portcullis vault audit --json (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    Ok(audit::recompute(report))
}
