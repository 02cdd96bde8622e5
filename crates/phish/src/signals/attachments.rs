//! Attachments: files that run code when opened (scripts, shortcuts,
//! disk images, programs), HTML pages that open a fake sign-in form
//! locally, Office documents with macros, archives (which hide all of the
//! above from mail filters, especially when encrypted), and files whose
//! name lies about what they are. Judged by name and by content, never by
//! the declared content type alone (the sender writes it).

use crate::Reason;
use crate::message::{Attachment, Email};

/// Extensions that run code or mount as a drive when opened on Windows.
const DANGEROUS: &[&str] = &[
    "exe",
    "scr",
    "com",
    "pif",
    "cpl",
    "msi",
    "msp",
    "bat",
    "cmd",
    "ps1",
    "psm1",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "hta",
    "lnk",
    "url",
    "iso",
    "img",
    "vhd",
    "vhdx",
    "jar",
    "reg",
    "chm",
    "one",
    "xll",
    "appx",
    "msix",
    "appinstaller",
    "application",
    "library-ms",
    "search-ms",
    "settingcontent-ms",
    "scf",
    "inf",
    "dll",
];
/// Web pages and images that can carry script or a form.
const HTML_LIKE: &[&str] = &["html", "htm", "shtml", "xhtml", "mht", "mhtml", "svg", "svgz"];
/// Office formats that can carry macros (the `m` ones always may).
const MACRO_EXTENSIONS: &[&str] = &["docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "sldm"];
/// Archives.
const ARCHIVES: &[&str] = &["zip", "rar", "7z", "gz", "tgz", "tar", "ace", "cab", "arj", "lzh", "xz", "bz2", "z"];
/// Extensions people trust, used as the first half of a double extension.
const DOCUMENTS: &[&str] = &["pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "txt", "csv", "ppt", "pptx"];

/// "Password" in the languages locked-attachment lures arrive in.
const PASSWORD_WORDS: &[&str] =
    &["password", "passcode", "passwort", "kennwort", "senha", "contraseña", "mot de passe", "wachtwoord"];

/// Add a reason for each attachment worth one.
pub fn check(email: &Email, reasons: &mut Vec<Reason>) {
    if email.attachments.is_empty() {
        return;
    }
    let text = email.lower_text();
    let mentions_password = PASSWORD_WORDS.iter().any(|w| text.contains(w));
    for attachment in &email.attachments {
        one(attachment, mentions_password, reasons);
    }
}

fn one(attachment: &Attachment, mentions_password: bool, reasons: &mut Vec<Reason>) {
    let name = attachment.name.clone().unwrap_or_default();
    let shown = shown(&name);
    let lower = name.trim().trim_end_matches(['.', ' ']).to_ascii_lowercase();
    let (stem, ext) = lower.rsplit_once('.').map_or((lower.as_str(), ""), |(s, e)| (s, e));
    let inner = stem.rsplit_once('.').map(|(_, e)| e);
    let bytes = &attachment.bytes;
    if DANGEROUS.contains(&ext) || is_executable(bytes) {
        reasons.push(Reason::new(
            "dangerous_attachment",
            85,
            format!("The attachment {shown} is a kind of file that runs a program when opened. Do not open it."),
        ));
    }
    if inner.is_some_and(|i| DOCUMENTS.contains(&i)) && (DANGEROUS.contains(&ext) || HTML_LIKE.contains(&ext)) {
        reasons.push(Reason::new(
            "double_extension",
            60,
            format!("The attachment {shown} pretends to be a document, but its real type is .{ext}."),
        ));
    }
    if HTML_LIKE.contains(&ext) || (ext.is_empty() && attachment.content_type == "text/html") {
        reasons.push(Reason::new(
            "html_attachment",
            55,
            format!(
                "The attachment {shown} is a web page. Opened, it can show a fake sign-in page that sends your \
                 password to the attacker; genuine senders rarely attach web pages."
            ),
        ));
    }
    if MACRO_EXTENSIONS.contains(&ext) || has_macros(bytes) {
        reasons.push(Reason::new(
            "office_macro",
            65,
            format!("The document {shown} contains macros (programs). Never click 'Enable content' on it."),
        ));
    }
    if ARCHIVES.contains(&ext) || bytes.starts_with(b"PK\x03\x04") && !is_office(&lower, bytes) {
        archive(&shown, bytes, mentions_password, reasons);
    }
    if crate::pdf::is_pdf(bytes) && crate::pdf::is_encrypted(bytes) && mentions_password {
        reasons.push(Reason::new(
            "locked_document",
            50,
            format!(
                "The document {shown} is locked with a password given in the message itself. That protects \
                 nothing; it is done so that mail filters cannot look inside."
            ),
        ));
    }
    if crate::pdf::is_pdf(bytes) && contains(bytes, b"/JavaScript") {
        reasons.push(Reason::new(
            "pdf_script",
            45,
            format!("The PDF {shown} contains JavaScript, which ordinary documents do not need."),
        ));
    }
}

fn archive(shown: &str, bytes: &[u8], mentions_password: bool, reasons: &mut Vec<Reason>) {
    // Bit 0 of a zip local header's flags: the member is encrypted.
    let encrypted = bytes.starts_with(b"PK\x03\x04") && bytes.get(6).is_some_and(|flags| flags & 1 == 1);
    if encrypted {
        let weight = if mentions_password { 70 } else { 50 };
        reasons.push(Reason::new(
            "encrypted_archive",
            weight,
            format!(
                "The archive {shown} is locked with a password{}, which stops mail filters from checking \
                 what is inside.",
                if mentions_password { " given in the message" } else { "" }
            ),
        ));
    } else {
        reasons.push(Reason::new(
            "archive_attachment",
            20,
            format!("The attachment {shown} is an archive: what is inside cannot be seen until it is opened."),
        ));
    }
    let members = members(bytes);
    if members.dangerous {
        reasons.push(Reason::new(
            "dangerous_attachment",
            85,
            format!("The archive {shown} contains a file that runs a program when opened. Do not open it."),
        ));
    }
    if members.nested {
        reasons.push(Reason::new(
            "nested_archive",
            35,
            format!(
                "The archive {shown} holds another archive inside it. Packing files twice hides them from mail \
                 filters; genuine senders have no reason to."
            ),
        ));
    }
}

/// What a zip's member names say: they are in plain text in its local
/// headers, so they are read without unpacking anything.
#[derive(Debug, Default, PartialEq, Eq)]
struct Members {
    /// A member runs a program or is a web page.
    dangerous: bool,
    /// A member is itself an archive.
    nested: bool,
}

fn members(bytes: &[u8]) -> Members {
    let mut found = Members::default();
    let mut rest = bytes;
    let mut seen = 0;
    while let Some(at) = find(rest, b"PK\x03\x04") {
        seen += 1;
        if seen > 1000 {
            break;
        }
        let header = rest.get(at..).unwrap_or_default();
        let len = usize::from(u16::from_le_bytes([
            header.get(26).copied().unwrap_or(0),
            header.get(27).copied().unwrap_or(0),
        ]));
        let name = header.get(30..30 + len).unwrap_or_default();
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        if let Some((_, ext)) = name.rsplit_once('.') {
            found.dangerous |= DANGEROUS.contains(&ext) || HTML_LIKE.contains(&ext);
            found.nested |= ARCHIVES.contains(&ext);
        }
        rest = header.get(4..).unwrap_or_default();
    }
    found
}

fn is_office(lower_name: &str, bytes: &[u8]) -> bool {
    let ooxml = ["docx", "xlsx", "pptx", "docm", "xlsm", "pptm", "odt", "ods", "odp", "dotx", "xltx", "potx"];
    lower_name.rsplit_once('.').is_some_and(|(_, e)| ooxml.contains(&e)) || contains(bytes, b"[Content_Types].xml")
}

/// Windows programs (`MZ`), ELF, or a Windows shortcut's header.
fn is_executable(bytes: &[u8]) -> bool {
    bytes.starts_with(b"MZ") && bytes.len() > 64
        || bytes.starts_with(b"\x7fELF")
        || bytes.starts_with(&[0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0])
}

/// An OOXML document with a `vbaProject.bin` part, or an OLE document with
/// a VBA storage.
fn has_macros(bytes: &[u8]) -> bool {
    let ole = bytes.starts_with(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    let zip = bytes.starts_with(b"PK\x03\x04");
    (zip && contains(bytes, b"vbaProject.bin"))
        || (ole && (contains(bytes, b"_VBA_PROJECT") || contains(&utf16_free(bytes), b"_VBA_PROJECT")))
}

/// OLE directory names are UTF-16: drop the zero bytes to search them as ASCII.
fn utf16_free(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().copied().filter(|&b| b != 0).take(4 * 1024 * 1024).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The name as shown in an explanation.
fn shown(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !c.is_control()).take(80).collect();
    if clean.is_empty() { "(no name)".to_owned() } else { format!("\"{clean}\"") }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn codes(name: &str, bytes: &[u8], body: &str) -> Vec<&'static str> {
        let email = Email {
            text: body.into(),
            attachments: vec![Attachment {
                name: Some(name.into()),
                content_type: "application/octet-stream".into(),
                bytes: bytes.to_vec(),
                sha256: String::new(),
            }],
            ..Email::default()
        };
        let mut reasons = Vec::new();
        check(&email, &mut reasons);
        reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn programs_web_pages_and_disguises_are_named() {
        assert_eq!(codes("invoice.pdf.exe", b"x", ""), vec!["dangerous_attachment", "double_extension"]);
        assert_eq!(codes("Remittance.htm", b"<html>", ""), vec!["html_attachment"]);
        assert_eq!(codes("report.pdf", &[b"MZ".as_slice(), &[0; 100]].concat(), ""), vec!["dangerous_attachment"]);
        assert_eq!(codes("notes.docm", b"PK\x03\x04", ""), vec!["office_macro"]);
    }

    #[test]
    fn an_encrypted_zip_with_its_password_in_the_body_is_worse() {
        let mut zip = b"PK\x03\x04\x14\x00\x01\x00".to_vec();
        zip.extend([0; 22]);
        assert_eq!(codes("scan.zip", &zip, "The password is 1234"), vec!["encrypted_archive"]);
    }

    #[test]
    fn a_locked_pdf_with_its_password_in_the_body_is_named() {
        let pdf = b"%PDF-1.7 trailer <</Encrypt 4 0 R>>";
        assert_eq!(codes("nota.pdf", pdf, "Senha de acesso ao PDF: 123"), vec!["locked_document"]);
        // A bank statement locked with a password the reader already knows.
        assert!(codes("statement.pdf", pdf, "Your statement is attached.").is_empty());
    }

    /// A zip of one stored member named `name`.
    fn zip_with(name: &str) -> Vec<u8> {
        let mut zip = b"PK\x03\x04\x14\x00\x00\x00".to_vec();
        zip.extend([0; 18]);
        zip.extend(u16::try_from(name.len()).unwrap().to_le_bytes());
        zip.extend([0, 0]);
        zip.extend(name.as_bytes());
        zip
    }

    #[test]
    fn archives_inside_archives_and_programs_inside_are_named() {
        assert_eq!(codes("docs.zip", &zip_with("inner.zip"), ""), vec!["archive_attachment", "nested_archive"]);
        assert_eq!(
            codes("docs.zip", &zip_with("Invoice.pdf.js"), ""),
            vec!["archive_attachment", "dangerous_attachment"]
        );
        assert_eq!(codes("docs.zip", &zip_with("minutes.pdf"), ""), vec!["archive_attachment"]);
    }

    #[test]
    fn ordinary_documents_pass() {
        assert!(codes("minutes.pdf", b"%PDF-1.7 plain", "").is_empty());
        assert!(codes("photo.jpg", b"\xff\xd8\xff", "").is_empty());
    }
}
