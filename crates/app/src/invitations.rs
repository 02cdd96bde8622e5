//! Invitations: a manager invites a colleague by email; the link lets them
//! choose a password and then enrol a second factor, like everyone else.
//!
//! The link carries a 256-bit token; the store keeps only its digest. A link
//! works once and for [`INVITATION_DAYS`] days.

use portcullis_store::{Invitation, StoreError, User};
use portcullis_types::{Email, OfficeId, PersonName, Role, Timestamp};
use zeroize::Zeroizing;

use crate::auth::{PasswordProblem, SessionToken, SignedIn, new_token, token_digest};
use crate::mail::{Delivery, OutgoingMail};
use crate::policy::Action;
use crate::{Actor, App, AppError};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

/// What the manager typed.
#[derive(Debug)]
pub struct InviteRequest<'a> {
    /// The colleague's name.
    pub name: &'a str,
    /// Their email address.
    pub email: &'a str,
    /// The role they will have (`mp`, `manager`, `caseworker`, `staff`, `readonly`).
    pub role: &'a str,
}

/// Why an invitation could not be made or used, field by field for forms.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    /// The name field.
    #[error("{0}")]
    Name(String),
    /// The email field.
    #[error("{0}")]
    Email(String),
    /// The role field.
    #[error("{0}")]
    Role(String),
    /// The password chosen when accepting.
    #[error(transparent)]
    Password(#[from] PasswordProblem),
    /// The link is wrong, used or out of date.
    #[error("This invitation link has expired or has already been used. Ask your office manager for a new one.")]
    Expired,
    /// Anything else.
    #[error(transparent)]
    Other(#[from] AppError),
}

impl From<StoreError> for InviteError {
    fn from(e: StoreError) -> Self {
        Self::Other(e.into())
    }
}

/// An invitation just made.
pub struct Invited {
    /// Who was invited.
    pub name: PersonName,
    /// Where the link was sent.
    pub email: Email,
    /// The link itself: shown to the manager when it could not be emailed.
    pub link: Zeroizing<String>,
    /// Whether it was emailed.
    pub delivery: Delivery,
    /// When the link stops working.
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for Invited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invited").field("email", &self.email).field("delivery", &self.delivery).finish_non_exhaustive()
    }
}

impl App {
    /// Invite someone to the manager's office.
    pub async fn invite(&self, who: &SignedIn, request: &InviteRequest<'_>) -> Result<Invited, InviteError> {
        let office = self.require(who, Action::ManageAccounts).await?;
        let (name, email, role) = validate(request)?;
        self.ensure_invitable(&email).await?;
        self.issue_invitation(office, &who.user, name, email, role).await
    }

    /// Refuse an address that already has an account (without saying more
    /// than the inviter needs to know).
    pub(crate) async fn ensure_invitable(&self, email: &Email) -> Result<(), InviteError> {
        if self.store().user_by_email(email).await?.is_some() {
            return Err(InviteError::Email(
                "That address cannot be invited. If they already use Portcullis, they should sign in with it.".into(),
            ));
        }
        Ok(())
    }

    /// Make, send and audit an invitation to `office`, whoever the inviter
    /// (the office's manager, or the operator opening a new office). The
    /// caller has checked the inviter may do this.
    pub(crate) async fn issue_invitation(
        &self,
        office: OfficeId,
        inviter: &User,
        name: PersonName,
        email: Email,
        role: Role,
    ) -> Result<Invited, InviteError> {
        let token = new_token(self.random());
        let now = self.clock().now();
        let invitation = Invitation {
            token_hash: token_digest(&token),
            office_id: office,
            email: email.clone(),
            name: name.clone(),
            role,
            invited_by: inviter.email.to_string(),
            created_at: now,
            expires_at: now.plus_secs(INVITATION_DAYS * 86_400),
            used_at: None,
        };
        self.store().create_invitation(&invitation).await?;
        let link = Zeroizing::new(self.link(&format!("/invite?token={}", &*token)));
        let delivery = self.send_invitation(inviter, &invitation, &link).await;
        let actor = Actor::User(inviter.email.to_string());
        let detail = format!("{name} <{email}> as {}; {}", role.label(), delivery_words(delivery));
        self.audit(office, &actor, "invitation.created", None, &detail).await?;
        Ok(Invited { name, email, link, delivery, expires_at: invitation.expires_at })
    }

    /// The invitation a link names, if it can still be used.
    pub async fn open_invitation(&self, token: &str) -> Result<Invitation, InviteError> {
        let found = self.store().invitation(&token_digest(token)).await?;
        let now = self.clock().now();
        found.filter(|i| i.used_at.is_none() && i.expires_at > now).ok_or(InviteError::Expired)
    }

    /// Accept an invitation: create the account with the chosen password
    /// and start a session that must enrol a second factor next.
    pub async fn accept_invitation(
        &self,
        token: &str,
        password: &str,
        ip: Option<&str>,
    ) -> Result<SessionToken, InviteError> {
        let invitation = self.open_invitation(token).await?;
        let local = invitation.email.as_str().split('@').next().unwrap_or_default();
        crate::auth::check_password(password, local, invitation.name.as_str())?;
        if !self.store().consume_invitation(&invitation.token_hash, self.clock().now()).await? {
            return Err(InviteError::Expired);
        }
        let user = self
            .create_account(Some(invitation.office_id), &invitation.name, &invitation.email, invitation.role, password)
            .await
            .map_err(|e| match e {
                crate::AccountError::Password(p) => InviteError::Password(p),
                crate::AccountError::Other(o) => InviteError::Other(o),
                // Someone took the address since the invitation was made.
                _ => InviteError::Expired,
            })?;
        let actor = Actor::User(user.email.to_string());
        self.add_person(invitation.office_id, user.name.as_str(), Some(user.email.clone()), user.role, &actor).await?;
        self.audit(
            invitation.office_id,
            &actor,
            "invitation.accepted",
            Some(user.id.to_string()),
            &format!("invited by {}", invitation.invited_by),
        )
        .await?;
        self.start_enrolment_session(&user, ip).await.map_err(|e| InviteError::Other(e.into()))
    }

    /// The office's invitations, newest first (manager only).
    pub async fn invitations(&self, who: &SignedIn) -> Result<Vec<Invitation>, AppError> {
        let office = self.require(who, Action::ManageAccounts).await?;
        Ok(self.store().list_invitations(office).await?)
    }

    async fn send_invitation(&self, inviter: &User, invitation: &Invitation, link: &str) -> Delivery {
        let office = match self.store().office(invitation.office_id).await {
            Ok(Some(o)) => o.name.to_string(),
            _ => "your office".to_owned(),
        };
        let body = format!(
            "Hello {name},\n\n{inviter} has invited you to use Portcullis, the security toolkit of {office}.\n\n\
             To accept, open this link and choose a password:\n\n{link}\n\n\
             The link works once, until {expires} (UTC). You will also set up a second way to sign in, such as an \
             authenticator app on your phone.\n\n\
             If you were not expecting this, do not open the link: tell {inviter} or your office manager.\n",
            name = invitation.name,
            inviter = inviter.name,
            expires = invitation.expires_at.to_rfc3339(),
        );
        let mail = OutgoingMail {
            to: invitation.email.clone(),
            to_name: invitation.name.to_string(),
            subject: format!("You are invited to Portcullis for {office}"),
            body: Zeroizing::new(body),
        };
        match self.mailer().send(&mail).await {
            Ok(delivery) => delivery,
            Err(e) => {
                tracing::warn!(error = %e, "an invitation email could not be sent");
                Delivery::NotSent
            }
        }
    }
}

pub(crate) fn validate(request: &InviteRequest<'_>) -> Result<(PersonName, Email, Role), InviteError> {
    let name =
        PersonName::new(request.name).map_err(|e| InviteError::Name(crate::accounts::capitalise(&e.to_string())))?;
    let email = Email::new(request.email).map_err(|_| {
        InviteError::Email("Enter an email address in the correct format, like name@example.org.uk".into())
    })?;
    let role = request
        .role
        .parse::<Role>()
        .ok()
        .filter(|r| *r != Role::Operator)
        .ok_or_else(|| InviteError::Role("Choose the role they will have in the office".into()))?;
    Ok((name, email, role))
}

fn delivery_words(delivery: Delivery) -> &'static str {
    match delivery {
        Delivery::Sent => "link emailed",
        Delivery::Printed => "link printed on the server's terminal",
        Delivery::NotSent => "link shown to the inviter (email not set up)",
    }
}
