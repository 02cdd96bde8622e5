//! The table of well-known sending services, matched by name suffix.
//!
//! A name matches an entry when its rightmost labels equal the entry's
//! labels; a label written `cmail#` matches `cmail` followed by one or more
//! digits (Campaign Monitor sends from `cmail1.com`, `cmail2.com`, …).

/// A sending service we recognise by the names it sends under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider {
    /// Stable identifier, used in grouping keys (`provider:ID`).
    pub id: &'static str,
    /// Plain-English name shown to people.
    pub name: &'static str,
    /// Name suffixes: reverse DNS names, DKIM signing domains and SPF
    /// domains under any of these belong to the service.
    pub suffixes: &'static [&'static str],
    /// How to make this service's mail pass DMARC for the office's domain,
    /// when we can say more than "set up DKIM for your domain in NAME".
    pub advice: Option<&'static str>,
}

const fn p(
    id: &'static str,
    name: &'static str,
    suffixes: &'static [&'static str],
    advice: Option<&'static str>,
) -> Provider {
    Provider { id, name, suffixes, advice }
}

/// Every provider we recognise, most specific first where suffixes could
/// overlap (none do today).
pub const PROVIDERS: &[Provider] = &[
    p(
        "microsoft365",
        "Microsoft 365",
        &["outlook.com", "protection.outlook.com", "onmicrosoft.com", "hotmail.com", "outlook.office365.com"],
        Some(
            "turn on DKIM for your domain in Microsoft 365 (Microsoft Defender portal, Email authentication \
             settings) and publish the two selector CNAME records it shows",
        ),
    ),
    p(
        "google",
        "Google Workspace / Gmail",
        &["google.com", "googlemail.com", "gmail.com", "1e100.net", "gappssmtp.com"],
        Some(
            "turn on DKIM in the Google Admin console (Gmail, Authenticate email), publish the TXT record it \
             gives you, then press Start authentication",
        ),
    ),
    p("mailchimp", "Mailchimp", &["mcsv.net", "mcdlv.net", "rsgsv.net", "mandrillapp.com", "mailchimp.com"], None),
    p("amazonses", "Amazon SES", &["amazonses.com"], Some("verify your domain in Amazon SES with Easy DKIM")),
    p("sendgrid", "SendGrid", &["sendgrid.net", "sendgrid.com"], Some("set up domain authentication in SendGrid")),
    p("mailgun", "Mailgun", &["mailgun.org", "mailgun.net", "mailgun.com"], None),
    p("zoho", "Zoho Mail", &["zoho.com", "zoho.eu", "zohomail.com", "zohomail.eu", "zoho.in"], None),
    p("fastmail", "Fastmail", &["messagingengine.com", "fastmail.com"], None),
    p("proton", "Proton Mail", &["protonmail.ch", "protonmail.com", "proton.me"], None),
    p("postmark", "Postmark", &["mtasv.net", "postmarkapp.com"], None),
    p("sparkpost", "SparkPost", &["sparkpostmail.com", "sparkpost.com"], None),
    p("mailjet", "Mailjet", &["mailjet.com", "mjt.lu"], None),
    p("campaignmonitor", "Campaign Monitor", &["createsend.com", "cmail#.com"], None),
    p("constantcontact", "Constant Contact", &["constantcontact.com", "ccsend.com", "ctctcdn.com"], None),
    p("hubspot", "HubSpot", &["hubspot.com", "hubspotemail.net", "hubspot.net"], None),
    p("salesforcemc", "Salesforce Marketing Cloud", &["exacttarget.com", "exct.net"], None),
    p("nationbuilder", "NationBuilder", &["nationbuilder.com"], None),
    p("dynamics", "Microsoft Dynamics 365", &["dynamics.com"], None),
    p(
        "yahoo",
        "Yahoo Mail",
        &["yahoo.com", "yahoo.co.uk", "yahoodns.net"],
        Some("Yahoo cannot sign mail for your domain: send your domain's mail from your own mail service instead"),
    ),
    p(
        "govuknotify",
        "GOV.UK Notify",
        &["notifications.service.gov.uk"],
        Some(
            "GOV.UK Notify signs with its own domain: send as your own domain only from services that can sign for it",
        ),
    ),
    p(
        "parliament",
        "UK Parliament mail",
        &["parliament.uk"],
        Some(
            "mail relayed through Parliament's servers is not signed for your domain: ask the Parliamentary \
             Digital Service how to send as your domain, or send it from your own mail service",
        ),
    ),
];

/// The provider with this id.
pub fn provider(id: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.id == id)
}

/// The provider whose suffixes cover `host` (already lower case, no
/// trailing dot).
pub fn match_host(host: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.suffixes.iter().any(|s| has_suffix(host, s)))
}

/// `host` is `pattern` or ends with `.pattern`, label by label.
pub(crate) fn has_suffix(host: &str, pattern: &str) -> bool {
    let mut labels = host.rsplit('.');
    pattern.rsplit('.').all(|want| labels.next().is_some_and(|got| label_matches(got, want)))
}

fn label_matches(label: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('#') {
        Some(prefix) => label
            .strip_prefix(prefix)
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())),
        None => label == pattern,
    }
}
