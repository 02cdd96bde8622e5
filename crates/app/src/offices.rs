//! Offices and the people in them.

use portcullis_store::{NewAuditEntry, NewOffice, NewPerson, Office, Person};
use portcullis_types::{Email, OfficeId, OfficeName, PersonId, PersonName, Role};
use serde::Serialize;

use crate::{App, AppError};

/// Who is acting, as the audit log will name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Someone at the command line of the machine itself.
    Cli,
    /// Portcullis's own background work.
    System,
    /// A signed-in account, by email.
    User(String),
}

impl Actor {
    /// The name written into the audit log.
    pub fn audit_name(&self) -> String {
        match self {
            Self::Cli => "cli".into(),
            Self::System => "system".into(),
            Self::User(email) => email.clone(),
        }
    }
}

/// An office with the figures its home page shows.
#[derive(Debug, Clone, Serialize)]
pub struct OfficeSummary {
    /// The office.
    pub office: Office,
    /// How many people it has.
    pub people: usize,
}

impl App {
    /// Create an office and record who did it.
    pub async fn create_office(&self, name: &str, demo: bool, actor: &Actor) -> Result<Office, AppError> {
        let new = NewOffice {
            id: OfficeId::generate(self.random()),
            name: OfficeName::new(name)?,
            created_at: self.clock().now(),
            demo,
        };
        let office = self.store().create_office(&new).await?;
        self.audit(office.id, actor, "office.created", Some(office.id.to_string()), office.name.as_str()).await?;
        Ok(office)
    }

    /// Every office, oldest first.
    pub async fn offices(&self) -> Result<Vec<Office>, AppError> {
        Ok(self.store().list_offices().await?)
    }

    /// One office with its figures.
    pub async fn office_summary(&self, id: OfficeId) -> Result<OfficeSummary, AppError> {
        let office = self.store().office(id).await?.ok_or_else(|| AppError::NotFound(format!("office {id}")))?;
        let people = self.store().list_people(id).await?.len();
        Ok(OfficeSummary { office, people })
    }

    /// Add a person to an office.
    pub async fn add_person(
        &self,
        office: OfficeId,
        name: &str,
        email: Option<Email>,
        role: Role,
        actor: &Actor,
    ) -> Result<Person, AppError> {
        let new = NewPerson {
            id: PersonId::generate(self.random()),
            office_id: office,
            name: PersonName::new(name)?,
            email,
            role,
            created_at: self.clock().now(),
        };
        let person = self.store().add_person(&new).await?;
        let detail = format!("{} as {}", person.name, person.role.label());
        self.audit(office, actor, "person.added", Some(person.id.to_string()), &detail).await?;
        Ok(person)
    }

    /// Append one audit entry stamped with the current time.
    pub async fn audit(
        &self,
        office: OfficeId,
        actor: &Actor,
        action: &str,
        target: Option<String>,
        detail: &str,
    ) -> Result<(), AppError> {
        let entry = NewAuditEntry {
            office_id: office,
            at: self.clock().now(),
            actor: actor.audit_name(),
            action: action.to_owned(),
            target,
            detail: detail.to_owned(),
        };
        self.store().append_audit(&entry).await?;
        Ok(())
    }
}
