//! The central operator's console: the offices a deployment serves, and
//! opening a new one with an invitation for its first manager.
//!
//! The operator runs the service for many offices but is not in any of
//! them: nothing here reads an office's casework, people's details or
//! audit log. What the operator does to an office is written into that
//! office's audit log, so the office can see it.

use portcullis_store::Office;
use portcullis_types::{OfficeName, Role};

use crate::auth::SignedIn;
use crate::policy::Action;
use crate::{Actor, App, AppError, InviteError, InviteRequest, Invited, OfficeSummary};

/// What the operator typed to open an office.
#[derive(Debug)]
pub struct NewOfficeRequest<'a> {
    /// The office's name, e.g. "Office of Jane Smith MP".
    pub office_name: &'a str,
    /// Its first manager's name.
    pub manager_name: &'a str,
    /// Their email address, where the invitation goes.
    pub manager_email: &'a str,
}

/// Why an office could not be opened, field by field for the form.
#[derive(Debug, thiserror::Error)]
pub enum OpenOfficeError {
    /// The office name field.
    #[error("{0}")]
    OfficeName(String),
    /// The manager's invitation (name, email).
    #[error(transparent)]
    Invite(#[from] InviteError),
}

impl From<AppError> for OpenOfficeError {
    fn from(e: AppError) -> Self {
        Self::Invite(InviteError::Other(e))
    }
}

impl App {
    /// Every office the deployment serves, with its head count (operator only).
    pub async fn operator_offices(&self, who: &SignedIn) -> Result<Vec<OfficeSummary>, AppError> {
        self.permit(who, Action::OperateOffices).await?;
        let mut summaries = Vec::new();
        for office in self.offices().await? {
            summaries.push(self.office_summary(office.id).await?);
        }
        Ok(summaries)
    }

    /// Open a new office and invite its first manager. Everything is
    /// checked before anything is written, so a refused request leaves no
    /// empty office behind.
    pub async fn open_office(
        &self,
        who: &SignedIn,
        request: &NewOfficeRequest<'_>,
    ) -> Result<(Office, Invited), OpenOfficeError> {
        self.permit(who, Action::OperateOffices).await?;
        OfficeName::new(request.office_name)
            .map_err(|e| OpenOfficeError::OfficeName(crate::accounts::capitalise(&e.to_string())))?;
        let manager =
            InviteRequest { name: request.manager_name, email: request.manager_email, role: Role::Manager.as_str() };
        let (name, email, role) = crate::invitations::validate(&manager)?;
        self.ensure_invitable(&email).await?;
        let actor = Actor::User(who.user.email.to_string());
        let office = self.create_office(request.office_name, false, &actor).await?;
        let invited = self.issue_invitation(office.id, &who.user, name, email, role).await?;
        Ok((office, invited))
    }
}
