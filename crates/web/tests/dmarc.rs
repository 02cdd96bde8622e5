//! The DMARC report pages: an office that has taken in aggregate and TLS
//! reports sees who sends as its domain, day by day, with charts drawn on
//! the server and the same numbers in tables; a sender's own page says what
//! to fix; anyone in the office may look, only managers change whether
//! failure reports are kept; another office sees nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use axum::http::StatusCode;
use common::{Browser, Page, Site, config, site_without_mail};
use portcullis_app::Actor;
use portcullis_app::dmarc::{IngestStatus, Input};
use portcullis_types::{Clock as _, OfficeId, Role};

const DOMAIN: &str = "jane-smith.test";
const DAY: i64 = 86_400;
/// Microsoft 365, signing and sending for the domain: all mail passes.
const M365_IP: &str = "192.0.2.10";
/// Mailchimp, signing with its own domain: all mail fails DMARC.
const MAILCHIMP_IP: &str = "198.51.100.7";

/// Midnight UTC at the start of the site clock's day.
fn today(site: &Site) -> i64 {
    site.clock.now().unix_seconds().div_euclid(DAY) * DAY
}

/// One `<record>`: `count` messages from `ip`, aligned (signed and sent as
/// the domain) or not (signed and sent as Mailchimp's own domain).
fn record(ip: &str, count: u64, aligned: bool) -> String {
    let (verdict, signer, selector) = if aligned { ("pass", DOMAIN, "selector1") } else { ("fail", "mcsv.net", "k1") };
    format!(
        "<record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>\
         <disposition>none</disposition><dkim>{verdict}</dkim><spf>{verdict}</spf></policy_evaluated></row>\
         <identifiers><header_from>{DOMAIN}</header_from></identifiers><auth_results>\
         <dkim><domain>{signer}</domain><selector>{selector}</selector><result>pass</result></dkim>\
         <spf><domain>{signer}</domain><result>pass</result></spf></auth_results></record>"
    )
}

/// An RFC 7489 aggregate report from `org` for the day starting `begin`.
fn aggregate(id: &str, org: &str, begin: i64, records: &[String]) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback><report_metadata><org_name>{org}</org_name>\
         <email>noreply-dmarc@reporter.example</email><report_id>{id}</report_id><date_range><begin>{begin}</begin>\
         <end>{end}</end></date_range></report_metadata><policy_published><domain>{DOMAIN}</domain><adkim>r</adkim>\
         <aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>{records}</feedback>",
        end = begin + DAY - 1,
        records = records.concat(),
    )
    .into_bytes()
}

/// An RFC 8460 TLS report for the day starting `begin`: one STS policy with
/// expired-certificate failures.
fn tls_report(begin: i64) -> Vec<u8> {
    let date = |secs: i64| {
        portcullis_types::Timestamp::from_unix_micros(secs * 1_000_000).unwrap().to_rfc3339().replace(".000000", "")
    };
    serde_json::json!({
        "organization-name": "Company-X",
        "date-range": { "start-datetime": date(begin), "end-datetime": date(begin + DAY - 1) },
        "contact-info": "sts-reporting@company-x.example",
        "report-id": "tls-report-1",
        "policies": [{
            "policy": {
                "policy-type": "sts",
                "policy-string": ["version: STSv1", "mode: testing", "mx: mx1.jane-smith.test", "max_age: 86400"],
                "policy-domain": DOMAIN,
                "mx-host": ["mx1.jane-smith.test"]
            },
            "summary": { "total-successful-session-count": 5326, "total-failure-session-count": 303 },
            "failure-details": [{
                "result-type": "certificate-expired",
                "sending-mta-ip": "203.0.113.9",
                "receiving-mx-hostname": "mx1.jane-smith.test",
                "receiving-ip": "192.0.2.25",
                "failed-session-count": 303
            }]
        }]
    })
    .to_string()
    .into_bytes()
}

/// An RFC 6591 failure report about Mailchimp's mail, with a subject and a
/// person's address that must never reach a page.
fn failure_report() -> Vec<u8> {
    format!(
        "From: DMARC Reports <reports@receiver.example>\r\nSubject: report\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain\r\n\r\nA report.\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\n\
         Feedback-Type: auth-failure\r\nUser-Agent: test/1.0\r\nVersion: 1\r\n\
         Original-Mail-From: <bounce-person@mcsv.net>\r\nOriginal-Rcpt-To: <private.person@{DOMAIN}>\r\n\
         Arrival-Date: Sun, 23 Nov 2025 10:00:00 +0000\r\nSource-IP: {MAILCHIMP_IP}\r\nReported-Domain: {DOMAIN}\r\n\
         Auth-Failure: dmarc\r\nDelivery-Result: delivered\r\nDKIM-Domain: mcsv.net\r\nDKIM-Selector: k1\r\n\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: Someone <someone.private@{DOMAIN}>\r\n\
         Subject: a secret subject\r\n\r\n--b--\r\n"
    )
    .into_bytes()
}

async fn ingest(site: &Site, office: OfficeId, name: &str, bytes: Vec<u8>) -> IngestStatus {
    let input = Input::Bytes { name: name.to_owned(), bytes };
    let outcomes = site.app.ingest_reports(office, vec![input], Box::new(|_| {})).await.unwrap();
    site.app.finish_ingest(office, &Actor::Cli, &outcomes).await.unwrap();
    outcomes[0].status
}

/// An office with reports over 30 days: Microsoft 365 sends 95 messages
/// that pass, Mailchimp 30 that fail (125 in all, 76% passing); one
/// reporter's name has markup in it; one TLS report found failures.
async fn reported_office(site: &Site, name: &str) -> OfficeId {
    let office = site.app.create_office(name, false, &Actor::Cli).await.unwrap().id;
    let today = today(site);
    let names = [
        (M365_IP.parse().unwrap(), Some("mail-db3.outbound.protection.outlook.com".to_owned())),
        (MAILCHIMP_IP.parse().unwrap(), Some("mail7.mcsv.net".to_owned())),
    ];
    site.app.store().cache_names(&names, site.clock.now()).await.unwrap();
    let reports = [
        ("old", "google.com", today - 29 * DAY, vec![record(M365_IP, 5, true)]),
        ("a", "google.com", today - 2 * DAY, vec![record(M365_IP, 50, true), record(MAILCHIMP_IP, 20, false)]),
        (
            "b",
            "Reporter &lt;b&gt;Org&lt;/b&gt;",
            today - DAY,
            vec![record(M365_IP, 40, true), record(MAILCHIMP_IP, 10, false)],
        ),
    ];
    for (id, org, begin, records) in reports {
        let status = ingest(site, office, &format!("{id}.xml"), aggregate(id, org, begin, &records)).await;
        assert_eq!(status, IngestStatus::Ingested, "{id}");
    }
    assert_eq!(ingest(site, office, "tls.json", tls_report(today - 2 * DAY)).await, IngestStatus::Ingested);
    office
}

/// The SVG chart whose ids start `id`.
fn chart<'a>(page: &'a Page, id: &str) -> &'a str {
    let label = page.body.find(&format!("aria-labelledby=\"{id}-title {id}-desc\"")).expect(id);
    let start = page.body[..label].rfind("<svg").unwrap();
    let end = start + page.body[start..].find("</svg>").unwrap();
    &page.body[start..end]
}

fn ok(page: &Page) {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

#[tokio::test]
async fn a_domain_with_reports_shows_readiness_totals_charts_senders_and_tls_failures() {
    let site = site_without_mail(config()).await;
    let office = reported_office(&site, "Office of Jane Smith MP").await;
    let (mut caseworker, _) = site.signed_in_as(Role::Caseworker, Some(office), "Kim Lee").await;

    let list = caseworker.get("/dmarc").await;
    ok(&list);
    assert!(list.body.contains(r#"href="/dmarc/jane-smith.test""#), "{}", list.body);
    assert!(list.body.contains(">125<") && list.body.contains(">3<"), "messages and reports");
    assert!(list.body.contains("24 November 2025"), "the newest report ended yesterday");
    assert!(list.body.contains(r#"href="/dmarc">DMARC reports</a>"#), "linked from the navigation");
    assert!(!list.body.contains("Save settings"), "only managers change settings");

    let page = caseworker.get("/dmarc/jane-smith.test").await;
    ok(&page);
    page.assert_security_headers();
    let body = &page.body;
    // The verdict comes first: Mailchimp's failing mail must be fixed.
    let verdict = body.find("Fix senders first").expect("verdict");
    assert!(verdict < body.find("Messages per day").unwrap());
    assert!(body.contains("Fix these first") && body.contains("Mailchimp: 30 messages, 30 failing DMARC"));
    // Totals.
    assert!(body.contains(">125<") && body.contains(">76%<"), "messages and DMARC pass rate");
    // Chart 1: one bar per day of the 30, three with mail, two with failures.
    let volume = chart(&page, "chart-volume");
    assert_eq!(volume.matches("class=\"pc-chart__bar\"").count(), 30);
    assert_eq!(volume.matches("data-series=\"passed\"").count(), 3);
    assert_eq!(volume.matches("data-series=\"failed\"").count(), 2);
    assert!(volume.contains("<title id=\"chart-volume-title\">Messages per day</title>"));
    // Chart 2: a dot for each of the three days with mail; the gap between
    // the oldest day and the last two leaves one joined line.
    let rate = chart(&page, "chart-rate");
    assert_eq!(rate.matches("class=\"pc-chart__point\"").count(), 3);
    assert_eq!(rate.matches("<polyline").count(), 1);
    assert!(rate.contains(": 80%</title>") && rate.contains(": 100%</title>"), "{rate}");
    // Chart 3: both senders, their status in words as well as colour.
    let senders = chart(&page, "chart-senders");
    assert_eq!(senders.matches("class=\"pc-chart__bar\"").count(), 2);
    assert!(senders.contains("95 · aligned") && senders.contains("30 · failing"));
    // The numbers behind the charts, as tables.
    assert!(body.contains("Messages per day as a table") && body.contains("<th scope=\"row\">23 November 2025</th>"));
    assert!(body.contains("Top senders as a table"));
    // The senders table, each linking to its own page.
    assert!(
        body.contains(r#"href="/dmarc/jane-smith.test/sender?key=provider%3Amailchimp&amp;days=30">Mailchimp</a>"#)
    );
    assert!(body.contains(">Microsoft 365</a>") && body.contains(">24%<") && body.contains("pc-tag--red\">Failing"));
    // Reporter names are text, never markup.
    assert!(body.contains("Reporter &#60;b&#62;Org") || body.contains("Reporter &lt;b&gt;Org"), "escaped");
    assert!(!body.contains("<b>Org</b>"));
    // TLS failures.
    assert!(body.contains("Company-X") && body.contains("certificate-expired"));
    assert!(body.contains("mx1.jane-smith.test") && body.contains("203.0.113.9") && body.contains("5,326 succeeded"));
    // Failure reports are not kept, so there is no such section.
    assert!(!body.contains("These reports are redacted"));
    assert!(!body.contains("style=") && !body.contains("<script"), "nothing the CSP would block");

    // A shorter period: seven bars.
    let week = caseworker.get("/dmarc/jane-smith.test?days=7").await;
    ok(&week);
    assert_eq!(chart(&week, "chart-volume").matches("class=\"pc-chart__bar\"").count(), 7);
    assert!(week.body.contains(r#"aria-current="page">Last 7 days"#));
    // Periods that make no sense are brought within bounds.
    let garbled = caseworker.get("/dmarc/jane-smith.test?days=lots").await;
    assert_eq!(chart(&garbled, "chart-volume").matches("class=\"pc-chart__bar\"").count(), 30);
    let zero = caseworker.get("/dmarc/Jane-Smith.test.?days=0").await;
    assert_eq!(chart(&zero, "chart-volume").matches("class=\"pc-chart__bar\"").count(), 1);
}

#[tokio::test]
async fn a_sender_page_lists_its_machines_and_says_what_to_fix() {
    let site = site_without_mail(config()).await;
    let office = reported_office(&site, "Office of Jane Smith MP").await;
    let (mut staff, _) = site.signed_in_as(Role::Readonly, Some(office), "Kim Lee").await;

    let page = staff.get("/dmarc/jane-smith.test/sender?key=provider%3Amailchimp&days=30").await;
    ok(&page);
    let body = &page.body;
    assert!(body.contains("<h1 class=\"pc-heading-xl\">Mailchimp</h1>") && body.contains("Failing"));
    assert!(body.contains(MAILCHIMP_IP) && body.contains("mail7.mcsv.net"), "its machine and that machine's name");
    assert!(body.contains("<code>mcsv.net</code>") && body.contains("<code>k1</code>"), "signed with its own domain");
    assert!(body.contains("What to change") && body.contains("What to do:"), "advice from the readiness rules");
    assert!(body.contains("Delivered</dt>"), "what receivers did");
    assert!(body.contains(r#"href="/dmarc/jane-smith.test?days=30""#), "back to the dashboard");

    let good = staff.get("/dmarc/jane-smith.test/sender?key=provider%3Amicrosoft365").await;
    ok(&good);
    assert!(good.body.contains(M365_IP) && good.body.contains("Aligned") && !good.body.contains("What to change"));
    assert!(good.body.contains("<code>selector1</code>"));

    for path in [
        "/dmarc/jane-smith.test/sender?key=provider%3Anobody",
        "/dmarc/jane-smith.test/sender",
        "/dmarc/other.test/sender?key=provider%3Amailchimp",
    ] {
        assert_eq!(staff.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn an_office_without_reports_is_told_how_to_get_them() {
    let site = site_without_mail(config()).await;
    let office = site.app.create_office("Office of Jane Smith MP", false, &Actor::Cli).await.unwrap().id;
    let (mut manager, _) = site.signed_in_as(Role::Manager, Some(office), "Sam Okafor").await;

    let page = manager.get("/dmarc").await;
    ok(&page);
    assert!(page.body.contains("No reports yet") && page.body.contains("rua=mailto:"));
    assert!(page.body.contains("portcullis dmarc ingest FILES") && page.body.contains("portcullis dmarc fetch --imap"));
    assert!(page.body.contains("does not keep DMARC failure reports"));
    assert_eq!(manager.get("/dmarc/jane-smith.test").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn other_offices_see_nothing_and_only_managers_change_settings() {
    let site = site_without_mail(config()).await;
    let office = reported_office(&site, "Office of Jane Smith MP").await;
    let (mut caseworker, _) = site.signed_in_as(Role::Caseworker, Some(office), "Kim Lee").await;
    let list = caseworker.get("/dmarc").await;
    let refused = caseworker
        .post(
            "/dmarc/settings",
            &[("csrf", &Browser::csrf(&list)), ("keep_failure_reports", "yes"), ("failure_retention_days", "30")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!site.app.dmarc_settings(office).await.unwrap().keep_failure_reports);

    let theirs = site.app.create_office("Office of Bo Other MP", false, &Actor::Cli).await.unwrap().id;
    let (mut other, _) = site.signed_in_as(Role::Manager, Some(theirs), "Bo Other").await;
    let their_list = other.get("/dmarc").await;
    ok(&their_list);
    assert!(!their_list.body.contains(DOMAIN) && their_list.body.contains("No reports yet"));
    assert_eq!(other.get("/dmarc/jane-smith.test").await.status, StatusCode::NOT_FOUND);
    let sender = other.get("/dmarc/jane-smith.test/sender?key=provider%3Amailchimp").await;
    assert_eq!(sender.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_manager_keeps_failure_reports_and_sees_them_redacted() {
    let site = site_without_mail(config()).await;
    let office = reported_office(&site, "Office of Jane Smith MP").await;
    let (mut manager, _) = site.signed_in_as(Role::Manager, Some(office), "Sam Okafor").await;
    // Off by default: a failure report is turned away.
    assert_eq!(ingest(&site, office, "failure.eml", failure_report()).await, IngestStatus::Error);

    let list = manager.get("/dmarc").await;
    assert!(list.body.contains("Save settings") && list.body.contains(r#"value="no" checked"#), "{}", list.body);
    // Without the form's token, nothing changes.
    let forged =
        manager.post("/dmarc/settings", &[("keep_failure_reports", "yes"), ("failure_retention_days", "30")]).await;
    forged.assert_form_expired();
    assert!(!site.app.dmarc_settings(office).await.unwrap().keep_failure_reports);

    let csrf = Browser::csrf(&list);
    for (keep, days, says) in [
        ("yes", "0", "Enter a number of days from 1 to 365"),
        ("yes", "a month", "Enter the number of days as a whole number, like 30"),
        ("", "", "Select whether to keep DMARC failure reports"),
    ] {
        let page = manager
            .post(
                "/dmarc/settings",
                &[("csrf", &csrf), ("keep_failure_reports", keep), ("failure_retention_days", days)],
            )
            .await;
        ok(&page);
        assert!(page.body.contains(says), "{keep} {days}: {}", page.body);
        assert!(page.body.contains("<title>Error: DMARC reports"), "the title says so");
        assert!(page.body.contains("There is a problem") && page.body.contains("pc-error-message"));
    }
    assert!(!site.app.dmarc_settings(office).await.unwrap().keep_failure_reports);

    let saved = manager
        .post("/dmarc/settings", &[("csrf", &csrf), ("keep_failure_reports", "yes"), ("failure_retention_days", "30")])
        .await;
    saved.assert_redirect("/dmarc");
    let after = manager.get(saved.location()).await;
    assert!(after.body.contains("Your failure report settings have been saved."));
    assert!(
        after.body.contains("deletes each one 30 days after it arrives")
            && after.body.contains(r#"value="yes" checked"#)
    );
    let settings = site.app.dmarc_settings(office).await.unwrap();
    assert!(settings.keep_failure_reports && settings.failure_retention_days == 30);
    assert!(site.audit_actions(office).await.contains(&"dmarc.settings_changed".to_owned()));

    let empty = manager.get("/dmarc/jane-smith.test").await;
    assert!(empty.body.contains("These reports are redacted") && empty.body.contains("No failure reports about"));

    assert_eq!(ingest(&site, office, "failure.eml", failure_report()).await, IngestStatus::Ingested);
    let page = manager.get("/dmarc/jane-smith.test").await;
    ok(&page);
    let body = &page.body;
    assert!(body.contains("These reports are redacted") && body.contains("deleted 30 days after it"));
    assert!(body.contains(MAILCHIMP_IP) && body.contains("delivered") && body.contains("mcsv.net (selector k1)"));
    assert!(body.contains("25 December 2025"), "the day it will be deleted");
    assert!(!body.contains("secret subject") && !body.contains("private.person") && !body.contains("bounce-person"));

    // Turning them off again hides the section.
    let list = manager.get("/dmarc").await;
    let off = manager
        .post(
            "/dmarc/settings",
            &[("csrf", &Browser::csrf(&list)), ("keep_failure_reports", "no"), ("failure_retention_days", "30")],
        )
        .await;
    off.assert_redirect("/dmarc");
    assert!(!manager.get("/dmarc/jane-smith.test").await.body.contains("These reports are redacted"));
}
