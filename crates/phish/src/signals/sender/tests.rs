use super::*;
use crate::signals::auth::Outcome;

fn codes(
    name: Option<&str>,
    address: &str,
    reply_to: Option<&str>,
    office: &Office,
    auth: AuthView,
) -> Vec<(&'static str, i8)> {
    let email = Email {
        from: Some(Mailbox { name: name.map(str::to_owned), address: address.into() }),
        from_count: 1,
        reply_to: reply_to.map(|r| vec![Mailbox { name: None, address: r.into() }]).unwrap_or_default(),
        ..Email::default()
    };
    let protected = crate::protected_for(office);
    let mut reasons = Vec::new();
    check(&email, office, &auth, &protected, &mut reasons);
    reasons.iter().map(|r| (r.code, r.weight)).collect()
}

fn plain(name: Option<&str>, address: &str) -> Vec<(&'static str, i8)> {
    codes(name, address, None, &Office::default(), AuthView::default())
}

#[test]
fn a_brand_name_on_someone_elses_address_is_impersonation() {
    assert_eq!(
        plain(Some("HMRC Online"), "refunds@tax-help.example"),
        vec![("brand_impersonation", 55), ("name_unrelated", 25)]
    );
    assert_eq!(plain(Some("PayPal Service"), "paypal.service@gmail.com"), vec![("brand_impersonation", 65)]);
    assert!(plain(Some("HMRC"), "noreply@tax.service.gov.uk").is_empty());
}

#[test]
fn look_alike_and_broken_sender_domains_are_named() {
    assert_eq!(plain(None, "security@rnicrosoft.com"), vec![("lookalike_sender", 75)]);
    assert_eq!(plain(None, "avisos@135261rctaregular"), vec![("malformed_sender", 45)]);
    assert_eq!(plain(None, "x@%atendimentos.net"), vec![("malformed_sender", 45)]);
    assert_eq!(
        plain(None, "noreply@base3-33708.firebaseapp.com"),
        vec![("odd_sender_domain", 20), ("free_hosting_sender", 50)]
    );
}

#[test]
fn names_that_show_another_address_or_site_are_named() {
    assert_eq!(plain(Some("support@bank.example"), "x@other.example"), vec![("display_name_address", 45)]);
    assert_eq!(
        plain(Some("CarShield.com"), "join@news.universr.org"),
        vec![("display_name_domain", 35), ("name_unrelated", 25)]
    );
    assert_eq!(plain(Some("IT Helpdesk"), "helpdesk.team@outlook.com"), vec![("freemail_organisation", 35)]);
}

#[test]
fn replies_diverted_to_webmail_are_named() {
    let found =
        codes(None, "ceo@company.example", Some("ceo.private@gmail.com"), &Office::default(), AuthView::default());
    assert_eq!(found, vec![("reply_to_mismatch", 25)]);
}

#[test]
fn the_mps_name_from_outside_the_office_is_named_but_known_senders_are_trusted() {
    let office = Office {
        domains: vec!["office.example".into()],
        people: vec!["jane smith mp".into()],
        known_senders: vec!["supplier.example".into()],
        ..Office::default()
    };
    let none = AuthView::default();
    assert_eq!(
        codes(Some("Jane Smith MP"), "jane.smith.mp@gmail.com", None, &office, none),
        vec![("office_person_impersonation", 50)]
    );
    assert!(codes(Some("Jane Smith MP"), "jane@office.example", None, &office, none).is_empty());
    let genuine = AuthView { trusted: true, dmarc: Outcome::Pass, ..AuthView::default() };
    assert_eq!(codes(None, "billing@supplier.example", None, &office, genuine), vec![("known_sender", -40)]);
    assert!(codes(None, "billing@supplier.example", None, &office, none).is_empty());
}

#[test]
fn no_sender_at_all_is_a_reason() {
    let email = Email::default();
    let mut reasons = Vec::new();
    check(&email, &Office::default(), &AuthView::default(), &Protected::new(["example.org"]), &mut reasons);
    assert_eq!(reasons[0].code, "no_sender");
}

#[test]
fn a_name_that_has_nothing_to_do_with_the_address_is_a_hint() {
    assert_eq!(plain(Some("Ledger"), "rodrigo@tradestars.example"), vec![("name_unrelated", 25)]);
    assert_eq!(plain(Some("Robert Elz"), "kre@munnari.example"), vec![("name_unrelated", 10)]);
    assert!(plain(Some("Mary Jones"), "mary.jones1957@gmail.com").is_empty());
    assert!(plain(Some("John Smith"), "jsmith@company.example").is_empty());
    assert!(plain(Some("Civic Renewal Weekly"), "news@civicrenewal.example").is_empty());
    assert!(plain(Some("Castlegate Print & Design"), "messaging-service@post.xero.com").is_empty());
}

#[test]
fn machine_made_local_parts_are_named_but_names_are_not() {
    let with_local = |local: &str| {
        let email = Email {
            from: Some(Mailbox { name: None, address: format!("{}@deck.example", local.to_ascii_lowercase()) }),
            from_local: local.to_owned(),
            from_count: 1,
            ..Email::default()
        };
        let mut reasons = Vec::new();
        check(
            &email,
            &Office::default(),
            &AuthView::default(),
            &crate::protected_for(&Office::default()),
            &mut reasons,
        );
        reasons.iter().map(|r| r.code).collect::<Vec<_>>()
    };
    assert_eq!(with_local("OyatvzjOY"), vec!["random_sender_name"]);
    assert_eq!(with_local("renew_uQUT7lFs9yY"), vec!["random_sender_name"]);
    assert!(with_local("JohnMcDonald").is_empty());
    assert!(with_local("mary.jones1957").is_empty());
}

#[test]
fn the_offices_own_feedback_is_weighed() {
    let office = Office {
        marked_phishing: vec!["@bad.example".into(), "fraud@mixed.example".into()],
        seen_senders: Some(vec!["constituent@mail.example".into()]),
        known_senders: vec!["supplier.example".into()],
        ..Office::default()
    };
    let none = AuthView::default();
    assert_eq!(codes(None, "anyone@bad.example", None, &office, none), vec![("office_marked_phishing", 60)]);
    assert_eq!(codes(None, "fraud@mixed.example", None, &office, none), vec![("office_marked_phishing", 60)]);
    assert_eq!(codes(None, "other@mixed.example", None, &office, none), vec![("new_sender", 10)]);
    assert!(codes(None, "constituent@mail.example", None, &office, none).is_empty());
    assert!(codes(None, "billing@supplier.example", None, &office, none).is_empty());
    // Without a history, nobody is called new.
    assert!(codes(None, "other@mixed.example", None, &Office::default(), none).is_empty());
}

#[test]
fn a_brands_address_with_bounces_elsewhere_is_named() {
    let with_bounce = |from: &str, bounce: &str| {
        let email = Email {
            from: Some(Mailbox { name: None, address: from.into() }),
            from_count: 1,
            return_path: Some(bounce.into()),
            ..Email::default()
        };
        let office = Office { domains: vec!["office.example".into()], ..Office::default() };
        let mut reasons = Vec::new();
        check(&email, &office, &AuthView::default(), &crate::protected_for(&office), &mut reasons);
        reasons.iter().map(|r| r.code).collect::<Vec<_>>()
    };
    assert_eq!(with_bounce("security@microsoft.com", "x@bulk-sender.example"), vec!["bounce_mismatch"]);
    assert_eq!(with_bounce("jane@office.example", "x@bulk-sender.example"), vec!["bounce_mismatch"]);
    // Bounces through a sending service, to the sender's own domain, or from an ordinary sender are fine.
    assert!(with_bounce("security@microsoft.com", "0100abc@eu-west-1.amazonses.com").is_empty());
    assert!(with_bounce("security@microsoft.com", "bounce@email.microsoft.com").is_empty());
    assert!(with_bounce("news@charity.example", "x@bulk-sender.example").is_empty());
}
