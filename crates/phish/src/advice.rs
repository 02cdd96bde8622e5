//! What to do now: the advice printed with a verdict, from NCSC guidance
//! on suspicious email (report to the helpdesk and to the Suspicious Email
//! Reporting Service; if you clicked, act within the hour).

use crate::Verdict;

/// The address of the NCSC's Suspicious Email Reporting Service.
pub const SERS_ADDRESS: &str = "report@phishing.gov.uk";

/// Steps for the person who received the message, most important first.
pub fn now(verdict: Verdict) -> &'static [&'static str] {
    match verdict {
        Verdict::Phishing => &[
            "Do not click any link, open any attachment or reply.",
            "Report it to your IT helpdesk (the Parliamentary Digital Service for parliamentary accounts).",
            "Forward it to the NCSC's Suspicious Email Reporting Service: report@phishing.gov.uk, then delete it.",
            "If it claims to be from someone you know, contact them on a number or address you already have.",
        ],
        Verdict::Suspicious => &[
            "Do not click links or open attachments until you have checked it.",
            "Check with the sender using a phone number or address you already have, not one in the message.",
            "If in doubt, ask your IT helpdesk, and forward it to report@phishing.gov.uk.",
        ],
        Verdict::Clean => &[
            "Nothing suggests an attack, but stay alert: no check is perfect.",
            "Be wary of any unexpected request to sign in, pay, or change bank details.",
        ],
    }
}

/// If a link was clicked or a password entered: the next hour.
pub const IF_CLICKED: &[&str] = &[
    "Tell your IT helpdesk straight away: acting fast limits the damage.",
    "If you typed a password, change it now from a device you trust, and anywhere else you used it.",
    "Check that two-step verification is on, and sign out other sessions.",
    "If you opened an attachment, disconnect the computer from the network and do not use it until IT has checked it.",
    "If you gave bank details or paid, call your bank on the number on your card, and report it to Action Fraud (0300 123 2040).",
];
