//! One login from a password manager, whatever the export it came from.

use portcullis_types::Timestamp;

use crate::Secret;

/// One saved login. The password is a [`Secret`]: wiped on drop, hidden
/// from `Debug`.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The entry's name as the person sees it ("Office 365", "Twitter").
    pub title: String,
    /// The site's address as saved (a URL, or a bare host), if any.
    pub site: Option<String>,
    /// The user name or email saved with it, if any.
    pub username: Option<String>,
    /// The folder, group or vault it sits in, if the export says.
    pub folder: Option<String>,
    /// The password. Empty when the entry has none (a note, a card).
    pub password: Secret,
    /// True when the entry holds a one-time-code (TOTP) secret, i.e. 2FA is
    /// recorded in the password manager.
    pub totp: bool,
    /// When the password was last changed, if the export says.
    pub changed: Option<Timestamp>,
}
