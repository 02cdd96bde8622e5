use super::*;

const MIXED: &str = "From: \"Accounts\" <accounts@supplier.example>\r\n\
Reply-To: someone@else.example\r\n\
Return-Path: <bounce@mailer.example>\r\n\
Subject: Invoice 42\r\n\
Authentication-Results: mx.office.example; dmarc=pass header.from=supplier.example\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b1\r\n\
\r\n\
--b1\r\n\
Content-Type: multipart/alternative; boundary=b2\r\n\
\r\n\
--b2\r\n\
Content-Type: text/plain\r\n\
\r\n\
See https://supplier.example/invoices/42 for details.\r\n\
--b2\r\n\
Content-Type: text/html\r\n\
\r\n\
<p>See <a href=\"https://pay.other.example/x\">supplier.example</a></p><form><input type=password></form>\r\n\
--b2--\r\n\
--b1\r\n\
Content-Type: application/pdf; name=\"invoice.pdf\"\r\n\
Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjcK\r\n\
--b1--\r\n";

#[test]
fn a_multipart_message_gives_its_sender_text_links_and_attachments() {
    let email = Email::parse(MIXED.as_bytes(), &Limits::default()).unwrap();
    let from = email.from.as_ref().unwrap();
    assert_eq!(
        (from.name.as_deref(), from.address.as_str(), from.domain()),
        (Some("Accounts"), "accounts@supplier.example", "supplier.example")
    );
    assert_eq!(email.reply_to[0].address, "someone@else.example");
    assert_eq!(email.return_path.as_deref(), Some("bounce@mailer.example"));
    assert_eq!(email.subject, "Invoice 42");
    assert_eq!(email.authentication_results.len(), 1);
    let hrefs: Vec<_> = email.links.iter().map(|l| (l.href.as_str(), l.text.as_str())).collect();
    assert!(hrefs.contains(&("https://supplier.example/invoices/42", "")), "{hrefs:?}");
    assert!(hrefs.contains(&("https://pay.other.example/x", "supplier.example")), "{hrefs:?}");
    assert_eq!(email.password_fields, 1);
    assert_eq!(email.attachments.len(), 1);
    let pdf = &email.attachments[0];
    assert_eq!(
        (pdf.name.as_deref(), pdf.content_type.as_str(), pdf.bytes.as_slice()),
        (Some("invoice.pdf"), "application/pdf", &b"%PDF-1.7\n"[..])
    );
    assert_eq!(pdf.sha256.len(), 64);
    assert_eq!(email.summary().from, "Accounts <accounts@supplier.example>");
}

#[test]
fn too_big_and_not_an_email_are_clear_errors() {
    let limits = Limits { max_message_bytes: 10, ..Limits::default() };
    assert_eq!(
        Email::parse(MIXED.as_bytes(), &limits).unwrap_err(),
        TriageError::TooLarge { size: MIXED.len(), limit: 10 }
    );
    assert!(matches!(Email::parse(b"", &Limits::default()), Err(TriageError::NotAnEmail(_))));
}

#[test]
fn ten_thousand_parts_are_read_only_up_to_the_limit() {
    let mut raw = String::from("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n");
    for n in 0..10_000 {
        raw.push_str(&format!("--x\r\nContent-Type: text/plain\r\n\r\npart {n} https://h{n}.example/\r\n"));
    }
    raw.push_str("--x--\r\n");
    let limits = Limits { max_parts: 100, max_links: 50, ..Limits::default() };
    let email = Email::parse(raw.as_bytes(), &limits).unwrap();
    assert!(email.truncated);
    assert_eq!(email.links.len(), 50);
    assert!(email.text.len() <= limits.max_text_bytes);
}

#[test]
fn forwarded_emails_are_looked_into_but_not_without_end() {
    let mut raw = String::from("Subject: inner\r\n\r\nhttps://deep.example/\r\n");
    for _ in 0..10 {
        raw = format!("From: f@w.example\r\nContent-Type: message/rfc822\r\n\r\n{raw}");
    }
    let email = Email::parse(raw.as_bytes(), &Limits::default()).unwrap();
    assert!(email.truncated);
}
