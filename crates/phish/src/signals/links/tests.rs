use super::*;
use crate::message::Mailbox;

fn codes_for(links: &[(&str, &str)]) -> Vec<(&'static str, i8)> {
    let email = Email {
        from: Some(Mailbox { name: None, address: "news@sender.example".into() }),
        links: links.iter().map(|(h, t)| Link { href: (*h).into(), text: (*t).into() }).collect(),
        ..Email::default()
    };
    let protected = Protected::new(crate::brands::protected_domains());
    let mut reasons = Vec::new();
    check(&email, &protected, &mut reasons);
    reasons.iter().map(|r| (r.code, r.weight)).collect()
}

#[test]
fn a_link_showing_a_brand_but_going_elsewhere_is_strong() {
    assert_eq!(codes_for(&[("https://login.evil.example/a", "www.paypal.com")]), vec![("link_text_mismatch", 55)]);
    assert_eq!(codes_for(&[("https://other.example/a", "www.sender.example")]), vec![("link_text_mismatch", 25)]);
    assert_eq!(
        codes_for(&[("https://x.list-manage.com/track", "www.other.example")]),
        vec![("link_text_mismatch", 10)]
    );
}

#[test]
fn matching_text_plain_words_and_subdomains_are_fine() {
    assert!(codes_for(&[("https://www.sender.example/page", "sender.example")]).is_empty());
    assert!(codes_for(&[("https://www.sender.example/page", "Read more")]).is_empty());
    assert!(codes_for(&[("https://docs.sender.example/", "https://sender.example")]).is_empty());
}

#[test]
fn raw_addresses_scripts_shorteners_and_free_hosting_are_named() {
    assert_eq!(codes_for(&[("http://192.0.2.7/login", "")]), vec![("ip_link", 45)]);
    assert_eq!(codes_for(&[("javascript:alert(1)", "click")]), vec![("script_link", 60)]);
    assert_eq!(codes_for(&[("https://bit.ly/abc", "")]), vec![("shortener_link", 20)]);
    assert_eq!(codes_for(&[("https://secure-login-7.web.app/", "")]), vec![("free_hosting_link", 30)]);
}

#[test]
fn safe_links_are_unwrapped_to_their_real_destination() {
    let wrapped = "https://eur01.safelinks.protection.outlook.com/?url=http%3A%2F%2F198.51.100.4%2Fx&data=1";
    assert_eq!(codes_for(&[(wrapped, "")]), vec![("ip_link", 45)]);
    let google = "https://www.google.com/url?q=https://bit.ly/zz&sa=D";
    assert_eq!(codes_for(&[(google, "")]), vec![("shortener_link", 20)]);
}

#[test]
fn look_alike_hosts_are_named() {
    let found = codes_for(&[("https://paypa1.com/signin", "")]);
    assert_eq!(found, vec![("lookalike_link", 65)]);
}

#[test]
fn a_password_box_is_a_reason_of_its_own() {
    let email = Email { password_fields: 1, ..Email::default() };
    let mut reasons = Vec::new();
    check(&email, &Protected::new(["example.org"]), &mut reasons);
    assert_eq!(reasons[0].code, "password_form");
}

#[test]
fn a_link_from_a_qr_code_is_said_once_and_its_host_judged_as_usual() {
    let hrefs = ["https://secure-login-7.web.app/", "https://bit.ly/abc"];
    let email = Email {
        links: hrefs.iter().map(|h| Link { href: (*h).into(), text: String::new() }).collect(),
        qr_links: hrefs.iter().map(|h| (*h).to_owned()).collect(),
        ..Email::default()
    };
    let mut reasons = Vec::new();
    check(&email, &Protected::new(crate::brands::protected_domains()), &mut reasons);
    let codes: Vec<_> = reasons.iter().map(|r| (r.code, r.weight)).collect();
    assert_eq!(codes, vec![("free_hosting_link", 30), ("shortener_link", 20), ("qr_code_link", 35)]);
    assert!(
        reasons[2].explanation.contains("QR code that leads to secure-login-7.web.app"),
        "{}",
        reasons[2].explanation
    );
}

#[test]
fn a_qr_code_holding_nothing_readable_is_not_a_reason() {
    let email = Email { qr_links: vec!["https://".into()], ..Email::default() };
    let mut reasons = Vec::new();
    check(&email, &Protected::new(crate::brands::protected_domains()), &mut reasons);
    assert!(reasons.is_empty(), "{reasons:?}");
}
