//! Hostile reports, built here: entity tricks, deep nesting, huge values,
//! broken encodings and numbers, and truncation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::rc::Rc;

use super::source::CHUNK;
use super::tests::{parse_error, record, report, run};
use super::{Failure, parse_all};
use crate::{Limits, ParseError};

fn is_malformed(e: &ParseError) -> bool {
    matches!(e, ParseError::Malformed { format: "XML", .. })
}

fn with_doctype(doctype: &str, org_name: &str) -> String {
    report(&record("192.0.2.1", "1"))
        .replacen("<feedback>", &format!("{doctype}\n<feedback>"), 1)
        .replace("<org_name>Reporter</org_name>", &format!("<org_name>{org_name}</org_name>"))
}

#[test]
fn billion_laughs_is_refused_unexpanded() {
    let mut dtd = String::from("<!DOCTYPE feedback [\n<!ENTITY lol \"lol\">\n");
    let mut previous = "lol".to_owned();
    for k in 1..10 {
        dtd.push_str(&format!("<!ENTITY lol{k} \"{}\">\n", format!("&{previous};").repeat(10)));
        previous = format!("lol{k}");
    }
    dtd.push_str("]>");
    let e = parse_error(with_doctype(&dtd, "&lol9;").as_bytes(), &Limits::default());
    assert_eq!(e, ParseError::Doctype);
}

#[test]
fn external_entities_and_dtds_are_refused() {
    let xxe = "<!DOCTYPE feedback [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>";
    assert_eq!(parse_error(with_doctype(xxe, "&xxe;").as_bytes(), &Limits::default()), ParseError::Doctype);
    let dtd = "<!DOCTYPE feedback SYSTEM \"http://127.0.0.1:8999/dtd\">";
    assert_eq!(parse_error(with_doctype(dtd, "x").as_bytes(), &Limits::default()), ParseError::Doctype);
    let pe = "<!DOCTYPE feedback [<!ENTITY % pe SYSTEM \"http://127.0.0.1:8999/pe\"> %pe;]>";
    assert_eq!(parse_error(with_doctype(pe, "x").as_bytes(), &Limits::default()), ParseError::Doctype);
}

#[test]
fn an_undeclared_entity_is_malformed_not_resolved() {
    let xml = report("").replace("<org_name>Reporter", "<org_name>&xxe;");
    let e = parse_error(xml.as_bytes(), &Limits::default());
    assert!(is_malformed(&e) && e.to_string().contains("&xxe;"), "{e}");
    let xml = report("").replace("<org_name>Reporter", "<org_name>&#0;");
    assert!(is_malformed(&parse_error(xml.as_bytes(), &Limits::default())));
}

#[test]
fn deep_nesting_stops_at_the_limit() {
    let depth = 10_000;
    let nested = format!("<extension>{}{}</extension>", "<x>".repeat(depth), "</x>".repeat(depth));
    let xml = report(&record("192.0.2.1", "1")).replace("</policy_published>", &format!("</policy_published>{nested}"));
    let e = parse_error(xml.as_bytes(), &Limits::default());
    assert_eq!(e, ParseError::TooDeep { limit: Limits::default().max_depth });
    // Unknown elements still count, within the limit.
    let shallow = "<extension><x><y>1</y></x></extension>";
    let xml = report("").replace("</policy_published>", &format!("</policy_published>{shallow}"));
    assert!(parse_all(xml.as_bytes(), &Limits::default()).is_ok());
}

/// Counts the bytes taken from it, to show how far a parse read.
struct Metered<'a> {
    data: &'a [u8],
    taken: Rc<Cell<usize>>,
}

impl Read for Metered<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.data.read(out)?;
        self.taken.set(self.taken.get() + n);
        Ok(n)
    }
}

impl BufRead for Metered<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        Ok(self.data)
    }
    fn consume(&mut self, n: usize) {
        self.data = &self.data[n..];
        self.taken.set(self.taken.get() + n);
    }
}

/// Parse `xml` with a 1 KiB value limit; the error, and how many bytes
/// were read before it.
fn limited(xml: &str) -> (ParseError, usize) {
    let limits = Limits { max_text_bytes: 1024, ..Limits::default() };
    let taken = Rc::new(Cell::new(0));
    let reader = Metered { data: xml.as_bytes(), taken: Rc::clone(&taken) };
    let e = parse_all(reader, &limits).unwrap_err();
    (e, taken.get())
}

#[test]
fn huge_values_are_refused_without_being_read_whole() {
    let huge = "A".repeat(8 << 20);
    let cases = [
        report("").replace("<org_name>Reporter", &format!("<org_name>{huge}")),
        report("").replace("<feedback>", &format!("<feedback junk=\"{huge}\">")),
        report("").replace("<report_metadata>", &format!("<!-- {huge} --><report_metadata>")),
        report("").replace("<report_metadata>", &format!("{}<report_metadata>", " ".repeat(8 << 20))),
        report(&record(&"1".repeat(8 << 20), "1")),
        report("").replace("<org_name>Reporter", &format!("<org_name>{}", "&amp;".repeat(1 << 20))),
    ];
    for (i, xml) in cases.iter().enumerate() {
        let (e, taken) = limited(xml);
        assert_eq!(e, ParseError::TooLarge { what: "a value in the report", limit: 1024 }, "case {i}");
        assert!(taken < 2048 + 2 * CHUNK, "case {i} read {taken} bytes");
    }
}

#[test]
fn values_just_under_the_limit_are_fine() {
    let limits = Limits { max_text_bytes: 1024, ..Limits::default() };
    let xml = report("").replace("<org_name>Reporter", &format!("<org_name>{}", "a".repeat(1000)));
    assert_eq!(parse_all(xml.as_bytes(), &limits).unwrap().0.org_name.len(), 1000);
}

#[test]
fn truncation_anywhere_is_an_error() {
    let xml = report(&(record("192.0.2.1", "1") + &record("2001:db8::2", "2")));
    let end = xml.rfind("</feedback>").unwrap() + "</feedback>".len();
    for cut in 0..end {
        let (result, calls) = run(&xml[..cut], &Limits::default());
        assert!(result.is_err(), "cut at {cut} parsed");
        assert_eq!(calls.ends, 0);
        assert_eq!(calls.aborts, calls.headers.len(), "cut at {cut}");
    }
    let e = parse_error(&xml.as_bytes()[..xml.find("</record>").unwrap()], &Limits::default());
    assert_eq!(e.to_string(), "it is not well-formed XML: it ends before the report is complete");
}

#[test]
fn invalid_utf8_control_characters_and_other_encodings() {
    let bad = report("").replace("Reporter", "g\u{e9}ogle").into_bytes();
    let bad: Vec<u8> = bad.iter().flat_map(|&b| if b == 0xC3 { vec![0xFF, 0xFE] } else { vec![b] }).collect();
    assert!(matches!(parse_error(&bad, &Limits::default()), ParseError::Encoding { .. }));

    let controls = report("").replace("Reporter", "goo\u{0}gle\u{1b}[31m");
    let e = parse_error(controls.as_bytes(), &Limits::default());
    assert!(is_malformed(&e) && e.to_string().contains("control character"), "{e}");

    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(report("").encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let e = parse_error(&utf16, &Limits::default());
    assert_eq!(e.to_string(), "its text is not valid UTF-8 (it is UTF-16; reports must be UTF-8)");

    let cp1252 = report("").replace("UTF-8", "windows-1252");
    let e = parse_error(cp1252.as_bytes(), &Limits::default());
    assert_eq!(e.to_string(), "its text is not valid UTF-8 (it declares encoding windows-1252; reports must be UTF-8)");
}

#[test]
fn bad_counts_fail_the_report() {
    for count in ["-1", "18446744073709551616", "1e3", "0x10", "ten", ""] {
        let (result, calls) = run(&report(&record("192.0.2.1", count)), &Limits::default());
        let Err(Failure::Parse(ParseError::Invalid { field, .. })) = result else { panic!("{count}: {result:?}") };
        assert_eq!(field, "record count", "{count}");
        assert_eq!((calls.headers.len(), calls.aborts, calls.ends), (1, 1, 0));
    }
}

#[test]
fn bad_addresses_and_dates() {
    for ip in ["999.1.1.1", "not-an-ip", "::gggg", ""] {
        let e = parse_error(report(&record(ip, "1")).as_bytes(), &Limits::default());
        assert!(matches!(e, ParseError::Invalid { field: "source IP", .. }), "{ip}: {e}");
    }
    let reversed = report("").replace("<begin>1700000000", "<begin>1800000000");
    assert_eq!(parse_error(reversed.as_bytes(), &Limits::default()), ParseError::PeriodReversed);
    for (begin, end) in [("-86400", "-1"), ("yesterday", "1"), ("1", "99999999999999999999")] {
        let xml = report("")
            .replace("<begin>1700000000", &format!("<begin>{begin}"))
            .replace("<end>1700086399", &format!("<end>{end}"));
        let e = parse_error(xml.as_bytes(), &Limits::default());
        assert!(matches!(e, ParseError::Invalid { field: "period start" | "period end", .. }), "{begin}: {e}");
    }
}

#[test]
fn not_a_report_at_all() {
    let cases = [
        report("").replace("<feedback>", "<feedback xmlns=\"urn:example:not-dmarc\">"),
        report("").replace("<feedback>", "<report>").replace("</feedback>", "</report>"),
        report("").replace("<feedback>", "<x:feedback>").replace("</feedback>", "</x:feedback>"),
        String::new(),
        "<?xml version=\"1.0\"?>\n".to_owned(),
    ];
    for xml in &cases {
        let e = parse_error(xml.as_bytes(), &Limits::default());
        assert!(matches!(e, ParseError::NotAReport { .. }), "{xml:.60}: {e}");
    }
    assert!(is_malformed(&parse_error(b"hello <feedback/>", &Limits::default())));
    let random: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert!(parse_all(&random[..], &Limits::default()).is_err());
}

#[test]
fn garbled_enumerations_are_tolerated() {
    let xml = report(&record("192.0.2.1", "1").replace("<disposition>none", "<disposition>DROP_TABLEnone"))
        .replace("<p>reject</p>", "<p>maybe</p>");
    let (header, records) = parse_all(xml.as_bytes(), &Limits::default()).unwrap();
    assert_eq!((header.policy.p, records[0].disposition), (None, None));
}

#[test]
fn two_metadata_sections_are_refused() {
    let dup = "</report_metadata><report_metadata><org_name>evil</org_name><report_id>dup</report_id>\
               <date_range><begin>1</begin><end>2</end></date_range></report_metadata>";
    let xml = report("").replacen("</report_metadata>", dup, 1);
    assert!(matches!(parse_error(xml.as_bytes(), &Limits::default()), ParseError::Invalid { field: "layout", .. }));
}
