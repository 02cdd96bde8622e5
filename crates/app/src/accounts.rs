//! Creating accounts: the first manager at setup, and later ones.

use portcullis_store::{NewUser, Office, User};
use portcullis_types::{Email, OfficeId, PersonName, Role, UserId};

use crate::auth::{AuthError, PasswordProblem};
use crate::{Actor, App, AppError};

/// A new account's details as typed into a form.
#[derive(Debug)]
pub struct AccountForm<'a> {
    /// Their name.
    pub name: &'a str,
    /// Their sign-in address.
    pub email: &'a str,
    /// The password they chose.
    pub password: &'a str,
}

/// Why an account could not be created, field by field for the form.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The name field.
    #[error("{0}")]
    Name(String),
    /// The email field.
    #[error("{0}")]
    Email(String),
    /// The password field.
    #[error(transparent)]
    Password(#[from] PasswordProblem),
    /// Setup was already done.
    #[error("Portcullis is already set up. Sign in instead.")]
    AlreadySetUp,
    /// Anything else.
    #[error(transparent)]
    Other(#[from] AppError),
}

impl From<portcullis_store::StoreError> for AccountError {
    fn from(e: portcullis_store::StoreError) -> Self {
        match e {
            portcullis_store::StoreError::Conflict(_) => {
                Self::Email("An account with that email address already exists".into())
            }
            other => Self::Other(other.into()),
        }
    }
}

impl From<AuthError> for AccountError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Password(p) => Self::Password(p),
            other => Self::Other(AppError::NotFound(other.to_string())),
        }
    }
}

impl App {
    /// Whether no account exists yet (first run).
    pub async fn needs_setup(&self) -> Result<bool, AppError> {
        Ok(self.store().count_users().await? == 0)
    }

    /// First run: create the office and its manager. Refused once any
    /// account exists.
    pub async fn set_up(&self, office_name: &str, form: &AccountForm<'_>) -> Result<(Office, User), AccountError> {
        if !self.needs_setup().await? {
            return Err(AccountError::AlreadySetUp);
        }
        let (name, email) = validate(form)?;
        // Check the password before anything is written: a refused setup
        // must leave no orphan office behind.
        let local = email.as_str().split('@').next().unwrap_or_default();
        crate::auth::check_password(form.password, local, name.as_str())?;
        portcullis_types::OfficeName::new(office_name).map_err(AppError::from)?;
        let office = self.create_office(office_name, false, &Actor::User(email.to_string())).await?;
        let user = self.create_account(Some(office.id), &name, &email, Role::Manager, form.password).await?;
        let actor = Actor::User(email.to_string());
        self.add_person(office.id, name.as_str(), Some(email.clone()), Role::Manager, &actor).await?;
        Ok((office, user))
    }

    /// Add a central operator account (from the command line of the server
    /// itself). Like every account it must enrol a second factor at its
    /// first sign-in. Operators belong to no office.
    pub async fn add_operator(&self, form: &AccountForm<'_>) -> Result<User, AccountError> {
        let (name, email) = validate(form)?;
        self.create_account(None, &name, &email, Role::Operator, form.password).await
    }

    /// Create an account after checking the password policy.
    pub(crate) async fn create_account(
        &self,
        office: Option<OfficeId>,
        name: &PersonName,
        email: &Email,
        role: Role,
        password: &str,
    ) -> Result<User, AccountError> {
        let local = email.as_str().split('@').next().unwrap_or_default();
        crate::auth::check_password(password, local, name.as_str())?;
        let hash = crate::auth::hash_password(self, password).await?;
        let new = NewUser {
            id: UserId::generate(self.random()),
            office_id: office,
            email: email.clone(),
            name: name.clone(),
            role,
            password_hash: hash,
            created_at: self.clock().now(),
        };
        let user = self.store().create_user(&new).await?;
        self.audit_user(&user, "account.created", &format!("{} as {}", user.name, role.label())).await?;
        Ok(user)
    }
}

fn validate(form: &AccountForm<'_>) -> Result<(PersonName, Email), AccountError> {
    let name = PersonName::new(form.name).map_err(|e| AccountError::Name(capitalise(&e.to_string())))?;
    let email = Email::new(form.email).map_err(|_| {
        AccountError::Email("Enter an email address in the correct format, like name@example.org.uk".into())
    })?;
    Ok((name, email))
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
