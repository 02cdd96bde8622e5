//! Organisations that phishers commonly pretend to be when they target UK offices.
//!
//! Each [`Brand`] lists the registrable domains the organisation really owns and sends from, the
//! domains it runs but where anyone can get an address or a page (so they prove nothing), and the
//! words that name it in a display name or a subject line.
//!
//! The names are chosen so that they do not fire on ordinary words. Where a brand's usual name is
//! also an everyday word ("Sky", "Apple", "Visa", "Post Office", "EE"), only a more specific phrase is
//! listed, and a comment beside the brand says why. The domains come from general knowledge of
//! each organisation's public web and mail addresses; when unsure, a domain was left out.

use std::sync::LazyLock;

use crate::lookalike::{is_within, skeleton};
use crate::words;

/// An organisation phishers pretend to be.
#[derive(Debug, Clone, Copy)]
pub struct Brand {
    /// Its name as shown to people, e.g. "HMRC".
    pub name: &'static str,
    /// Registrable domains only it sends from or serves pages from (lowercase), e.g. `["hmrc.gov.uk"]`.
    /// A message or link from one of these (or a subdomain) really is from the organisation.
    pub domains: &'static [&'static str],
    /// Domains it runs where anyone can sign up for an address or publish content, e.g. "outlook.com",
    /// "gmail.com", "sharepoint.com", "onmicrosoft.com". They are genuine hosts, so they are never
    /// look-alikes, but a message from one of them does not show that the organisation sent it.
    pub hosted: &'static [&'static str],
    /// Lowercase words or phrases that name it in a display name or subject, e.g. `["hmrc", "hm revenue"]`.
    /// Matched as whole words, so "ee" would not match "feedback"; everyday words are avoided.
    pub names: &'static [&'static str],
    /// What kind of organisation it is, for explanations, e.g. "the UK tax authority".
    pub what: &'static str,
}

/// Shorthand used to keep the table below readable.
const fn b(
    name: &'static str,
    what: &'static str,
    domains: &'static [&'static str],
    hosted: &'static [&'static str],
    names: &'static [&'static str],
) -> Brand {
    Brand { name, domains, hosted, names, what }
}

/// The organisations covered, most specific first where their domains nest (HMRC before GOV.UK).
pub static BRANDS: &[Brand] = &[
    // Government and public bodies.
    b(
        "HMRC",
        "the UK tax authority",
        &["hmrc.gov.uk"],
        &[],
        &["hmrc", "hm revenue", "revenue & customs", "revenue and customs"],
    ),
    b(
        "DVLA",
        "the UK driving licence and vehicle tax agency",
        &["dvla.gov.uk"],
        &[],
        &["dvla", "driver and vehicle licensing"],
    ),
    b("Companies House", "the UK register of companies", &["companieshouse.gov.uk"], &[], &["companies house"]),
    // "gov.uk" covers every department and GOV.UK Notify (notifications.service.gov.uk).
    b(
        "GOV.UK",
        "the UK government's online services",
        &["gov.uk"],
        &[],
        &["gov.uk", "govuk", "hm government", "government gateway"],
    ),
    // "TV licence" alone is left out: people and news write about the licence itself.
    b("TV Licensing", "the BBC's TV licence collector", &["tvlicensing.co.uk"], &[], &["tv licensing", "tvlicensing"]),
    // NHS Wales and Scotland have their own domains; "nhs.uk" is a public suffix run for the NHS.
    // "NHS" alone is kept because it is the usual fake sender name, though constituents' subjects
    // mention it often: weigh a subject-line match accordingly.
    b(
        "NHS",
        "the National Health Service",
        &["nhs.uk", "nhs.net", "nhs.scot", "nhs.wales", "hscni.net"],
        &[],
        &["nhs", "national health service"],
    ),
    // "UK Parliament" and "House of Commons" appear in countless genuine subjects written by the
    // public, so only the phrases impersonators use for IT and security notices are listed.
    b(
        "UK Parliament",
        "the UK Parliament",
        &["parliament.uk", "parliamentlive.tv"],
        &[],
        &[
            "parliamentary digital service",
            "house of commons it",
            "house of commons service desk",
            "parliament it service",
        ],
    ),
    b(
        "Electoral Commission",
        "the UK elections regulator",
        &["electoralcommission.org.uk"],
        &[],
        &["electoral commission"],
    ),
    // "Post Office" alone is everyday language (and a frequent constituency topic).
    b(
        "Post Office",
        "the Post Office",
        &["postoffice.co.uk"],
        &[],
        &["post office ltd", "post office limited", "post office money"],
    ),
    // Parcels.
    b(
        "Royal Mail",
        "the UK postal service",
        &["royalmail.com", "royalmail.co.uk", "royalmailgroup.com"],
        &[],
        &["royal mail", "royalmail"],
    ),
    b("Parcelforce", "Royal Mail's parcel service", &["parcelforce.com"], &[], &["parcelforce", "parcel force"]),
    b("Evri", "a parcel carrier (formerly Hermes)", &["evri.com", "myhermes.co.uk"], &[], &["evri", "myhermes"]),
    b("DPD", "a parcel carrier", &["dpd.co.uk", "dpdlocal.co.uk", "dpd.com"], &[], &["dpd"]),
    b("DHL", "a parcel carrier", &["dhl.com", "dhl.co.uk", "dhl.de", "dhlparcel.co.uk"], &[], &["dhl"]),
    // "ups" is an everyday word ("ups and downs", "start-ups").
    b(
        "UPS",
        "a parcel carrier",
        &["ups.com"],
        &[],
        &["united parcel service", "ups delivery", "ups parcel", "ups.com"],
    ),
    b("FedEx", "a parcel carrier", &["fedex.com"], &[], &["fedex", "federal express"]),
    // Technology. Consumer mailboxes (outlook.com, hotmail.com, live.com), SharePoint and
    // onmicrosoft.com tenants and OneDrive links can be had by anyone, so they are only "hosted".
    // "Outlook" alone is an everyday word, so only phrases used in fake notices are listed.
    b(
        "Microsoft",
        "Microsoft (Office 365, Outlook, OneDrive, SharePoint)",
        &[
            "microsoft.com",
            "microsoftonline.com",
            "microsoftonline-p.com",
            "microsoftazuread-sso.com",
            "microsoftstore.com",
            "microsoftstream.com",
            "office.com",
            "office365.com",
            "microsoft365.com",
            "sharepointonline.com",
            "onedrive.com",
            "windows.com",
            "azure.com",
        ],
        &[
            "outlook.com",
            "hotmail.com",
            "hotmail.co.uk",
            "live.com",
            "live.co.uk",
            "msn.com",
            "sharepoint.com",
            "onmicrosoft.com",
            "1drv.ms",
            "azurewebsites.net",
            "windows.net",
        ],
        &[
            "microsoft",
            "office 365",
            "office365",
            "microsoft 365",
            "onedrive",
            "sharepoint",
            "hotmail",
            "outlook web",
            "outlook team",
            "outlook support",
            "outlook security",
        ],
    ),
    // Gmail addresses, user content and cloud storage buckets are open to anyone.
    b(
        "Google",
        "Google (Gmail, Google Drive)",
        &[
            "google.com",
            "google.co.uk",
            "youtube.com",
            "gstatic.com",
            "withgoogle.com",
            "g.co",
            "google-analytics.com",
            "googletagmanager.com",
            "googlesyndication.com",
            "googleadservices.com",
            "googlevideo.com",
        ],
        &["gmail.com", "googlemail.com", "googleusercontent.com", "googleapis.com", "appspot.com"],
        &["google", "gmail", "google drive", "google workspace", "google docs"],
    ),
    // "Apple" alone is a fruit and part of many business names; iCloud addresses are open to anyone.
    b(
        "Apple",
        "Apple (Apple ID, iCloud)",
        &["apple.com", "apple.co.uk"],
        &["icloud.com", "me.com", "mac.com"],
        &["apple id", "apple account", "apple support", "apple pay", "icloud", "itunes", "app store"],
    ),
    // Anyone can host files on AWS or send mail through Amazon SES.
    b(
        "Amazon",
        "the online retailer Amazon",
        &["amazon.com", "amazon.co.uk"],
        &["amazonaws.com", "amazonses.com"],
        &["amazon", "amazon prime", "prime video"],
    ),
    // paypal.me pages belong to PayPal's users.
    b(
        "PayPal",
        "the online payment service PayPal",
        &["paypal.com", "paypal.co.uk", "paypalobjects.com", "paypal-community.com"],
        &["paypal.me"],
        &["paypal", "pay pal"],
    ),
    b(
        "DocuSign",
        "the e-signature service DocuSign",
        &["docusign.com", "docusign.net"],
        &[],
        &["docusign", "docu sign"],
    ),
    b(
        "Adobe",
        "the software company Adobe",
        &["adobe.com", "adobe.io", "adobesign.com", "echosign.com"],
        &[],
        &["adobe", "adobe sign", "adobe acrobat"],
    ),
    b(
        "Dropbox",
        "the file sharing service Dropbox",
        &["dropbox.com", "hellosign.com", "dropboxmail.com"],
        &["dropboxusercontent.com"],
        &["dropbox"],
    ),
    // we.tl short links point at anyone's transfers.
    b(
        "WeTransfer",
        "the file sending service WeTransfer",
        &["wetransfer.com"],
        &["we.tl"],
        &["wetransfer", "we transfer"],
    ),
    b("Netflix", "the streaming service Netflix", &["netflix.com"], &[], &["netflix"]),
    // Banks and cards.
    b(
        "Barclays",
        "a UK bank",
        &["barclays.co.uk", "barclays.com", "barclaycard.co.uk", "barclayscorporate.com"],
        &[],
        &["barclays", "barclaycard"],
    ),
    b("HSBC", "a UK bank", &["hsbc.co.uk", "hsbc.com"], &[], &["hsbc"]),
    // "Lloyds" alone also names Lloyd's of London and a pharmacy chain.
    b(
        "Lloyds Bank",
        "a UK bank",
        &["lloydsbank.co.uk", "lloydsbank.com", "lloydsbankinggroup.com"],
        &[],
        &["lloyds bank", "lloydsbank", "lloyds banking"],
    ),
    b(
        "NatWest",
        "a UK bank",
        &["natwest.com", "natwestgroup.com", "natwestinternational.com"],
        &[],
        &["natwest", "nat west"],
    ),
    b("Santander", "a UK bank", &["santander.co.uk", "santander.com"], &[], &["santander"]),
    // Halifax is also a town; only banking phrases are listed.
    b(
        "Halifax",
        "a UK bank",
        &["halifax.co.uk", "halifax-online.co.uk"],
        &[],
        &["halifax bank", "halifax online", "halifax banking", "bank of scotland halifax"],
    ),
    // "Nationwide" alone is an everyday adjective.
    b(
        "Nationwide",
        "a UK building society",
        &["nationwide.co.uk"],
        &[],
        &["nationwide building society", "nationwide banking", "nationwide bank"],
    ),
    // monzo.me payment pages belong to Monzo's customers.
    b("Monzo", "a UK bank", &["monzo.com"], &["monzo.me"], &["monzo"]),
    b("Starling Bank", "a UK bank", &["starlingbank.com"], &[], &["starling bank", "starlingbank"]),
    b("TSB", "a UK bank", &["tsb.co.uk"], &[], &["tsb"]),
    b("Metro Bank", "a UK bank", &["metrobankonline.co.uk"], &[], &["metro bank", "metrobank"]),
    b("Royal Bank of Scotland", "a UK bank", &["rbs.co.uk", "rbs.com"], &[], &["royal bank of scotland", "rbs"]),
    b(
        "Co-operative Bank",
        "a UK bank",
        &["co-operativebank.co.uk"],
        &[],
        &["co-operative bank", "cooperative bank", "co-op bank"],
    ),
    b(
        "American Express",
        "a card company",
        &["americanexpress.com", "americanexpress.co.uk", "aexp.com"],
        &[],
        &["american express", "amex"],
    ),
    // "Visa" alone would fire on immigration casework, which MPs' offices handle every day.
    b(
        "Visa",
        "a card network",
        &["visa.com", "visa.co.uk"],
        &[],
        &["verified by visa", "visa secure", "visa card services"],
    ),
    b("Mastercard", "a card network", &["mastercard.com", "mastercard.co.uk"], &[], &["mastercard", "master card"]),
    // Telecoms. BT customers get btinternet.com addresses.
    b(
        "BT",
        "a UK telecoms provider",
        &["bt.com"],
        &["btinternet.com"],
        &["bt", "british telecom", "bt group", "bt broadband"],
    ),
    // "EE" alone is too short and appears in Scots and in initials.
    b("EE", "a UK mobile network", &["ee.co.uk"], &[], &["ee mobile", "ee limited", "ee billing", "ee account"]),
    b("Vodafone", "a UK mobile network", &["vodafone.co.uk", "vodafone.com"], &[], &["vodafone"]),
    // "O2" alone also names the arena in London and oxygen.
    b("O2", "a UK mobile network", &["o2.co.uk"], &[], &["o2 uk", "o2 billing", "o2 account", "o2 mobile"]),
    // "Three" is a number.
    b("Three", "a UK mobile network", &["three.co.uk"], &[], &["three mobile", "three uk"]),
    // "Sky" alone is an everyday word, and Sky News writes to MPs from genuine addresses.
    b(
        "Sky",
        "a UK TV and broadband provider",
        &["sky.com"],
        &[],
        &["sky broadband", "sky tv", "sky mobile", "sky billing", "sky uk"],
    ),
    b(
        "Virgin Media",
        "a UK TV and broadband provider",
        &["virginmedia.com", "virginmedia.co.uk", "virginmediao2.co.uk", "virginmediabusiness.co.uk"],
        &[],
        &["virgin media", "virginmedia"],
    ),
    // Energy.
    b(
        "British Gas",
        "a UK energy supplier",
        &["britishgas.co.uk", "centrica.com"],
        &[],
        &["british gas", "britishgas"],
    ),
    // "Octopus" alone is an animal.
    b("Octopus Energy", "a UK energy supplier", &["octopus.energy"], &[], &["octopus energy"]),
    // "E.ON" is written with a dot; "eon" alone is an everyday word.
    b(
        "E.ON",
        "a UK energy supplier",
        &["eonenergy.com", "eonnext.com", "eon.com"],
        &[],
        &["e.on", "eon energy", "eon next"],
    ),
    b("EDF", "a UK energy supplier", &["edfenergy.com", "edf.fr", "edf-re.uk"], &[], &["edf", "edf energy"]),
    // Crypto exchanges.
    b("Coinbase", "a cryptocurrency exchange", &["coinbase.com"], &[], &["coinbase"]),
    b("Binance", "a cryptocurrency exchange", &["binance.com"], &[], &["binance"]),
    // Social media. "Meta" alone is an everyday word; "X" is a letter; t.co links lead anywhere.
    b(
        "Meta",
        "Meta (Facebook, Instagram, WhatsApp)",
        &["meta.com", "facebook.com", "facebookmail.com", "fb.com", "instagram.com", "whatsapp.com", "whatsapp.net"],
        &[],
        &["facebook", "instagram", "whatsapp", "meta platforms", "meta for business", "meta business", "meta support"],
    ),
    b("LinkedIn", "the professional network LinkedIn", &["linkedin.com", "licdn.com"], &[], &["linkedin", "linked in"]),
    b(
        "X (Twitter)",
        "the social network X, formerly Twitter",
        &["x.com", "twitter.com"],
        &["t.co"],
        &["twitter", "x corp", "x.com"],
    ),
];

/// Every domain worth protecting against look-alikes: each brand's own domains and hosted domains.
pub fn protected_domains() -> impl Iterator<Item = &'static str> {
    BRANDS.iter().flat_map(|brand| brand.domains.iter().chain(brand.hosted.iter())).copied()
}

/// Brands whose names appear (as whole words, case-insensitive) in `text`.
///
/// The text is also compared after folding look-alike characters (see
/// [`skeleton`]), so "PayPaI" with a capital I, or a name in Cyrillic letters, still counts.
pub fn named_in(text: &str) -> impl Iterator<Item = &'static Brand> + '_ {
    let plain = squash_spaces(&text.to_lowercase());
    let folded = squash_spaces(&skeleton(text));
    BRANDS.iter().zip(FOLDED_NAMES.iter()).filter_map(move |(brand, folded_names)| {
        let named = brand.names.iter().any(|name| words::contains(&plain, name))
            || folded_names.iter().any(|name| words::contains(&folded, name));
        named.then_some(brand)
    })
}

/// The skeleton of every brand name, worked out once, in the order of [`BRANDS`].
static FOLDED_NAMES: LazyLock<Vec<Vec<String>>> =
    LazyLock::new(|| BRANDS.iter().map(|brand| brand.names.iter().map(|name| skeleton(name)).collect()).collect());

/// The brand that owns `domain`: an exact match on one of its `domains`, or a subdomain of one.
/// When several match, the longest (most specific) brand domain wins. `hosted` domains never count.
pub fn owner_of(domain: &str) -> Option<&'static Brand> {
    let host = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    BRANDS
        .iter()
        .flat_map(|brand| brand.domains.iter().map(move |owned| (brand, *owned)))
        .filter(|(_, owned)| is_within(&host, owned))
        .max_by_key(|(_, owned)| owned.len())
        .map(|(brand, _)| brand)
}

/// Collapses every run of whitespace into one space, so phrases match across line breaks.
fn squash_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::lookalike::registrable;

    fn names(text: &str) -> Vec<&'static str> {
        named_in(text).map(|brand| brand.name).collect()
    }

    #[test]
    fn finds_brands_named_in_display_names_and_subjects() {
        assert_eq!(names("HMRC Tax Refund"), ["HMRC"]);
        assert_eq!(names("Your parcel from Royal  Mail\nis waiting"), ["Royal Mail"]);
        assert_eq!(names("Microsoft 365 account alert"), ["Microsoft"]);
        assert_eq!(names("E.ON Next: your bill"), ["E.ON"]);
        assert_eq!(names("HM Revenue & Customs"), ["HMRC"]);
        assert_eq!(names("BT: payment failed"), ["BT"]);
        assert_eq!(names("Verify your Apple ID"), ["Apple"]);
    }

    #[test]
    fn finds_names_written_with_look_alike_characters() {
        assert_eq!(names("PayPaI Security"), ["PayPal"]);
        assert_eq!(names("NatWest Onl1ne"), ["NatWest"]);
        assert_eq!(names("Nеtflix"), ["Netflix"], "Cyrillic е");
        assert_eq!(names("ＨＭＲＣ"), ["HMRC"], "full-width letters");
    }

    #[test]
    fn respects_word_boundaries_and_everyday_words() {
        for text in [
            "Thanks for your feedback",
            "Debt help surgery on Friday",
            "Visa application for my constituent",
            "Post office closure in the high street",
            "The sky is blue; apple pie at three",
            "Start-ups and ups and downs",
            "Invitation: reception at the House of Commons",
            "Vitamin E on prescription",
            "Outlook for the economy",
            "Halifax town centre regeneration",
            "Nationwide campaign launch",
            "Meeting at the O2 arena",
        ] {
            assert!(names(text).is_empty(), "{text:?} named {:?}", names(text));
        }
    }

    #[test]
    fn owner_of_prefers_the_most_specific_brand() {
        assert_eq!(owner_of("hmrc.gov.uk").unwrap().name, "HMRC");
        assert_eq!(owner_of("notifications.service.gov.uk").unwrap().name, "GOV.UK");
        assert_eq!(owner_of("EMAIL.HMRC.GOV.UK.").unwrap().name, "HMRC");
        assert_eq!(owner_of("accountprotection.microsoft.com").unwrap().name, "Microsoft");
        assert_eq!(owner_of("mail.parliament.uk").unwrap().name, "UK Parliament");
        assert_eq!(owner_of("nhs.net").unwrap().name, "NHS");
    }

    #[test]
    fn owner_of_ignores_hosted_and_unrelated_domains() {
        for domain in [
            "outlook.com",
            "gmail.com",
            "contoso.onmicrosoft.com",
            "contoso.sharepoint.com",
            "bucket.s3.amazonaws.com",
            "notmicrosoft.com",
            "microsoft.com.evil.net",
            "example.com",
            "btinternet.com",
        ] {
            assert!(owner_of(domain).is_none(), "{domain}");
        }
    }

    #[test]
    fn table_is_well_formed() {
        for brand in BRANDS {
            assert!(!brand.names.is_empty() && !brand.domains.is_empty(), "{}", brand.name);
            assert!(!brand.what.is_empty());
            for name in brand.names {
                assert_eq!(*name, name.to_lowercase(), "{}", brand.name);
                assert_eq!(*name, name.trim());
            }
            for domain in brand.domains.iter().chain(brand.hosted) {
                assert_eq!(*domain, domain.to_ascii_lowercase());
                // Registrable, or itself a public suffix run for the brand (gov.uk, nhs.uk, ...).
                let reg = registrable(domain);
                assert!(reg.is_none() || reg.as_deref() == Some(domain), "{domain} is not registrable: {reg:?}");
            }
        }
    }

    #[test]
    fn no_domain_belongs_to_two_brands() {
        let mut seen = std::collections::HashSet::new();
        for domain in protected_domains() {
            assert!(seen.insert(domain), "{domain} listed twice");
        }
    }
}
