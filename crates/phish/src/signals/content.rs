//! Content: what the message asks the reader to do. Phishing needs the
//! reader to act — sign in, pay, open, call — usually in a hurry. Each
//! family below is a handful of phrases written by hand from how these
//! scams are described in public guidance (NCSC, Action Fraud, UK Finance),
//! not learnt from any corpus. A family counts once however many of its
//! phrases appear; the weights are deliberately modest, because genuine
//! mail asks people to pay invoices and sign in too: content alone makes
//! a message suspicious at most, and it takes a second, technical sign
//! (a disguised link, a forged sender, a dangerous file) to call it
//! phishing.

use crate::Reason;
use crate::message::Email;

/// A family of phrases and what it means.
struct Family {
    code: &'static str,
    weight: i8,
    phrases: &'static [&'static str],
    explanation: &'static str,
}

const FAMILIES: &[Family] = &[
    Family {
        code: "credential_lure",
        weight: 30,
        phrases: &[
            "verify your account",
            "verify your email",
            "verify your identity",
            "confirm your account",
            "confirm your identity",
            "confirm your email address",
            "validate your account",
            "validate your email",
            "validate your mailbox",
            "update your account",
            "update your payment",
            "update your billing",
            "re-activate your",
            "reactivate your",
            "mailbox is full",
            "mailbox storage",
            "storage is full",
            "email quota",
            "password will expire",
            "password expires",
            "password has expired",
            "unusual sign-in",
            "unusual activity",
            "suspicious activity",
            "unauthorized access",
            "unauthorised access",
            "account has been suspended",
            "account has been locked",
            "account has been limited",
            "account will be suspended",
            "account will be closed",
            "account will be deactivated",
            "account is on hold",
            "restore access",
            "restore your account",
            "keep your account",
            "pending messages",
            "undelivered messages",
            "messages are on hold",
        ],
        explanation: "It asks you to sign in, verify or restore an account — the usual way to steal a password.",
    },
    Family {
        code: "urgency",
        weight: 15,
        phrases: &[
            "within 24 hours",
            "within 48 hours",
            "within 12 hours",
            "immediately",
            "urgent action",
            "action required",
            "immediate action",
            "final notice",
            "final reminder",
            "last warning",
            "will be permanently",
            "failure to",
            "avoid suspension",
            "avoid interruption",
            "as soon as possible to avoid",
            "expires today",
        ],
        explanation: "It pushes you to act at once, so you have no time to check.",
    },
    Family {
        code: "payment_lure",
        weight: 20,
        phrases: &[
            "bank details have changed",
            "new bank details",
            "change of bank",
            "updated bank details",
            "our new account",
            "wire transfer",
            "outstanding payment",
            "outstanding balance",
            "overdue invoice",
            "payment failed",
            "payment was declined",
            "unable to process your payment",
            "remittance advice",
            "proof of payment",
            "payment confirmation attached",
            "invoice attached",
            "attached invoice",
            "see attached invoice",
        ],
        explanation: "It is about payment or bank details: fake invoices and 'our bank details have changed' are how offices lose money.",
    },
    Family {
        code: "gift_card_or_ceo",
        weight: 35,
        phrases: &[
            "gift card",
            "itunes card",
            "google play card",
            "steam card",
            "are you available",
            "are you at your desk",
            "i need a favour",
            "i need a favor",
            "quick favour",
            "keep this confidential",
            "i'm in a meeting",
            "i am in a meeting",
            "send me your mobile number",
        ],
        explanation: "It reads like 'boss' fraud: a senior person asking quietly for gift cards or a favour.",
    },
    Family {
        code: "callback_lure",
        weight: 25,
        phrases: &[
            "if you did not make this",
            "if you did not authorize",
            "if you did not authorise",
            "if you didn't make this",
            "if this wasn't you, call",
            "to cancel this order",
            "to cancel the order",
            "to cancel your subscription, call",
            "call our support",
            "call us immediately",
            "call the number below",
            "call us at",
            "contact our billing department",
            "helpline",
        ],
        explanation: "It asks you to phone a number about a charge you did not make: the call is where the scam happens.",
    },
    Family {
        code: "prize_or_refund",
        weight: 30,
        phrases: &[
            "you have won",
            "you've won",
            "you are eligible",
            "you're eligible",
            "claim your",
            "tax refund",
            "refund of",
            "unclaimed",
            "lottery",
            "inheritance",
            "beneficiary",
            "compensation fund",
            "million dollars",
            "million usd",
            "congratulations",
            "reward points",
            "loyalty program",
            "free gift",
            "selected to receive",
        ],
        explanation: "It offers money, a refund or a prize you did not expect.",
    },
    Family {
        code: "crypto_or_extortion",
        weight: 35,
        phrases: &[
            "bitcoin",
            "btc wallet",
            "crypto wallet",
            "seed phrase",
            "recovery phrase",
            "i have access to your",
            "hacked your",
            "your webcam",
            "recorded you",
        ],
        explanation: "It is about crypto-currency or claims to have hacked you: blackmail and crypto scams look like this.",
    },
    Family {
        code: "generic_greeting",
        weight: 10,
        phrases: &[
            "dear customer",
            "dear user",
            "dear client",
            "dear valued",
            "valued customer",
            "dear account holder",
            "dear member",
            "dear email user",
            "dear mailbox user",
        ],
        explanation: "It does not know your name ('Dear customer'), which genuine services you use usually do.",
    },
];

/// Add a reason for each family the text touches.
pub fn check(email: &Email, reasons: &mut Vec<Reason>) {
    let text = normalise(&email.lower_text());
    for family in FAMILIES {
        if let Some(phrase) = family.phrases.iter().find(|p| text.contains(*p)) {
            reasons.push(Reason::new(family.code, family.weight, format!("{} (\"{phrase}\")", family.explanation)));
        }
    }
}

/// Curly quotes and odd spaces made plain, so phrases match.
fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{02bc}' => '\'',
            '\u{00a0}' | '\u{2007}' | '\u{202f}' | '\t' | '\r' | '\n' => ' ',
            c => c,
        })
        .collect::<String>()
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `code` is one of this signal's (content alone never makes a
/// message phishing; see [`crate::triage`]).
pub fn is_content(code: &str) -> bool {
    FAMILIES.iter().any(|f| f.code == code)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn codes(subject: &str, text: &str) -> Vec<&'static str> {
        let email = Email { subject: subject.into(), text: text.into(), ..Email::default() };
        let mut reasons = Vec::new();
        check(&email, &mut reasons);
        reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn lures_are_named_once_per_family() {
        assert_eq!(
            codes("Action required", "Dear Customer, verify your account within 24 hours or confirm your identity"),
            vec!["credential_lure", "urgency", "generic_greeting"]
        );
        assert_eq!(codes("Quick one", "Are you  available? I need a favour — gift card"), vec!["gift_card_or_ceo"]);
    }

    #[test]
    fn ordinary_office_mail_touches_nothing() {
        assert!(codes("Surgery on Friday", "Dear Ms Jones, thank you for your letter about the bus route.").is_empty());
    }
}
