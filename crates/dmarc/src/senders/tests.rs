#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::net::IpAddr;

use super::*;

const OWN: &str = "janesmith.org.uk";

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// (reverse DNS, DKIM domain, SPF domain, expected key, expected name)
type Case = (Option<&'static str>, Option<&'static str>, Option<&'static str>, &'static str, &'static str);

fn key(ptr: Option<&str>, dkim: Option<&str>, spf: Option<&str>) -> String {
    classify(ip("192.0.2.1"), ptr, dkim, spf, OWN).key
}

#[test]
fn well_known_providers_are_recognised_from_any_of_the_three_names() {
    let table: &[Case] = &[
        (
            Some("mail-db5eur01on2100.outbound.protection.outlook.com"),
            None,
            None,
            "provider:microsoft365",
            "Microsoft 365",
        ),
        (None, Some("janesmith.onmicrosoft.com"), None, "provider:microsoft365", "Microsoft 365"),
        (Some("mail-wr1-f54.google.com"), None, None, "provider:google", "Google Workspace / Gmail"),
        (None, Some("janesmith-org-uk.20230601.gappssmtp.com"), None, "provider:google", "Google Workspace / Gmail"),
        (Some("mail-sor-f41.1e100.net."), None, None, "provider:google", "Google Workspace / Gmail"),
        (Some("mail12.suw13.mcsv.net"), None, None, "provider:mailchimp", "Mailchimp"),
        (None, None, Some("mail94.atl101.mcdlv.net"), "provider:mailchimp", "Mailchimp"),
        (None, Some("mandrillapp.com"), None, "provider:mailchimp", "Mailchimp"),
        (Some("a8-30.smtp-out.amazonses.com"), None, None, "provider:amazonses", "Amazon SES"),
        (None, None, Some("em1234.sendgrid.net"), "provider:sendgrid", "SendGrid"),
        (None, Some("mailgun.org"), None, "provider:mailgun", "Mailgun"),
        (None, None, Some("zohomail.eu"), "provider:zoho", "Zoho Mail"),
        (Some("out1-smtp.messagingengine.com"), None, None, "provider:fastmail", "Fastmail"),
        (Some("mail-4321.protonmail.ch"), None, None, "provider:proton", "Proton Mail"),
        (None, None, Some("pm-bounces.mtasv.net"), "provider:postmark", "Postmark"),
        (Some("mta-1.sparkpostmail.com"), None, None, "provider:sparkpost", "SparkPost"),
        (None, Some("cmail2.com"), None, "provider:campaignmonitor", "Campaign Monitor"),
        (None, None, Some("bounces.createsend.com"), "provider:campaignmonitor", "Campaign Monitor"),
        (None, Some("s7.exacttarget.com"), None, "provider:salesforcemc", "Salesforce Marketing Cloud"),
        (None, Some("nationbuilder.com"), None, "provider:nationbuilder", "NationBuilder"),
        (None, None, Some("notifications.service.gov.uk"), "provider:govuknotify", "GOV.UK Notify"),
        (Some("mx1.parliament.uk"), None, None, "provider:parliament", "UK Parliament mail"),
        (Some("SMTP.Yahoo.COM"), None, None, "provider:yahoo", "Yahoo Mail"),
    ];
    for (ptr, dkim, spf, want_key, want_name) in table {
        let id = classify(ip("192.0.2.1"), *ptr, *dkim, *spf, OWN);
        assert_eq!((id.key.as_str(), id.name.as_str()), (*want_key, *want_name), "{ptr:?} {dkim:?} {spf:?}");
        assert_eq!(id.provider, want_key.strip_prefix("provider:"));
    }
}

#[test]
fn suffixes_match_whole_labels_only() {
    // "notoutlook.com" is not outlook.com; "cmail.com" has no digits; "cmail2x.com" has more.
    assert_eq!(key(Some("mx.notoutlook.com"), None, None), "domain:notoutlook.com");
    assert_eq!(key(None, Some("cmail.com"), None), "ip:192.0.2.1");
    assert_eq!(key(None, Some("cmail2x.com"), None), "ip:192.0.2.1");
    assert!(match_host("outlook.com").is_some());
    assert!(match_host("com").is_none());
}

#[test]
fn reverse_dns_wins_over_the_signing_domain() {
    // Google relaying mail signed by Mailchimp: the machine that sent it is Google's.
    assert_eq!(key(Some("mail-wr1-f54.google.com"), Some("mcsv.net"), None), "provider:google");
}

#[test]
fn own_servers_need_both_reverse_dns_and_authentication_under_the_own_domain() {
    let own = classify(ip("198.51.100.7"), Some("mail.janesmith.org.uk"), Some("janesmith.org.uk"), None, OWN);
    assert_eq!((own.key.as_str(), own.name.as_str()), ("own", "Your own mail servers"));
    assert_eq!(key(Some("smtp.janesmith.org.uk"), None, Some("bounce.janesmith.org.uk")), "own");
    // Authenticated for the own domain, but the machine is someone else's.
    assert_eq!(key(Some("relay.hosting.example.net"), Some("janesmith.org.uk"), None), "domain:example.net");
    // The machine's name is under the own domain, but nothing authenticated for it.
    assert_eq!(key(Some("mail.janesmith.org.uk"), Some("spoof.example"), None), "domain:janesmith.org.uk");
    // No reverse DNS: SPF for the own domain alone is not enough.
    assert_eq!(key(None, None, Some("janesmith.org.uk")), "ip:192.0.2.1");
}

#[test]
fn unknown_senders_group_by_organisational_domain_of_reverse_dns() {
    let id = classify(ip("203.0.113.9"), Some("host-81-2-3-4.static.isp.co.uk"), None, None, OWN);
    assert_eq!((id.key.as_str(), id.name.as_str()), ("domain:isp.co.uk", "isp.co.uk (reverse DNS)"));
    assert_eq!(id.provider, None);
    assert_eq!(key(Some("mail.example.net"), None, None), "domain:example.net");
    assert_eq!(key(Some("localhost"), None, None), "domain:localhost");
}

#[test]
fn without_any_name_the_ip_is_the_sender() {
    let id = classify(ip("2001:db8::1"), None, Some("someone.example"), Some(" "), OWN);
    assert_eq!((id.key.as_str(), id.name.as_str()), ("ip:2001:db8::1", "Unknown sender 2001:db8::1"));
    assert_eq!(key(Some(""), None, None), "ip:192.0.2.1");
}

#[test]
fn organisational_domain_uses_the_small_suffix_list() {
    let table = [
        ("mail.example.com", "example.com"),
        ("example.com", "example.com"),
        ("com", "com"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("example.co.uk", "example.co.uk"),
        ("co.uk", "co.uk"),
        ("www.council.gov.uk", "council.gov.uk"),
        ("smtp.firm.com.au", "firm.com.au"),
        ("x.y.shop.co.jp", "shop.co.jp"),
        // Not in the list: approximate, treated as two labels.
        ("a.b.example.gv.at", "gv.at"),
    ];
    for (name, want) in table {
        assert_eq!(organisational_domain(name), want, "{name}");
    }
}

#[test]
fn every_provider_is_found_by_its_id_and_each_suffix() {
    for p in PROVIDERS {
        assert_eq!(provider(p.id).map(|found| found.name), Some(p.name));
        for suffix in p.suffixes {
            let host = format!("x.{}", suffix.replace('#', "7"));
            assert_eq!(match_host(&host).map(|found| found.id), Some(p.id), "{host}");
        }
    }
    assert!(provider("nobody").is_none());
}
