//! Links: where they really go. A link whose words show one address and
//! whose destination is another is the classic trick; so are raw IP
//! addresses, look-alike and punycode names, link shorteners that hide the
//! destination, free web hosting where anyone can put up a fake sign-in
//! page in a minute, `javascript:`/`data:` links and forms that post a
//! password somewhere. Links rewritten by Microsoft Safe Links or
//! Proofpoint URL Defense are unwrapped first, as the office's own mail
//! system may have rewritten every link.

use std::collections::HashSet;

use url::{Host, Url};

use crate::Reason;
use crate::brands;
use crate::html::Link;
use crate::lookalike::{self, Protected, is_within_any};
use crate::message::Email;

/// Link shorteners: the real destination is hidden until clicked.
const SHORTENERS: &[&str] = &[
    "bit.ly",
    "tinyurl.com",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "rebrand.ly",
    "cutt.ly",
    "shorturl.at",
    "rb.gy",
    "t.ly",
    "tiny.cc",
    "s.id",
    "v.gd",
    "shorturl.com",
    "bl.ink",
    "short.io",
    "qrco.de",
    "t2m.io",
    "lnkd.in",
    "urlz.fr",
    "urly.fi",
    "ead.me",
    "ibit.ly",
    "shorturl.asia",
    "tinu.be",
];

/// Places where anyone can publish a page (or a file) under a trusted
/// provider's name in minutes, much used to host fake sign-in pages.
const FREE_HOSTING: &[&str] = &[
    "web.app",
    "firebaseapp.com",
    "workers.dev",
    "pages.dev",
    "r2.dev",
    "netlify.app",
    "vercel.app",
    "glitch.me",
    "herokuapp.com",
    "weebly.com",
    "wixsite.com",
    "000webhostapp.com",
    "ngrok.io",
    "ngrok-free.app",
    "repl.co",
    "ipfs.io",
    "dweb.link",
    "w3s.link",
    "blogspot.com",
    "godaddysites.com",
    "square.site",
    "webflow.io",
    "storage.googleapis.com",
    "blob.core.windows.net",
    "azurewebsites.net",
    "surge.sh",
    "framer.app",
    "typedream.app",
    "firebasestorage.googleapis.com",
    "appspot.com",
    "github.io",
    "sites.google.com",
    "forms.gle",
    "jotform.com",
    "forms.yandex.ru",
    "forms.yandex.com",
    "run.app",
    "translate.goog",
    "onrender.com",
    "fly.dev",
    "deno.dev",
    "replit.app",
    "replit.dev",
    "amplifyapp.com",
    "secureserver.net",
    "notion.site",
    "carrd.co",
    "tiiny.site",
    "mystrikingly.com",
    "yolasite.com",
    "jimdosite.com",
    "site123.me",
    "wixstudio.io",
    "framer.website",
    "cloudflare-ipfs.com",
    "nftstorage.link",
    "mypinata.cloud",
    "trycloudflare.com",
    "loca.lt",
    "duckdns.org",
    "ddns.net",
    "hopto.org",
    "zapto.org",
    "sytes.net",
    "onmicrosoft.com",
];

/// Mail marketing services whose click-tracking links stand between the
/// text and the destination in genuine newsletters.
const TRACKERS: &[&str] = &[
    "list-manage.com",
    "mailchimp.com",
    "sendgrid.net",
    "mandrillapp.com",
    "hubspotlinks.com",
    "hs-sites.com",
    "exacttarget.com",
    "rs6.net",
    "createsend.com",
    "cmail19.com",
    "cmail20.com",
    "mailgun.org",
    "sparkpostmail.com",
    "mailjet.com",
    "sendinblue.com",
    "brevo.com",
    "constantcontact.com",
    "campaign-archive.com",
    "mcsv.net",
    "awstrack.me",
    "klclick.com",
    "klclick1.com",
    "mkt.com",
    "eventbrite.com",
    "substack.com",
    "govdelivery.com",
];

/// Add reasons for the message's links and forms.
pub fn check(email: &Email, protected: &Protected, reasons: &mut Vec<Reason>) {
    let own = email.from.as_ref().and_then(|m| lookalike::registrable(m.domain()));
    // What depends on the host alone is worked out once per host: a
    // newsletter's fifty links to one site cost one look-alike check.
    let mut seen = HashSet::new();
    for link in &email.links {
        one(link, own.as_deref(), protected, &mut seen, reasons);
    }
    qr_codes(email, reasons);
    forms(email, reasons);
}

/// A link in a QR code: the reader is asked to open it on a phone, out of
/// reach of the office's mail and web filters. Said once, naming where the
/// first one goes; the host checks above judge each destination as usual.
fn qr_codes(email: &Email, reasons: &mut Vec<Reason>) {
    let Some(host) = email.qr_links.iter().find_map(|href| parse(href.trim()).map(unwrap_rewritten)) else { return };
    let host = host.host_str().unwrap_or("a web address").to_ascii_lowercase();
    reasons.push(Reason::new(
        "qr_code_link",
        35,
        format!(
            "It contains a QR code that leads to {host}. Scanning it with a phone takes you past the office's \
             mail and web filters; genuine senders rarely put sign-in links in QR codes."
        ),
    ));
}

fn one(link: &Link, own: Option<&str>, protected: &Protected, seen: &mut HashSet<String>, reasons: &mut Vec<Reason>) {
    let href = link.href.trim();
    let lower = href.to_ascii_lowercase();
    if lower.starts_with("javascript:") || lower.starts_with("data:") || lower.starts_with("vbscript:") {
        let scheme = lower.split(':').next().unwrap_or_default().to_owned();
        reasons.push(Reason::new(
            "script_link",
            60,
            format!("A link runs code ({scheme}:) instead of opening a page; genuine mail never does this."),
        ));
        return;
    }
    let Some(url) = parse(href) else { return };
    let url = unwrap_rewritten(url);
    let Some(host) = url.host() else { return };
    let host_text = host.to_string().to_ascii_lowercase();
    let first = seen.insert(host_text.clone());
    if matches!(host, Host::Ipv4(_) | Host::Ipv6(_)) {
        if first {
            reasons.push(Reason::new(
                "ip_link",
                45,
                format!("A link goes to a bare internet address ({host_text}) rather than a named website."),
            ));
        }
        return;
    }
    let site = lookalike::site(&host_text);
    if first {
        host_reasons(&host_text, &site, own, protected, reasons);
    }
    mismatch(link, &host_text, &site, reasons);
}

/// What the host alone says: a look-alike, punycode, a shortener, free hosting.
fn host_reasons(host_text: &str, site: &str, own: Option<&str>, protected: &Protected, reasons: &mut Vec<Reason>) {
    if let Some(found) = protected.imitates(host_text) {
        reasons.push(Reason::new(
            "lookalike_link",
            65,
            format!("A link goes to {host_text}, made to look like {} — which it is not.", found.protected),
        ));
    } else if lookalike::mixed_script_or_punycode(host_text) {
        reasons.push(Reason::new(
            "punycode_link",
            40,
            format!("A link goes to {host_text}, written in a way that can disguise look-alike letters."),
        ));
    }
    if is_within_any(host_text, SHORTENERS) {
        reasons.push(Reason::new(
            "shortener_link",
            20,
            format!("A link is shortened ({host_text}), which hides where it really goes."),
        ));
    }
    if is_within_any(host_text, FREE_HOSTING) && own != Some(site) {
        reasons.push(Reason::new(
            "free_hosting_link",
            30,
            format!("A link goes to {host_text}, a free hosting service where anyone can put up a fake sign-in page."),
        ));
    }
}

/// The words of the link name a different site from where it goes.
fn mismatch(link: &Link, host: &str, site: &str, reasons: &mut Vec<Reason>) {
    let Some(shown) = shown_host(&link.text) else { return };
    let shown_site = lookalike::site(&shown);
    if shown_site == site || shown.ends_with(site) || host.ends_with(&shown_site) {
        return;
    }
    let tracked = is_within_any(host, TRACKERS);
    let brand = brands::owner_of(&shown).filter(|b| !crate::signals::sender::owns(b, host));
    let (weight, why) = match (brand, tracked) {
        (Some(brand), _) => (55, format!(", which is not {}", brand.name)),
        (None, false) => (25, String::new()),
        (None, true) => (10, " (a mailing service's click tracker, which newsletters use too)".to_owned()),
    };
    reasons.push(Reason::new(
        "link_text_mismatch",
        weight,
        format!("A link shows {shown} but really goes to {host}{why}."),
    ));
}

/// The host a link's visible text names, if its text is an address.
fn shown_host(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches(['.', ',', '/']);
    if text.is_empty() || text.contains(char::is_whitespace) || !text.contains('.') {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let candidate = if lower.starts_with("http://") || lower.starts_with("https://") {
        lower
    } else if lower.starts_with("www.") || looks_like_domain(&lower) {
        format!("https://{lower}")
    } else {
        return None;
    };
    let url = Url::parse(&candidate).ok()?;
    let host = url.host_str()?.to_owned();
    (host.contains('.') && lookalike::registrable(&host).is_some()).then_some(host)
}

fn looks_like_domain(text: &str) -> bool {
    let host = text.split('/').next().unwrap_or_default();
    let Some((_, tld)) = host.rsplit_once('.') else { return false };
    tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()) && !host.contains('@')
}

/// A password box in the message (or an attached page): whatever is typed
/// goes to the sender.
fn forms(email: &Email, reasons: &mut Vec<Reason>) {
    if email.password_fields > 0 {
        reasons.push(Reason::new(
            "password_form",
            70,
            "It contains a box to type a password into: whatever is typed goes straight to whoever sent it. \
             Genuine services ask you to sign in on their own website, never inside an email or attachment.",
        ));
    }
}

fn parse(href: &str) -> Option<Url> {
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Url::parse(href).ok()
    } else if lower.starts_with("www.") {
        Url::parse(&format!("http://{href}")).ok()
    } else {
        None
    }
}

/// Microsoft Safe Links (`…safelinks.protection.outlook.com/?url=`),
/// Google's redirector (`google.com/url?q=`) and Proofpoint URL Defense v2
/// (`?u=` with `-` for `%` and `_` for `/`) point at the real destination.
fn unwrap_rewritten(url: Url) -> Url {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let param = if host.ends_with("safelinks.protection.outlook.com") {
        "url"
    } else if (host == "www.google.com" || host == "google.com") && url.path() == "/url" {
        "q"
    } else if host == "urldefense.proofpoint.com" {
        "u"
    } else {
        return url;
    };
    let inner = url.query_pairs().find(|(k, _)| k == param).map(|(_, v)| v.into_owned());
    let inner = inner.map(|v| if param == "u" { v.replace('-', "%").replace('_', "/") } else { v });
    inner.and_then(|v| Url::parse(&percent_decoded(&v)).ok()).unwrap_or(url)
}

fn percent_decoded(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map_or_else(|| s.to_owned(), |(_, v)| v.into_owned())
}

/// Whether `host` is on a free hosting service.
pub(crate) fn is_free_hosting(host: &str) -> bool {
    is_within_any(host, FREE_HOSTING)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests;
