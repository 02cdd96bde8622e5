//! Tests for look-alike detection.

use std::sync::LazyLock;

use super::*;
use crate::brands;

static BRANDS: LazyLock<Protected> = LazyLock::new(|| Protected::new(brands::protected_domains()));

fn check(host: &str) -> Option<Match> {
    BRANDS.imitates(host)
}

#[track_caller]
fn assert_match(host: &str, protected: &str, imitation: Imitation) {
    let expected = Match { protected: protected.to_owned(), imitation };
    assert_eq!(check(host), Some(expected), "{host}");
}

#[test]
fn skeleton_folds_look_alike_characters() {
    assert_eq!(skeleton("rnicrosoft"), "microsoft");
    assert_eq!(skeleton("paypa1"), "paypal");
    assert_eq!(skeleton("PayPaI"), "paypal");
    assert_eq!(skeleton("аpple"), "apple", "Cyrillic а");
    assert_eq!(skeleton("аррӏе"), "apple", "all Cyrillic");
    assert_eq!(skeleton("ΡΑΥΡΑΙ"), "paypal", "Greek capitals");
    assert_eq!(skeleton("ｇｏｏｇｌｅ"), "google", "full width");
    assert_eq!(skeleton("g00gle"), "google");
    assert_eq!(skeleton("vvhatsapp"), "whatsapp");
    assert_eq!(skeleton("café-5hop.co.uk"), "cafe-shop.co.uk");
    assert_eq!(skeleton("gօօgle"), "google", "Armenian օ");
    assert_eq!(skeleton(""), "");
}

#[test]
fn edit_distance_counts_swaps_as_one() {
    let chars = |s: &str| s.chars().collect::<Vec<_>>();
    assert_eq!(edit_distance(&chars("paypal"), &chars("paypal")), 0);
    assert_eq!(edit_distance(&chars("micorsoft"), &chars("microsoft")), 1);
    assert_eq!(edit_distance(&chars("kitten"), &chars("sitting")), 3);
    assert_eq!(edit_distance(&chars(""), &chars("abc")), 3);
    assert_eq!(edit_distance(&chars("abc"), &chars("")), 3);
    assert_eq!(edit_distance(&chars("ca"), &chars("abc")), 3);
}

#[test]
fn registrable_domains() {
    assert_eq!(registrable("www.hmrc.gov.uk").as_deref(), Some("hmrc.gov.uk"));
    assert_eq!(registrable("EMAIL.HMRC.GOV.UK.").as_deref(), Some("hmrc.gov.uk"));
    assert_eq!(registrable("a.b.example.co.uk").as_deref(), Some("example.co.uk"));
    assert_eq!(registrable("xn--pple-43d.com").as_deref(), Some("аpple.com"));
    assert_eq!(registrable("notifications.service.gov.uk").as_deref(), Some("notifications.service.gov.uk"));
    assert_eq!(registrable("bucket.s3.amazonaws.com").as_deref(), Some("bucket.s3.amazonaws.com"));
    for host in ["192.168.0.1", "[::1]", "::1", "localhost", "co.uk", "gov.uk", "com", "", ".", "1.2.3"] {
        assert_eq!(registrable(host), None, "{host:?}");
    }
}

#[test]
fn punycode_and_mixed_scripts() {
    assert!(mixed_script_or_punycode("xn--pple-43d.com"));
    assert!(mixed_script_or_punycode("login.XN--80ak6aa92e.com"));
    assert!(mixed_script_or_punycode("аpple.com"));
    assert!(mixed_script_or_punycode("pаypal.co.uk"));
    assert!(!mixed_script_or_punycode("hmrc.gov.uk"));
    assert!(!mixed_script_or_punycode("royalmail-redelivery.com"));
}

#[test]
fn confusables() {
    use Imitation::Confusable;
    assert_match("paypa1.com", "paypal.com", Confusable);
    assert_match("rnicrosoft.com", "microsoft.com", Confusable);
    assert_match("xn--pple-43d.com", "apple.com", Confusable);
    assert_match("аррӏе.com", "apple.com", Confusable);
    assert_match("microsoft.corn", "microsoft.com", Confusable);
    assert_match("paypa1.co", "paypal.com", Confusable);
    assert_match("login.0utlook.com", "outlook.com", Confusable);
    assert_match("02.co.uk", "o2.co.uk", Confusable);
    assert_match("hmrc.g0v.uk", "gov.uk", Confusable);
    assert_match("paypa1.azurewebsites.net", "paypal.com", Confusable);
}

#[test]
fn typos_of_long_enough_names() {
    assert_match("micorsoft.com", "microsoft.com", Imitation::Typo { edits: 1 });
    assert_match("paypall.com", "paypal.com", Imitation::Typo { edits: 1 });
    assert_match("dropbx.net", "dropbox.com", Imitation::Typo { edits: 1 });
    assert_match("gogle.com", "google.com", Imitation::Typo { edits: 1 });
    assert_match("barclasy.net", "barclays.co.uk", Imitation::Typo { edits: 1 });
    assert_match("parcelfroce.com", "parcelforce.com", Imitation::Typo { edits: 1 });
    assert_match("parcelfrocee.com", "parcelforce.com", Imitation::Typo { edits: 2 });
    // Six letters or fewer need the same ending.
    assert_eq!(check("paypai.org"), None);
}

#[test]
fn other_suffixes() {
    use Imitation::OtherSuffix;
    assert_match("natwest.co", "natwest.com", OtherSuffix);
    assert_match("hmrc.co.uk", "hmrc.gov.uk", OtherSuffix);
    assert_match("www.hmrc.uk", "hmrc.gov.uk", OtherSuffix);
    assert_match("gmail.co", "gmail.com", OtherSuffix);
    assert_match("parliament.org.uk", "parliament.uk", OtherSuffix);
    assert_match("paypal.github.io", "paypal.com", OtherSuffix);
    assert_match("microsoft.azurewebsites.net", "microsoft.com", OtherSuffix);
}

#[test]
fn embedded_names() {
    use Imitation::Contains;
    // A hyphen inserted into "microsoftonline" is also a one-edit typo, which ranks higher.
    assert_match("micros0ft-online.com", "microsoftonline.com", Imitation::Typo { edits: 1 });
    assert_match("micros0ft-online-login.com", "microsoftonline.com", Contains);
    assert_match("hmrc-gov-uk.com", "hmrc.gov.uk", Contains);
    assert_match("hmrc.gov.uk.tax-refund.co", "hmrc.gov.uk", Contains);
    assert_match("docusign.net.example.org", "docusign.net", Contains);
    assert_match("royalmail-redelivery.com", "royalmail.com", Contains);
    assert_match("barclays-secure.net", "barclays.co.uk", Contains);
    assert_match("parliament-uk.org", "parliament.uk", Contains);
    assert_match("paypal.com.secure-login.net", "paypal.com", Contains);
    assert_match("login-microsoft.com", "microsoft.com", Contains);
    assert_match("hmrc-refund.uk", "hmrc.gov.uk", Contains);
    assert_match("microsoftonline-verify.com", "microsoftonline.com", Contains);
    assert_match("securepaypal.com", "paypal.com", Contains);
    assert_match("bt-billing.com", "bt.com", Contains);
    assert_match("dhl.parcel-track.com", "dhl.com", Contains);
    assert_match("outlook.com.verify-account.net", "outlook.com", Contains);
    assert_match("halifax-online-verify.com", "halifax-online.co.uk", Contains);
    assert_match("santander-secure.co", "santander.co.uk", Contains);
    assert_match("nhs-covid-pass.com", "nhs.net", Contains);
    assert_match("paypal-login.s3.amazonaws.com", "paypal.com", Contains);
    assert_match("amazon-delivery.com", "amazon.com", Contains);
}

#[test]
fn genuine_hosts_are_never_matches() {
    for host in [
        "hmrc.gov.uk",
        "www.tax.service.gov.uk",
        "notifications.service.gov.uk",
        "mail.parliament.uk",
        "committees.parliament.uk",
        "google.co.uk",
        "www.google.co.uk",
        "docs.google.com",
        "outlook.com",
        "eur01.safelinks.protection.outlook.com",
        "login.microsoftonline.com",
        "contoso.sharepoint.com",
        "contoso-my.sharepoint.com",
        "contoso.onmicrosoft.com",
        "amazon.co.uk",
        "bucket.s3.amazonaws.com",
        "storage.googleapis.com",
        "lh3.googleusercontent.com",
        "gmail.com",
        "paypal.me",
        "nhs.scot",
        "leeds.nhs.uk",
        "parliament.scot",
        "senedd.wales",
        "gov.scot",
        "halifax-online.co.uk",
        "co-operativebank.co.uk",
    ] {
        assert_eq!(check(host), None, "{host}");
    }
}

#[test]
fn ordinary_domains_are_not_matches() {
    for host in [
        "groups.io",
        "debt-help.co.uk",
        "example.com",
        "constituent-mail.co.uk",
        "start-ups.co.uk",
        "finance.co.uk",
        "email.com",
        "cloud.com",
        "abode.co.uk",
        "appleby.co.uk",
        "pineapple.co.uk",
        "outlookindia.com",
        "officedepot.co.uk",
        "halifaxcourier.co.uk",
        "amazonia.org",
        "google-analytics.com",
        "edf-re.uk",
        "parliamentstreet.org",
        "nationwide-removals.co.uk",
        "octopusinvestments.com",
        "skyscanner.net",
        "metro.co.uk",
        "btp.police.uk",
        "met.police.uk",
        "virginmoney.com",
        "virginatlantic.com",
        "nhsproviders.org",
        "nhsconfed.org",
        "google.fr",
        "amazon.de",
        "vodafone.de",
        "docusign.eu",
        "parliament.nz",
        "apple.news",
        "office.net",
        "hsbcnet.com",
        "santandercb.co.uk",
        "adobelogin.com",
        "eonnext.com",
        "bbc.co.uk",
        "theguardian.com",
        "telegraph.co.uk",
        "itv.com",
        "labour.org.uk",
        "conservatives.com",
        "libdems.org.uk",
        "snp.org",
        "birmingham.gov.uk",
        "citizensadvice.org.uk",
        "ageuk.org.uk",
        "shelter.org.uk",
        "which.co.uk",
        "tesco.com",
        "sainsburys.co.uk",
        "johnlewis.com",
        "ebay.co.uk",
        "github.com",
        "zoom.us",
        "mailchimp.com",
        "sendgrid.net",
        "eventbrite.co.uk",
        "surveymonkey.com",
        "change.org",
        "38degrees.org.uk",
        "writetothem.com",
        "theyworkforyou.com",
        "unison.org.uk",
        "tuc.org.uk",
        "fca.org.uk",
        "bankofengland.co.uk",
        "ofcom.org.uk",
        "ico.org.uk",
        "thameswater.co.uk",
        "ovoenergy.com",
        "scottishpower.co.uk",
        "talktalk.co.uk",
        "plus.net",
        "giffgaff.com",
        "revolut.com",
        "wise.com",
        "firstdirect.com",
        "skipton.co.uk",
        "pay.uk",
        "stripe.com",
        "gocardless.com",
        "mimecast.com",
        "lnkd.in",
        "aka.ms",
        "fbcdn.net",
        "twimg.com",
        "wa.me",
        "primevideo.com",
        "btwholesale.com",
        "see.co.uk",
        "free.co.uk",
    ] {
        assert_eq!(check(host), None, "{host}");
    }
}

#[test]
fn short_names_do_not_match_every_short_domain() {
    let short = Protected::new(["bt.com", "ee.co.uk", "o2.co.uk", "dhl.com", "ups.com", "dpd.co.uk", "nhs.net"]);
    for host in [
        "bp.com",
        "ba.com",
        "bts.com",
        "abt.com",
        "et.co.uk",
        "see.co.uk",
        "o3.co.uk",
        "dhs.com",
        "dpl.com",
        "cups.com",
        "upc.com",
        "ups.co.uk",
        "groups.io",
        "debt-help.co.uk",
        "subtle.com",
        "dpdgroup.com",
        "nhsx.net",
        "snhs.net",
    ] {
        assert_eq!(short.imitates(host), None, "{host}");
    }
    assert!(short.imitates("dh1.com").is_some(), "confusable");
    assert!(short.imitates("ups.com.tracking.net").is_some(), "whole domain spelt out");
}

#[test]
fn a_protected_domain_never_imitates_itself() {
    let mut domains: Vec<&str> = brands::protected_domains().collect();
    for domain in &domains {
        assert_eq!(check(domain), None, "{domain} vs all brands");
    }
    domains.extend(["example.com", "paypal.co", "a-b.co.uk", "xn--pple-43d.com", "shop.example.org", "gov.uk"]);
    for domain in domains {
        let alone = Protected::new([domain]);
        for host in [domain.to_owned(), format!("www.{domain}"), format!("a.b.{domain}"), domain.to_uppercase()] {
            assert_eq!(alone.imitates(&host), None, "{host} vs itself");
            assert_eq!(imitates(&host, &[domain]), None, "{host} vs itself");
        }
    }
}

#[test]
fn the_more_specific_protected_domain_wins() {
    let both = Protected::new(["gov.uk", "hmrc.gov.uk"]);
    let found = both.imitates("hmrc-gov-uk.com").unwrap();
    assert_eq!(found.protected, "hmrc.gov.uk");
    let found = both.imitates("gov-uk-payments.com").unwrap();
    assert_eq!(found, Match { protected: "gov.uk".into(), imitation: Imitation::Contains });
}

#[test]
fn allow_list_silences_a_known_good_domain() {
    let protected = Protected::new(["paypal.com"]);
    assert!(protected.imitates("paypal-partners.com").is_some());
    let allowed = protected.allow(["paypal-partners.com"]);
    assert_eq!(allowed.imitates("paypal-partners.com"), None);
    assert_eq!(allowed.imitates("www.paypal-partners.com"), None);
}

#[test]
fn hostile_input_does_not_panic() {
    let long = "a".repeat(5000);
    let long_host = format!("{long}.paypal.com.{long}.net");
    for host in [
        "",
        ".",
        "..",
        "-",
        "a..b",
        "xn--",
        "xn--zz.com",
        "\u{FFFD}.com",
        "[::1]",
        "1.2.3.4",
        "a.b.c.d.e.f.g.h",
        "-.-",
        "--.co.uk",
        "..co.uk",
        "a.-.com",
        "ǀǀ.com",
        "\u{0301}.com",
        "🦀.uk",
        "a b.com",
        "%41.com",
        &long,
        &long_host,
    ] {
        let _ = check(host);
        let _ = registrable(host);
        let _ = mixed_script_or_punycode(host);
        let _ = skeleton(host);
    }
    assert!(Protected::new(["", ".", "1.2.3.4", "com"]).imitates("paypal.com").is_none());
}
