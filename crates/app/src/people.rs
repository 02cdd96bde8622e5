//! The office's accounts, as its manager sees them: who has one, their role,
//! whether they have a second factor, and suspending or restoring them.
//!
//! Every lookup by id checks the office: an account of another office is
//! answered as not found, and the attempt is audited.

use portcullis_store::User;
use portcullis_types::{OfficeId, Role, UserId};

use crate::auth::SignedIn;
use crate::policy::{Action, Denied};
use crate::{Actor, App, AppError};

impl App {
    /// The accounts of the manager's office, by name.
    pub async fn accounts(&self, who: &SignedIn) -> Result<Vec<User>, AppError> {
        let office = self.require(who, Action::ManageAccounts).await?;
        Ok(self.store().list_users(office).await?)
    }

    /// One account of the manager's office. The id in a URL is outside
    /// input: an account elsewhere (or none) is "not found", and asking for
    /// another office's is recorded.
    pub async fn account(&self, who: &SignedIn, id: &str) -> Result<User, AppError> {
        Ok(self.account_in(who, id).await?.1)
    }

    /// Give an account another role. Nobody changes their own (so an office
    /// always keeps the manager who is acting), and nobody is made operator.
    pub async fn change_role(&self, who: &SignedIn, id: &str, role: &str) -> Result<User, AppError> {
        let (office, user) = self.account_in(who, id).await?;
        let role = role
            .parse::<Role>()
            .ok()
            .filter(|r| *r != Role::Operator)
            .ok_or_else(|| AppError::Refused("Choose one of the roles listed".into()))?;
        if user.id == who.user.id {
            return Err(AppError::Refused("You cannot change your own role. Ask another manager or the MP.".into()));
        }
        if role == user.role {
            return Ok(user);
        }
        self.store().set_role(user.id, role).await?;
        // A role is read at every request, but end sessions anyway so a
        // lowered role never lingers in a page already open.
        self.store().delete_user_sessions(user.id).await?;
        let detail = format!("{} from {} to {}", user.name, user.role.label(), role.label());
        self.audit(office, &actor(who), "account.role_changed", Some(user.id.to_string()), &detail).await?;
        Ok(User { role, ..user })
    }

    /// Suspend an account (it can no longer sign in; its sessions end) or
    /// restore it.
    pub async fn set_account_suspended(&self, who: &SignedIn, id: &str, suspended: bool) -> Result<User, AppError> {
        let (office, user) = self.account_in(who, id).await?;
        if user.id == who.user.id {
            return Err(AppError::Refused("You cannot suspend your own account.".into()));
        }
        self.store().set_suspended(user.id, suspended).await?;
        let target = Some(user.id.to_string());
        if suspended {
            let ended = self.store().delete_user_sessions(user.id).await?;
            self.audit(office, &actor(who), "account.suspended", target, &format!("{ended} sessions ended")).await?;
        } else {
            self.audit(office, &actor(who), "account.restored", target, "").await?;
        }
        Ok(User { suspended, ..user })
    }

    /// The account `id` names, for managing: the office is checked before
    /// the role, so another office's account is "not found" to everyone.
    async fn account_in(&self, who: &SignedIn, id: &str) -> Result<(OfficeId, User), AppError> {
        let found = match id.parse::<UserId>() {
            Ok(id) => self.store().user(id).await?,
            Err(_) => None,
        };
        match found {
            Some(user) if user.office_id.is_some() && user.office_id == who.user.office_id => {
                let office = self.require(who, Action::ManageAccounts).await?;
                Ok((office, user))
            }
            Some(_) => {
                self.record_refusal(who, &format!("account {id} of another office")).await?;
                Err(AppError::Denied(Denied::NotFound))
            }
            None => Err(AppError::Denied(Denied::NotFound)),
        }
    }
}

fn actor(who: &SignedIn) -> Actor {
    Actor::User(who.user.email.to_string())
}
