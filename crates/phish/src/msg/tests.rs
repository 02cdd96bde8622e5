use std::io::Write as _;

use super::*;

pub(crate) fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A `.msg` as Outlook writes one, with the streams given.
pub(crate) fn msg(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    file.create_stream("/__properties_version1.0").unwrap().write_all(&[0; 32]).unwrap();
    for (path, data) in streams {
        if let Some((dir, _)) = path.rsplit_once('/')
            && !dir.is_empty()
            && !file.exists(dir)
        {
            file.create_storage(dir).unwrap();
        }
        file.create_stream(path).unwrap().write_all(data).unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

#[test]
fn a_message_with_its_internet_headers_becomes_the_email_it_was() {
    let bytes = msg(&[
        (
            "/__substg1.0_007D001F",
            utf16(
                "From: \"HMRC\" <refunds@gmail.com>\r\nSubject: Refund\r\nContent-Type: text/plain\r\n\tcharset=x\r\n\r\n",
            ),
        ),
        ("/__substg1.0_1000001F", utf16("You are eligible for a tax refund.")),
        ("/__substg1.0_10130102", b"<a href=\"http://198.51.100.2/\">www.gov.uk</a>".to_vec()),
        ("/__attach_version1.0_#00000000/__substg1.0_37010102", b"MZ-not-really".to_vec()),
        ("/__attach_version1.0_#00000000/__substg1.0_3707001F", utf16("invoice.pdf.exe")),
    ]);
    assert!(is_msg(&bytes));
    let email =
        crate::message::Email::parse(&to_email(&bytes, &Limits::default()).unwrap(), &Limits::default()).unwrap();
    assert_eq!(email.from.as_ref().unwrap().address, "refunds@gmail.com");
    assert_eq!(email.subject, "Refund");
    assert!(email.text.contains("tax refund"), "{}", email.text);
    assert_eq!(email.links[0].href, "http://198.51.100.2/");
    assert_eq!(email.attachments[0].name.as_deref(), Some("invoice.pdf.exe"));
    assert_eq!(email.attachments[0].bytes, b"MZ-not-really");
}

#[test]
fn without_internet_headers_the_sender_and_subject_properties_are_used() {
    let bytes = msg(&[
        ("/__substg1.0_0C1A001F", utf16("IT Helpdesk\r\nBcc: x@y")),
        ("/__substg1.0_5D01001F", utf16("helpdesk@outlook.com")),
        ("/__substg1.0_0037001F", utf16("Mailbox full")),
    ]);
    let email =
        crate::message::Email::parse(&to_email(&bytes, &Limits::default()).unwrap(), &Limits::default()).unwrap();
    let from = email.from.unwrap();
    assert_eq!((from.name.as_deref(), from.address.as_str()), (Some("IT HelpdeskBcc: x@y"), "helpdesk@outlook.com"));
    assert_eq!(email.subject, "Mailbox full");
}

#[test]
fn compound_files_that_are_not_messages_and_damaged_ones_are_refused() {
    let mut other = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    other.create_stream("/WordDocument").unwrap().write_all(b"x").unwrap();
    other.flush().unwrap();
    let other = other.into_inner().into_inner();
    assert!(matches!(to_email(&other, &Limits::default()), Err(TriageError::NotAnEmail(_))));
    let mut damaged = CFB_MAGIC.to_vec();
    damaged.extend([0xff; 600]);
    assert!(matches!(to_email(&damaged, &Limits::default()), Err(TriageError::NotAnEmail(_))));
}

#[test]
fn the_whole_message_is_bounded_by_the_size_limit() {
    let bytes = msg(&[("/__substg1.0_10130102", vec![b'a'; 100_000])]);
    let limits = Limits { max_message_bytes: 1_000, ..Limits::default() };
    let email = to_email(&bytes, &limits).unwrap();
    assert!(email.len() < 3_000, "{}", email.len());
}
