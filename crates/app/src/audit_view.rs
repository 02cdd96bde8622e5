//! Reading the audit log and recording refusals.

use portcullis_store::{AuditEntry, AuditQuery};

use crate::auth::SignedIn;
use crate::policy::{Action, Denied, authorize};
use crate::{Actor, App, AppError, OfficeSummary};

impl App {
    /// Check that `who` may take `action` in their own office, auditing a
    /// refusal. Returns the office id the action concerns.
    pub async fn require(&self, who: &SignedIn, action: Action) -> Result<portcullis_types::OfficeId, AppError> {
        let office = who.user.office_id;
        match (office, authorize(&who.user, office, action)) {
            (Some(id), Ok(())) => Ok(id),
            (_, Err(denied)) => {
                self.record_refusal(who, &format!("{action:?}")).await?;
                Err(AppError::Denied(denied))
            }
            (None, Ok(())) => Err(AppError::Denied(Denied::NotFound)),
        }
    }

    /// Check that `who`'s role allows `action` at all, auditing a refusal.
    /// For actions that concern no office (their own account, the operator
    /// console) this is the whole check; office work also needs [`App::require`].
    pub async fn permit(&self, who: &SignedIn, action: Action) -> Result<(), AppError> {
        if crate::policy::permits(who.user.role, action) {
            return Ok(());
        }
        self.record_refusal(who, &format!("{action:?}")).await?;
        Err(AppError::Denied(Denied::Forbidden))
    }

    /// Record that `who` asked for something they may not have: another
    /// office's record, or an action beyond their role.
    pub async fn record_refusal(&self, who: &SignedIn, what: &str) -> Result<(), AppError> {
        match who.user.office_id {
            Some(office) => {
                let actor = Actor::User(who.user.email.to_string());
                self.audit(office, &actor, "access.denied", None, &truncate(what, 300)).await
            }
            None => {
                tracing::warn!(user = %who.user.id, what, "operator request refused");
                Ok(())
            }
        }
    }

    /// The office home page's figures for a signed-in person.
    pub async fn home(&self, who: &SignedIn) -> Result<OfficeSummary, AppError> {
        let office = self.require(who, Action::ViewOfficeHome).await?;
        self.office_summary(office).await
    }

    /// The audit log of the person's office, newest first; reading it is
    /// itself audited.
    pub async fn audit_log(&self, who: &SignedIn, query: &AuditQuery) -> Result<Vec<AuditEntry>, AppError> {
        let office = self.require(who, Action::ViewAuditLog).await?;
        let entries = self.store().list_audit(office, query).await?;
        let actor = Actor::User(who.user.email.to_string());
        self.audit(office, &actor, "audit.viewed", None, "").await?;
        Ok(entries)
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}
