//! The signals: each looks at one side of the message and adds reasons.

pub mod attachments;
pub mod auth;
pub mod content;
pub mod dkim;
pub mod links;
mod phrases;
pub mod sender;
pub mod style;

use crate::live::LiveDkim;
use crate::lookalike::Protected;
use crate::message::Email;
use crate::{Office, Reason};

/// Every signal, in order; `live` holds what was checked over the network, if anything was.
pub(crate) fn check_all(
    email: &Email,
    office: &Office,
    protected: &Protected,
    live: Option<&LiveDkim>,
    reasons: &mut Vec<Reason>,
) {
    let auth = auth::check(email, office, reasons);
    dkim::check(email, live, reasons);
    sender::check(email, office, &auth, protected, reasons);
    links::check(email, protected, reasons);
    attachments::check(email, reasons);
    content::check(email, reasons);
    style::check(email, reasons);
}
