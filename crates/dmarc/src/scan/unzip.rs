//! Zip archives: the member count is checked from the archive's end record
//! before the zip library reads the central directory (so a directory of a
//! million entries is never loaded), then each member is read through a
//! bounded reader and looked at like any other stream. Member names are
//! never used (see the [module documentation](super)).

use std::io::{Read, Seek, SeekFrom};

use super::{Bounded, Counted, InputMeter, ReportSink, Scanner, Slot};
use crate::ParseError;

/// The end-of-central-directory record: signature, then fields; the total
/// entry count is at offset 10. It sits in the last 22 + 65,535 bytes
/// (a comment of up to 65,535 bytes may follow it).
const EOCD_SIGNATURE: &[u8; 4] = b"PK\x05\x06";
const EOCD_LEN: u64 = 22;
const MAX_COMMENT: u64 = 65_535;

impl<S: ReportSink> Scanner<'_, S> {
    pub(super) fn unzip<R: Read + Seek>(&mut self, mut input: R, slot: Slot) {
        let max = self.limits.max_zip_entries;
        match entry_count(&mut input) {
            Err(e) => return self.broken(slot, e),
            Ok(n) if n > max as u64 => {
                return self.broken(slot, ParseError::TooMany { what: "zip members", limit: max as u64 });
            }
            Ok(_) => {}
        }
        let counted = Counted::new(input);
        let counter = counted.counter();
        let mut archive = match zip::ZipArchive::new(counted) {
            Ok(archive) => archive,
            Err(e) => return self.broken(slot, malformed(&e)),
        };
        if archive.len() > max {
            return self.broken(slot, ParseError::TooMany { what: "zip members", limit: max as u64 });
        }
        let before = self.reports.len();
        let member_slot = Slot { kind: slot.kind, whole_input: false, optional: true };
        for index in 0..archive.len() {
            if self.full() {
                return;
            }
            self.trip.take();
            let member = match archive.by_index(index) {
                Ok(member) => member,
                Err(e) => {
                    self.broken(Slot { optional: false, ..member_slot }, malformed(&e));
                    continue;
                }
            };
            if member.is_dir() {
                continue;
            }
            let meter = InputMeter::from_now(counter.clone());
            let limits = self.limits;
            let mut bounded =
                Bounded::decoded(member, "zip", meter, limits.max_uncompressed_bytes, limits.max_ratio, &self.trip);
            self.stream(&mut bounded, 1, member_slot);
        }
        if self.reports.len() == before && !self.stopped {
            self.not_report(slot, "a zip archive with no report in it");
        }
    }
}

fn malformed(error: &zip::result::ZipError) -> ParseError {
    ParseError::Malformed { format: "zip", detail: error.to_string() }
}

/// The total number of members the archive's (last) end record declares.
fn entry_count<R: Read + Seek>(input: &mut R) -> Result<u64, ParseError> {
    let io = |e: std::io::Error| ParseError::Malformed { format: "zip", detail: e.to_string() };
    let size = input.seek(SeekFrom::End(0)).map_err(io)?;
    let tail_len = size.min(EOCD_LEN + MAX_COMMENT);
    input.seek(SeekFrom::Start(size - tail_len)).map_err(io)?;
    let mut tail = Vec::new();
    input.by_ref().take(tail_len).read_to_end(&mut tail).map_err(io)?;
    input.seek(SeekFrom::Start(0)).map_err(io)?;
    let no_end =
        || ParseError::Malformed { format: "zip", detail: "it has no end-of-archive record (cut short?)".into() };
    let last_end = tail.len().checked_sub(EOCD_LEN as usize).ok_or_else(no_end)?;
    let at = (0..=last_end).rev().find(|&i| tail.get(i..i + 4) == Some(EOCD_SIGNATURE)).ok_or_else(no_end)?;
    let count = tail.get(at + 10..at + 12).and_then(|b| <[u8; 2]>::try_from(b).ok()).ok_or_else(no_end)?;
    Ok(u64::from(u16::from_le_bytes(count)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use std::io::{Cursor, Write};

    use zip::write::{SimpleFileOptions, ZipWriter};

    use super::*;

    pub(crate) fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            writer.start_file(*name, SimpleFileOptions::default()).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn counts_members_from_the_end_record() {
        let zip = zip_of(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
        assert_eq!(entry_count(&mut Cursor::new(&zip)).unwrap(), 3);
    }

    #[test]
    fn a_zip_cut_short_has_no_end_record() {
        let zip = zip_of(&[("a", b"1")]);
        let cut = &zip[..zip.len() - 10];
        assert!(matches!(entry_count(&mut Cursor::new(cut)), Err(ParseError::Malformed { format: "zip", .. })));
        assert!(entry_count(&mut Cursor::new(b"PK")).is_err());
    }
}
