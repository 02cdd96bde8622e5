//! The demonstration office behind `portcullis serve --demo`: made-up people
//! so a newcomer can look around. Always flagged `demo` so every page can say
//! so, and never created twice.

use portcullis_store::Office;
use portcullis_types::{Email, Role};

use crate::{Actor, App, AppError};

/// The demo office's name; the "(demo)" marker is also in the data itself.
pub const DEMO_OFFICE_NAME: &str = "Office of Alex Example MP (demo)";

const DEMO_PEOPLE: [(&str, &str, Role); 4] = [
    ("Alex Example", "alex.example@example.org.uk", Role::Mp),
    ("Sam Okafor", "sam.okafor@example.org.uk", Role::Manager),
    ("Priya Shah", "priya.shah@example.org.uk", Role::Caseworker),
    ("Tom Evans", "tom.evans@example.org.uk", Role::Staff),
];

impl App {
    /// Create the demo office unless one exists; return it either way.
    pub async fn seed_demo(&self, actor: &Actor) -> Result<Office, AppError> {
        if let Some(existing) = self.offices().await?.into_iter().find(|o| o.demo) {
            return Ok(existing);
        }
        let office = self.create_office(DEMO_OFFICE_NAME, true, actor).await?;
        for (name, email, role) in DEMO_PEOPLE {
            let email = Email::new(email)?;
            self.add_person(office.id, name, Some(email), role, actor).await?;
        }
        Ok(office)
    }
}
