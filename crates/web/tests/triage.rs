//! The phishing triage pages: someone in the office uploads a suspicious
//! email and sees the verdict, the reasons, what to do and the message made
//! harmless; their call on it is recorded; the office keeps a list of known
//! senders and names the mail server it trusts to vouch for them; nothing
//! in an email can run, load or link from our page; forms need their CSRF
//! token; another office's reports do not exist.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use axum::http::StatusCode;
use common::{Browser, Site, config, site_without_mail};
use portcullis_app::Actor;
use portcullis_types::{OfficeId, Role};

/// An HMRC look-alike asking for a password, with a link whose words and
/// destination disagree.
fn phishing_email() -> Vec<u8> {
    "From: \"HMRC Tax Refunds\" <refunds@hmrc-tax-refund.example>\r\n\
     To: jane@jane-smith.org.uk\r\n\
     Subject: Your tax refund of £824.50 is waiting\r\n\
     Date: Mon, 24 Nov 2025 09:00:00 +0000\r\n\
     MIME-Version: 1.0\r\n\
     Content-Type: text/html; charset=utf-8\r\n\r\n\
     <p>Dear customer, you are due a tax refund. Verify your account within 24 hours or it will be cancelled.</p>\r\n\
     <p><a href=\"http://192.0.2.7/hmrc/login.php\">https://www.gov.uk/claim-tax-refund</a></p>\r\n\
     <form action=\"http://192.0.2.7/post\"><input type=\"password\" name=\"pw\"></form>\r\n"
        .as_bytes()
        .to_vec()
}

/// Everything an attacker might try to run or load through the safe view.
fn hostile_email() -> Vec<u8> {
    "From: Newsletter <news@letters.example>\r\nTo: jane@jane-smith.org.uk\r\nSubject: Hostile markup\r\n\
     Date: Mon, 24 Nov 2025 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
     <script>alert('pwned')</script><style>body{display:none}</style>\
     <p onclick=\"steal()\" style=\"color:red\">Hello</p>\
     <img src=\"https://tracker.example/pixel.gif\" onerror=\"alert('img')\" alt=\"logo\">\
     <a href=\"javascript:steal()\">Open</a> <a href=\"https://evil.example/x\">Read more</a>\
     <iframe src=\"https://evil.example/frame\"></iframe>\
     <div style=\"background:url(https://tracker.example/bg.png)\">Bye</div>\r\n"
        .as_bytes()
        .to_vec()
}

async fn office_site() -> (Site, OfficeId) {
    let site = site_without_mail(config()).await;
    let office = site.app.create_office("Office of Jane Smith MP", false, &Actor::Cli).await.unwrap().id;
    (site, office)
}

async fn upload(browser: &mut Browser, name: &str, content: &[u8]) -> common::Page {
    let page = browser.get("/triage").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    browser.post_file("/triage", &[("csrf", &Browser::csrf(&page))], ("message", name, content)).await
}

#[tokio::test]
async fn a_caseworker_uploads_a_phishing_email_and_sees_why_and_what_to_do() {
    let (site, office) = office_site().await;
    let (mut kim, _) = site.signed_in_as(Role::Caseworker, Some(office), "Kim Lee").await;

    let result = upload(&mut kim, "refund.eml", &phishing_email()).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    result.assert_security_headers();
    assert!(result.body.contains("This looks like phishing"), "{}", result.body);
    assert!(result.body.contains("pc-tag--red"));
    assert!(result.body.contains("Do not click any link, open any attachment or reply."), "the advice");
    assert!(result.body.contains("password"), "a reason names the password box");
    assert!(result.body.contains("This was safe") && result.body.contains("This was phishing"));
    assert!(result.body.contains("hxxp://192[.]0[.]2[.]7/hmrc/login.php"), "the real destination, defanged");
    assert!(!result.body.contains("href=\"http://192.0.2.7"), "never a live link");
    assert!(result.body.contains("only time it is shown"));
    assert!(site.audit_actions(office).await.contains(&"phish.triaged".to_owned()));

    let list = kim.get("/triage").await;
    assert!(list.body.contains("Your tax refund of £824.50 is waiting"), "{}", list.body);
    assert!(list.body.contains("refunds@hmrc-tax-refund.example") && list.body.contains("Not marked yet"));
    let id = site.app.store().phish_reports(office, 1).await.unwrap()[0].report.id.to_string();
    let again = kim.get(&format!("/triage/{id}")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains("This looks like phishing"));
    assert!(again.body.contains("does not keep the email itself") && !again.body.contains("pc-safe-view"));

    let marked =
        kim.post(&format!("/triage/{id}/outcome"), &[("csrf", &Browser::csrf(&again)), ("outcome", "phishing")]).await;
    marked.assert_redirect(&format!("/triage/{id}"));
    assert!(kim.get(&format!("/triage/{id}?done=phishing")).await.body.contains("Marked phishing"));
    assert!(site.audit_actions(office).await.contains(&"phish.marked_phishing".to_owned()));
    assert!(kim.get("/").await.body.contains(r#"href="/triage">Phishing triage</a>"#), "in the navigation");
}

#[tokio::test]
async fn hostile_markup_in_an_email_is_shown_inert() {
    let (site, office) = office_site().await;
    let (mut kim, _) = site.signed_in_as(Role::Staff, Some(office), "Kim Lee").await;
    let page = upload(&mut kim, "hostile.eml", &hostile_email()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_security_headers();
    let body = &page.body;
    let safe = body.split("pc-safe-view\">").nth(1).unwrap().split("</div>").next().unwrap();
    assert!(safe.contains("Hello") && safe.contains("Bye"), "{safe}");
    assert!(safe.contains("[image not shown: logo]"));
    assert!(safe.contains("Read more <code>[hxxps://evil[.]example/x]</code>"), "{safe}");
    assert!(safe.contains("javascript[:]steal()"));
    for bad in ["<script", "<style", "onclick", "onerror", "style=", "<img", "src=", "href", "<iframe", "alert("] {
        assert!(!safe.contains(bad), "{bad} reached the safe view: {safe}");
    }
    for bad in ["alert('pwned')", "alert('img')", "tracker.example/pixel", "href=\"javascript", "<iframe", "onerror="] {
        assert!(!body.contains(bad), "{bad} reached the page");
    }
}

#[tokio::test]
async fn uploads_and_feedback_need_the_csrf_token() {
    let (site, office) = office_site().await;
    let (mut kim, _) = site.signed_in_as(Role::Caseworker, Some(office), "Kim Lee").await;
    let page = kim.get("/triage").await;
    assert!(page.body.contains(r#"enctype="multipart/form-data""#) && page.body.contains(r#"type="file""#));

    let missing = kim.post_file("/triage", &[], ("message", "a.eml", &phishing_email())).await;
    missing.assert_form_expired();
    let wrong = kim.post_file("/triage", &[("csrf", "not-the-token")], ("message", "a.eml", &phishing_email())).await;
    wrong.assert_form_expired();
    assert!(site.app.store().phish_reports(office, 10).await.unwrap().is_empty(), "nothing triaged");

    upload(&mut kim, "a.eml", &phishing_email()).await;
    let id = site.app.store().phish_reports(office, 1).await.unwrap()[0].report.id.to_string();
    let forged = kim.post(&format!("/triage/{id}/outcome"), &[("outcome", "safe")]).await;
    forged.assert_form_expired();
    let csrf = Browser::csrf(&page);
    let cross = kim
        .post_from(
            &format!("/triage/{id}/outcome"),
            &[("csrf", &csrf), ("outcome", "safe")],
            Some("https://evil.example"),
        )
        .await;
    cross.assert_form_expired();
    assert_eq!(site.app.store().phish_reports(office, 1).await.unwrap()[0].outcome, None);
}

#[tokio::test]
async fn strangers_are_sent_to_sign_in() {
    let (site, _) = office_site().await;
    site.get("/triage").await.assert_redirect("/login");
    site.get("/triage/0f8fad5b-d9cb-469f-a165-70867728950e").await.assert_redirect("/login");
    let mut stranger = site.browser();
    stranger.post_file("/triage", &[], ("message", "a.eml", &phishing_email())).await.assert_redirect("/login");
}

#[tokio::test]
async fn an_unreadable_or_missing_file_is_explained_on_the_form() {
    let (site, office) = office_site().await;
    let (mut kim, _) = site.signed_in_as(Role::Caseworker, Some(office), "Kim Lee").await;
    let junk = upload(&mut kim, "<b>notes</b>.txt", b"just some words, no headers").await;
    assert_eq!(junk.status, StatusCode::OK);
    assert!(junk.body.contains("<title>Error: Phishing triage"), "{}", junk.body);
    assert!(junk.body.contains("is not an email") && junk.body.contains(r##"href="#message""##));
    assert!(!junk.body.contains("<b>notes") && junk.body.contains("notes&#60;/b&#62;.txt"), "escaped: {}", junk.body);
    let none = upload(&mut kim, "", b"").await;
    assert!(none.body.contains("Select an email file (.eml or .msg) to check"), "{}", none.body);
    assert!(site.app.store().phish_reports(office, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_manager_keeps_the_known_senders_and_read_only_staff_only_read() {
    let (site, office) = office_site().await;
    let (mut sam, _) = site.signed_in_as(Role::Manager, Some(office), "Sam Okafor").await;
    let page = sam.get("/triage").await;
    let csrf = Browser::csrf(&page);
    let added = sam
        .post("/triage/senders", &[("csrf", &csrf), ("value", "Printing.Example.co.uk"), ("note", "Printers")])
        .await;
    added.assert_redirect("/triage");
    let list = sam.get("/triage?done=sender_added").await;
    assert!(list.body.contains("printing.example.co.uk") && list.body.contains("Printers"));
    let bad = sam.post("/triage/senders", &[("csrf", &csrf), ("value", "<script>x</script>"), ("note", "")]).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains(r##"href="#value""##) && !bad.body.contains("<script>x"));

    let (mut reader, _) = site.signed_in_as(Role::Readonly, Some(office), "Rae Reader").await;
    let seen = reader.get("/triage").await;
    assert!(seen.body.contains("printing.example.co.uk"));
    assert!(!seen.body.contains(r#"type="file""#) && !seen.body.contains("Add sender"), "read-only");

    let removed = sam.post("/triage/senders/remove", &[("csrf", &csrf), ("value", "printing.example.co.uk")]).await;
    removed.assert_redirect("/triage");
    assert!(sam.get("/triage").await.body.contains("No known senders yet"));
    let actions = site.audit_actions(office).await;
    assert!(actions.contains(&"phish.sender_added".to_owned()) && actions.contains(&"phish.sender_removed".to_owned()));
}

#[tokio::test]
async fn another_offices_report_is_not_found() {
    let (site, office) = office_site().await;
    let (mut kim, _) = site.signed_in_as(Role::Caseworker, Some(office), "Kim Lee").await;
    upload(&mut kim, "a.eml", &phishing_email()).await;
    let id = site.app.store().phish_reports(office, 1).await.unwrap()[0].report.id.to_string();

    let theirs = site.app.create_office("Office of Bo Other MP", false, &Actor::Cli).await.unwrap().id;
    let (mut bo, _) = site.signed_in_as(Role::Manager, Some(theirs), "Bo Other").await;
    assert_eq!(bo.get(&format!("/triage/{id}")).await.status, StatusCode::NOT_FOUND);
    let page = bo.get("/triage").await;
    assert!(page.body.contains("No emails have been checked yet"));
    let judged =
        bo.post(&format!("/triage/{id}/outcome"), &[("csrf", &Browser::csrf(&page)), ("outcome", "safe")]).await;
    assert_eq!(judged.status, StatusCode::NOT_FOUND);
    assert_eq!(site.app.store().phish_reports(office, 1).await.unwrap()[0].outcome, None);
}

#[tokio::test]
async fn a_file_over_the_triage_limit_is_refused_with_the_limit_named() {
    let (mut site, office) = office_site().await;
    let limits = portcullis_phish::Limits { max_message_bytes: 20_000, ..portcullis_phish::Limits::default() };
    site.app = site.app.clone().with_triage_limits(limits);
    site.router = portcullis_web::router(site.app.clone(), site.config.clone());
    let (mut kim, _) = site.signed_in_as(Role::Caseworker, Some(office), "Kim Lee").await;
    let mut big = phishing_email();
    big.extend(std::iter::repeat_n(b'x', 30_000));

    let over = upload(&mut kim, "big.eml", &big).await;
    assert_eq!(over.status, StatusCode::OK);
    assert!(over.body.contains("Up to 20 KB"), "the form says the limit");
    assert!(over.body.contains("The file big.eml is 30 KB; the largest email Portcullis can check is 20 KB"));

    // Far beyond the limit, the body is not even read.
    big.extend(std::iter::repeat_n(b'x', 100_000));
    let huge = upload(&mut kim, "huge.eml", &big).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(huge.body.contains("What you sent is too large"), "{}", huge.body);
    assert!(site.app.store().phish_reports(office, 10).await.unwrap().is_empty());
}

/// The receiving mail servers the office trusts, as stored.
async fn trusted(site: &Site, office: OfficeId) -> Vec<String> {
    site.app.store().phish_knowledge(office).await.unwrap().trusted_servers
}

#[tokio::test]
async fn a_manager_names_the_offices_mail_server_and_others_only_read_it() {
    let (site, office) = office_site().await;
    let (mut sam, _) = site.signed_in_as(Role::Manager, Some(office), "Sam Okafor").await;
    let page = sam.get("/triage").await;
    assert!(page.body.contains("Your office's mail server"), "{}", page.body);
    assert!(page.body.contains("enter microsoft-365. Otherwise enter the name your mail server writes at the start"));
    assert!(
        page.body.contains(r#"action="/triage/servers""#) && page.body.contains(r#"aria-describedby="servers-hint""#)
    );
    assert!(page.body.contains("No mail server has been set yet"));
    let csrf = Browser::csrf(&page);

    sam.post("/triage/servers", &[("servers", "mx.forger.example")]).await.assert_form_expired();
    let cross = sam
        .post_from(
            "/triage/servers",
            &[("csrf", &csrf), ("servers", "mx.forger.example")],
            Some("https://evil.example"),
        )
        .await;
    cross.assert_form_expired();
    assert!(trusted(&site, office).await.is_empty(), "nothing saved without the token");

    let saved = sam.post("/triage/servers", &[("csrf", &csrf), ("servers", "Microsoft-365,\r\nmx.google.com")]).await;
    saved.assert_redirect("/triage");
    let shown = sam.get("/triage?done=servers_set").await;
    assert!(shown.body.contains("mail server setting has been saved"), "{}", shown.body);
    assert!(shown.body.contains("<li>microsoft-365</li>") && shown.body.contains("<li>mx.google.com</li>"));
    assert!(shown.body.contains(r#"value="microsoft-365, mx.google.com""#), "the box holds the current list");
    assert_eq!(trusted(&site, office).await, vec!["microsoft-365".to_owned(), "mx.google.com".to_owned()]);
    assert!(site.audit_actions(office).await.contains(&"phish.servers_set".to_owned()));

    let bad = sam.post("/triage/servers", &[("csrf", &csrf), ("servers", "mx.google.com <script>x</script>")]).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("<title>Error: Phishing triage") && bad.body.contains(r##"href="#servers""##));
    assert!(bad.body.contains("is not a mail server name") && bad.body.contains(r#"id="servers-error""#));
    assert!(!bad.body.contains("<script>x"), "escaped: {}", bad.body);
    assert_eq!(trusted(&site, office).await.len(), 2, "a bad list changes nothing");

    let (mut kim, _) = site.signed_in_as(Role::Caseworker, Some(office), "Kim Lee").await;
    let seen = kim.get("/triage").await;
    assert!(seen.body.contains("<li>microsoft-365</li>"), "others see the list");
    assert!(!seen.body.contains(r#"action="/triage/servers""#), "but get no form");
    let refused =
        kim.post("/triage/servers", &[("csrf", &Browser::csrf(&seen)), ("servers", "mx.forger.example")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(trusted(&site, office).await.len(), 2, "unchanged");

    let cleared = sam.post("/triage/servers", &[("csrf", &csrf), ("servers", "")]).await;
    cleared.assert_redirect("/triage");
    assert!(trusted(&site, office).await.is_empty(), "an empty box clears the setting");
}
