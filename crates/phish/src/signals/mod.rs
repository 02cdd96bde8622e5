//! The signals: each looks at one side of the message and adds reasons.

pub mod attachments;
pub mod auth;
pub mod content;
pub mod links;
mod phrases;
pub mod sender;
pub mod style;

use crate::lookalike::Protected;
use crate::message::Email;
use crate::{Office, Reason};

/// Every signal, in order.
pub(crate) fn check_all(email: &Email, office: &Office, protected: &Protected, reasons: &mut Vec<Reason>) {
    let auth = auth::check(email, office, reasons);
    sender::check(email, office, &auth, protected, reasons);
    links::check(email, protected, reasons);
    attachments::check(email, reasons);
    content::check(email, reasons);
    style::check(email, reasons);
}
