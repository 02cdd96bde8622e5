//! The sender: who the message claims to be from, and whether the address
//! backs that up. Phishers borrow a trusted name for the display name
//! ("HMRC", "Microsoft 365", the MP's own name) and send from an address
//! of their own, a look-alike domain or a free webmail account; they set
//! Reply-To so that answers reach them.

use crate::brands;
use crate::lookalike::{self, Protected, is_within_any};
use crate::message::{Email, Mailbox};
use crate::signals::auth::AuthView;
use crate::{Office, Reason, words};

/// Free webmail: anyone can have an address here under any name.
const FREEMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "live.co.uk",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "ymail.com",
    "aol.com",
    "aol.co.uk",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.com",
    "gmx.co.uk",
    "gmx.net",
    "mail.com",
    "zoho.com",
    "zohomail.eu",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "talktalk.net",
    "ntlworld.com",
    "tiscali.co.uk",
    "hushmail.com",
    "tutanota.com",
    "inbox.ru",
    "qq.com",
    "163.com",
    "outlook.fr",
    "hotmail.fr",
];

/// Words in a display name that claim an organisation rather than a person.
const ORGANISATION_WORDS: &[&str] = &[
    "support",
    "security",
    "helpdesk",
    "help desk",
    "service desk",
    "admin",
    "administrator",
    "billing",
    "accounts",
    "payroll",
    "it department",
    "it team",
    "it services",
    "customer service",
    "team",
    "department",
    "webmail",
    "mailbox",
    "postmaster",
    "no-reply",
    "noreply",
    "verification",
    "notification",
];

/// Add reasons about the sender. `auth` says whether the From domain was
/// authenticated by the office's own server.
pub fn check(email: &Email, office: &Office, auth: &AuthView, protected: &Protected, reasons: &mut Vec<Reason>) {
    let Some(from) = email.from.as_ref().filter(|m| m.address.contains('@')) else {
        reasons.push(Reason::new(
            "no_sender",
            45,
            "It has no proper sender address, which genuine mail systems always write.",
        ));
        return;
    };
    let domain = from.domain();
    if !valid_domain(domain) {
        reasons.push(Reason::new(
            "malformed_sender",
            45,
            format!(
                "Its sender address ({}) is not a valid address: genuine mail systems do not send such mail.",
                shown(&from.address)
            ),
        ));
    } else if odd_domain(domain) {
        reasons.push(Reason::new(
            "odd_sender_domain",
            20,
            format!(
                "Its sender's domain ({domain}) looks machine-made, like the throwaway names used for mass mailings."
            ),
        ));
    }
    if let Some(tld) = cheap_tld(domain) {
        reasons.push(Reason::new(
            "cheap_domain",
            20,
            format!(
                "Its sender's domain ends in .{tld}, a cheap ending scams use far more than genuine organisations."
            ),
        ));
    }
    if random_local_part(&email.from_local) {
        reasons.push(Reason::new(
            "random_sender_name",
            30,
            format!(
                "Its sender address starts with a jumble of letters ({}), as addresses made by mass-mailing \
                 software do; people and organisations use names.",
                shown(&email.from_local)
            ),
        ));
    }
    if email.from_count > 1 {
        reasons.push(Reason::new(
            "several_senders",
            40,
            "It claims to come from several senders at once, which genuine mail does not.",
        ));
    }
    if crate::signals::links::is_free_hosting(domain) {
        reasons.push(Reason::new(
            "free_hosting_sender",
            50,
            format!(
                "It was sent from {domain}, a free hosting service anyone can use, not an organisation's own domain."
            ),
        ));
    }
    let site = lookalike::site(domain);
    let freemail = is_freemail(domain);
    if office.knows(&from.address) && auth.from_is_genuine() {
        reasons.push(Reason::new(
            "known_sender",
            -40,
            format!(
                "{} is one of the office's known contacts, and the mail server confirmed it is really them.",
                from.address
            ),
        ));
    }
    office_history(office, &from.address, reasons);
    if let Some(found) = protected.imitates(domain) {
        reasons.push(Reason::new(
            "lookalike_sender",
            75,
            format!("It comes from {domain}, a name made to look like {} — but it is not.", found.protected),
        ));
    }
    if let Some(name) = &from.name {
        display_name(name, from, &site, freemail, office, reasons);
    }
    if let Some(brand) = brands::named_in(&email.subject).find(|b| !owns(b, domain)) {
        reasons.push(Reason::new(
            "brand_in_subject",
            15,
            format!("The subject mentions {}, but the sender ({domain}) is not {}.", brand.name, brand.name),
        ));
    }
    reply_to(email, from, &site, freemail, reasons);
    bounces(email, from, &site, office, reasons);
}

/// What the office's own feedback says about this sender.
fn office_history(office: &Office, address: &str, reasons: &mut Vec<Reason>) {
    if office.marked_as_phishing(address) {
        reasons.push(Reason::new(
            "office_marked_phishing",
            60,
            format!("Your office has marked mail from {address} as phishing before."),
        ));
    } else if office.is_new_sender(address) == Some(true) {
        reasons.push(Reason::new(
            "new_sender",
            10,
            format!("Your office has not had genuine mail from {address} before. That is normal for a constituent, but a supplier or colleague writing from a new address is worth a phone call on a number you already have."),
        ));
    }
}

fn display_name(name: &str, from: &Mailbox, site: &str, freemail: bool, office: &Office, reasons: &mut Vec<Reason>) {
    let domain = from.domain();
    let named: Vec<&brands::Brand> = brands::named_in(name).collect();
    if let Some(brand) = named.iter().find(|b| !owns(b, domain)) {
        let weight = if freemail { 65 } else { 55 };
        reasons.push(Reason::new(
            "brand_impersonation",
            weight,
            format!(
                "It says it is from {} ({}), but it was sent from {}, {}.",
                brand.name,
                brand.what,
                from.address,
                if freemail { "a free webmail address anyone can open" } else { "an address that is not theirs" }
            ),
        ));
    }
    let lower = name.to_lowercase();
    if let Some(named) = domain_in(&lower)
        && lookalike::registrable(&named).is_some_and(|named| named != site)
    {
        reasons.push(Reason::new(
            "display_name_domain",
            35,
            format!("Its name shows the website {named}, but it came from {}.", from.address),
        ));
    }
    if let Some(shown) = address_in(&lower)
        && lookalike::registrable(shown.rsplit_once('@').map_or("", |(_, d)| d)).as_deref() != Some(site)
    {
        reasons.push(Reason::new(
            "display_name_address",
            45,
            format!("Its name shows the address {shown}, but it really came from {}.", from.address),
        ));
    }
    if freemail && ORGANISATION_WORDS.iter().any(|w| words::contains(&lower, w)) {
        reasons.push(Reason::new(
            "freemail_organisation",
            35,
            format!("It calls itself \"{}\" but was sent from a free webmail address ({}).", shown(name), from.address),
        ));
    }
    let brand_owned = named.iter().any(|b| owns(b, domain));
    if !brand_owned && !on_platform(domain) && name_unrelated(name, &from.address) {
        // People's names at unrelated addresses are common (nicknames,
        // initials); a borrowed organisation name is the worry.
        let weight = if person_like(name) { 10 } else { 25 };
        reasons.push(Reason::new(
            "name_unrelated",
            weight,
            format!(
                "It calls itself \"{}\", but its address ({}) has nothing to do with that name.",
                shown(name),
                from.address
            ),
        ));
    }
    let own_domain = office.protected_domains().any(|d| site == d);
    if !own_domain && office.people.iter().any(|p| !p.is_empty() && lower.trim() == p.as_str()) {
        reasons.push(Reason::new(
            "office_person_impersonation",
            50,
            format!(
                "It uses the name of someone in the office ({}) but comes from {}, not the office's address.",
                shown(name),
                from.address
            ),
        ));
    }
}

fn reply_to(email: &Email, from: &Mailbox, site: &str, freemail: bool, reasons: &mut Vec<Reason>) {
    let diverted = email.reply_to.iter().find(|reply| {
        let reply_site = lookalike::site(reply.domain());
        !reply_site.is_empty() && reply_site != site
    });
    if let Some(reply) = diverted {
        let reply_free = is_freemail(reply.domain());
        // Website contact forms send as the site with the writer's webmail as
        // Reply-To, so even this is only a hint.
        let weight = if reply_free && !freemail { 25 } else { 10 };
        reasons.push(Reason::new(
            "reply_to_mismatch",
            weight,
            format!(
                "Replies would go to {}, not to the sender {}{}.",
                reply.address,
                from.address,
                if reply_free { " — a free webmail address" } else { "" }
            ),
        ));
    }
}

/// Services genuine organisations send bulk and transactional mail
/// through, whose bounce addresses are theirs rather than the sender's.
const SENDING_SERVICES: &[&str] = &[
    "amazonses.com",
    "sendgrid.net",
    "mailgun.org",
    "mailgun.net",
    "mcsv.net",
    "mcdlv.net",
    "rsgsv.net",
    "mandrillapp.com",
    "sparkpostmail.com",
    "exacttarget.com",
    "salesforce.com",
    "mktomail.com",
    "hubspotemail.net",
    "sendinblue.com",
    "brevo.com",
    "mailjet.com",
    "postmarkapp.com",
    "mtasv.net",
    "oracleemaildelivery.com",
    "govdelivery.com",
    "notifications.service.gov.uk",
    "createsend.com",
    "cmail19.com",
    "cmail20.com",
    "constantcontact.com",
    "zendesk.com",
    "google.com",
    "outlook.com",
    "microsoft.com",
    "messagelabs.com",
    "mimecast.com",
];

/// Mail claiming a brand's or the office's own address whose bounces go
/// to some unrelated domain (not a sending service): the address is
/// borrowed, and the Return-Path shows where the sender really is.
fn bounces(email: &Email, from: &Mailbox, site: &str, office: &Office, reasons: &mut Vec<Reason>) {
    let Some(return_path) = email.return_path.as_deref() else { return };
    let bounce_domain = return_path.rsplit_once('@').map_or(return_path, |(_, d)| d);
    let bounce_site = lookalike::site(bounce_domain);
    if bounce_site.is_empty() || bounce_site == site || is_within_any(bounce_domain, SENDING_SERVICES) {
        return;
    }
    let domain = from.domain();
    let claimed = brands::owner_of(domain).map(|b| b.name).or_else(|| {
        office.protected_domains().any(|own| lookalike::is_within(domain, own)).then_some("your office or Parliament")
    });
    if let Some(claimed) = claimed {
        reasons.push(Reason::new(
            "bounce_mismatch",
            30,
            format!(
                "It claims to come from {domain} ({claimed}), but undeliverable replies go to {bounce_domain}, which \
                 is neither theirs nor a mail service — a sign that the sender's address is borrowed."
            ),
        ));
    }
}

/// Whether `domain` is one of `brand`'s own. Government and parliamentary
/// domains can only be registered by public bodies, so any of them counts
/// as genuine for a public body's name (HMRC writes from several gov.uk names).
pub(crate) fn owns(brand: &brands::Brand, domain: &str) -> bool {
    is_within_any(domain, brand.domains)
        || is_within_any(domain, PUBLIC_SECTOR) && brand.domains.iter().any(|d| is_within_any(d, PUBLIC_SECTOR))
}

/// Suffixes only public bodies can register under.
const PUBLIC_SECTOR: &[&str] =
    &["gov.uk", "parliament.uk", "nhs.uk", "nhs.net", "police.uk", "mod.uk", "gov.scot", "gov.wales"];

/// Whether `domain` is a well-formed domain name with a real-looking top level.
pub(crate) fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last().copied().unwrap_or_default();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && (tld.len() >= 2 && tld.chars().all(char::is_alphabetic) || tld.starts_with("xn--"))
}

/// A domain that looks machine-made: a label mixing runs of digits into
/// letters (`base3-33708`, `135261rcta`) or a long run of consonants no
/// language has (`asdhbsvjld`), as throwaway sending domains do.
fn odd_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.iter().take(labels.len().saturating_sub(1)).any(|label| {
        let digits = label.chars().filter(char::is_ascii_digit).count();
        let letters = label.chars().filter(char::is_ascii_alphabetic).count();
        (digits >= 4 && letters >= 3) || (label.len() >= 8 && consonant_run(label) >= 6)
    })
}

fn consonant_run(label: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in label.chars() {
        if c.is_ascii_alphabetic() && !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y') {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// A local part of mixed-case letters with no separators, changing case
/// inside the word several times (`OyatvzjOY`, `rBEqxqW`): made by a
/// machine, never chosen by a person or an organisation.
fn random_local_part(local: &str) -> bool {
    let word = local.rsplit(['_', '-', '.']).next().unwrap_or_default();
    if word.len() < 6 || !word.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let bytes = word.as_bytes();
    let changes = bytes
        .windows(2)
        .filter(|w| {
            matches!(w, [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic()
                && a.is_ascii_uppercase() != b.is_ascii_uppercase())
        })
        .count();
    let lower = bytes.iter().filter(|b| b.is_ascii_lowercase()).count();
    // Capitals side by side inside a word of lowercase ("zjOY", "rBEq").
    let capitals_inside = bytes.windows(2).skip(1).any(|w| w.iter().all(u8::is_ascii_uppercase));
    // "JohnMcDonald" changes case five times; machines more.
    changes >= 6 || (capitals_inside && lower >= 3)
}

/// Top-level domains that cost next to nothing and that public abuse
/// statistics (Spamhaus, Interisle) consistently show used far more for
/// scams than for genuine organisations.
const CHEAP_TLDS: &[&str] = &[
    "xyz",
    "top",
    "shop",
    "live",
    "click",
    "icu",
    "cyou",
    "buzz",
    "rest",
    "sbs",
    "cfd",
    "bond",
    "monster",
    "quest",
    "lol",
    "mom",
    "tk",
    "ml",
    "cf",
    "ga",
    "gq",
    "work",
    "fit",
    "surf",
    "beauty",
    "hair",
    "skin",
    "makeup",
    "autos",
    "boats",
    "homes",
    "yachts",
    "pics",
    "bar",
    "cam",
    "casa",
    "loan",
    "win",
    "bid",
    "date",
    "review",
    "stream",
    "download",
    "racing",
    "party",
    "trade",
    "men",
    "accountant",
    "science",
    "faith",
    "cricket",
    "zip",
    "mov",
];

fn cheap_tld(domain: &str) -> Option<&str> {
    let tld = domain.rsplit('.').next().unwrap_or_default();
    CHEAP_TLDS.contains(&tld).then_some(tld)
}

/// Words in a sender name that say nothing about who it is.
const FILLER: &[&str] = &[
    "the",
    "and",
    "for",
    "from",
    "team",
    "support",
    "service",
    "services",
    "info",
    "news",
    "newsletter",
    "mail",
    "email",
    "customer",
    "customers",
    "official",
    "online",
    "group",
    "ltd",
    "limited",
    "inc",
    "plc",
    "via",
    "department",
    "notification",
    "notifications",
    "alert",
    "alerts",
    "update",
    "updates",
    "account",
    "accounts",
    "noreply",
    "reply",
];

/// The sender's name shares nothing with its address: neither a word of
/// the name appears in the address, nor a word of the address in the name.
/// People's addresses carry their names (`mary.jones1957@`), organisations'
/// domains carry theirs; a name borrowed for the occasion does not.
fn name_unrelated(name: &str, address: &str) -> bool {
    let name = fold(name);
    let words: Vec<&str> =
        name.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 3 && !FILLER.contains(w)).collect();
    if words.is_empty() || !words.iter().any(|w| w.chars().any(char::is_alphabetic)) {
        return false;
    }
    let address = fold(address);
    let compact_address: String = address.chars().filter(|c| c.is_alphanumeric()).collect();
    let compact_name: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
    let address_words = address.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 4 && !FILLER.contains(w));
    let shares = words.iter().any(|w| compact_address.contains(w))
        || address_words.into_iter().any(|w| compact_name.contains(w))
        || initials_and_surname(&words, &compact_address);
    !shares
}

/// Services that send mail on their customers' behalf, under the
/// customer's name: an invoice from "Castlegate Print" comes from xero.com.
const PLATFORMS: &[&str] = &[
    "stripe.com",
    "intuit.com",
    "xero.com",
    "sharepointonline.com",
    "docusign.net",
    "docusign.com",
    "eventbrite.com",
    "paypal.com",
    "squareup.com",
    "sumup.com",
    "gocardless.com",
    "zoho.com",
    "zoho.eu",
    "freshdesk.com",
    "zendesk.com",
    "salesforce.com",
    "hubspot.com",
    "hubspotemail.net",
    "mailchimpapp.net",
    "mcsv.net",
    "sendgrid.net",
    "amazonses.com",
    "mailgun.org",
    "sparkpostmail.com",
    "google.com",
    "microsoft.com",
    "calendly.com",
    "zoom.us",
    "typeform.com",
    "surveymonkey.com",
    "jotform.com",
    "wufoo.com",
    "formstack.com",
    "sage.com",
    "quickbooks.com",
    "freeagent.com",
    "invoice2go.com",
    "wave.com",
    "dropbox.com",
    "box.com",
    "wetransfer.com",
    "notion.so",
    "slack.com",
    "trello.com",
    "asana.com",
    "github.com",
    "gitlab.com",
    "atlassian.net",
    "linkedin.com",
];

fn on_platform(domain: &str) -> bool {
    is_within_any(domain, PLATFORMS)
}

/// Two to four words, each a capitalised word or an initial, none of them
/// a word organisations use: how people's names look.
fn person_like(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            let w = w.trim_end_matches(['.', ',']);
            let mut chars = w.chars();
            chars.next().is_some_and(char::is_uppercase)
                && chars.all(|c| c.is_lowercase() || c == '-' || c == '\'')
                && !FILLER.contains(&w.to_lowercase().as_str())
        })
}

/// "John Smith" and `jsmith@` or `smithj@`.
fn initials_and_surname(words: &[&str], address: &str) -> bool {
    match (words.first(), words.last()) {
        (Some(first), Some(last)) if words.len() >= 2 => {
            let initial = first.chars().next().map(String::from).unwrap_or_default();
            address.contains(&format!("{initial}{last}")) || address.contains(&format!("{last}{initial}"))
        }
        _ => false,
    }
}

/// Lowercase, accents dropped (so "José" meets `jose@`).
fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    text.nfkd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).collect::<String>().to_lowercase()
}

/// Whether `domain` is a free webmail provider's.
pub(crate) fn is_freemail(domain: &str) -> bool {
    FREEMAIL.contains(&lookalike::site(domain).as_str())
}

/// A website name written inside a display name ("CarShield.com").
fn domain_in(name: &str) -> Option<String> {
    name.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '"' | '\'' | '[' | ']' | ','))
        .filter(|w| !w.contains('@'))
        .map(|w| w.trim_matches(['.', ':', ';']))
        .find(|w| w.contains('.') && valid_domain(w) && lookalike::registrable(w).is_some())
        .map(str::to_owned)
}

/// An email address written inside a display name.
fn address_in(name: &str) -> Option<String> {
    name.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '"' | '\'' | '[' | ']'))
        .find(|w| w.contains('@') && w.rsplit_once('@').is_some_and(|(_, d)| d.contains('.')))
        .map(str::to_owned)
}

fn shown(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(80).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests;
