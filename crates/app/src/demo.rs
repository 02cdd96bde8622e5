//! The demonstration office behind `portcullis serve --demo`: made-up people
//! so a newcomer can look around. Always flagged `demo` so every page can say
//! so, and never created twice.
//!
//! The demo manager can sign in with a password generated at creation and
//! shown once; like every account, they must enrol an authenticator first.

use portcullis_store::Office;
use portcullis_types::{Email, PersonName, Role};
use zeroize::Zeroizing;

use crate::auth::new_token;
use crate::{Actor, App, AppError};

/// The demo office's name; the "(demo)" marker is also in the data itself.
pub const DEMO_OFFICE_NAME: &str = "Office of Alex Example MP (demo)";
/// The demo manager's sign-in address.
pub const DEMO_MANAGER_EMAIL: &str = "sam.okafor@example.org.uk";

const DEMO_PEOPLE: [(&str, &str, Role); 4] = [
    ("Alex Example", "alex.example@example.org.uk", Role::Mp),
    ("Sam Okafor", DEMO_MANAGER_EMAIL, Role::Manager),
    ("Priya Shah", "priya.shah@example.org.uk", Role::Caseworker),
    ("Tom Evans", "tom.evans@example.org.uk", Role::Staff),
];

/// What `seed_demo` made.
#[derive(Debug)]
pub struct Demo {
    /// The demo office.
    pub office: Office,
    /// The manager's password, only when the office was created just now.
    pub manager_password: Option<Zeroizing<String>>,
}

impl App {
    /// Create the demo office and its manager's account unless one exists.
    pub async fn seed_demo(&self, actor: &Actor) -> Result<Demo, AppError> {
        if let Some(existing) = self.offices().await?.into_iter().find(|o| o.demo) {
            return Ok(Demo { office: existing, manager_password: None });
        }
        let office = self.create_office(DEMO_OFFICE_NAME, true, actor).await?;
        for (name, email, role) in DEMO_PEOPLE {
            self.add_person(office.id, name, Some(Email::new(email)?), role, actor).await?;
        }
        // A fresh random password: 256 bits, base64url, never a fixed demo one.
        let password = new_token(self.random());
        let email = Email::new(DEMO_MANAGER_EMAIL)?;
        self.create_account(Some(office.id), &PersonName::new("Sam Okafor")?, &email, Role::Manager, &password)
            .await
            .map_err(|e| AppError::NotFound(format!("the demo account could not be created: {e}")))?;
        Ok(Demo { office, manager_password: Some(password) })
    }
}
