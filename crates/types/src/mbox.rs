//! Splitting an mbox mailbox into its emails, without copying them (used by
//! the DMARC report scanner and by phishing triage).
//!
//! Each email starts with a `From ` separator line (mboxo/mboxrd: a body
//! line that starts with `From ` is written as `>From `, so any line that
//! starts with `From ` begins a new email). The separator line itself is not
//! part of the email. `>From ` quoting is not undone: it only changes body
//! text, never the headers or base64 attachments that reports live in.

/// The emails in `mailbox`, in order, each without its `From ` line; an
/// email that is empty (two separators in a row) is skipped.
pub fn split(mailbox: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut starts = separators(mailbox).peekable();
    std::iter::from_fn(move || {
        loop {
            let (_, body_start) = starts.next()?;
            let end = starts.peek().map_or(mailbox.len(), |&(line_start, _)| line_start);
            let message = mailbox.get(body_start..end).unwrap_or_default();
            if !message.iter().all(u8::is_ascii_whitespace) {
                return Some(message);
            }
        }
    })
}

/// (start of the separator line, start of the line after it) for every line
/// that starts with `From `.
fn separators(mailbox: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    line_starts(mailbox).filter(|&start| mailbox.get(start..).is_some_and(|rest| rest.starts_with(b"From "))).map(
        move |start| {
            let after = mailbox
                .get(start..)
                .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
                .map_or(mailbox.len(), |nl| start + nl + 1);
            (start, after)
        },
    )
}

fn line_starts(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(bytes.iter().enumerate().filter(|&(_, &b)| b == b'\n').map(|(i, _)| i + 1))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_from_lines() {
        let mbox = b"From a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\nbody\n>From quoted\nFrom c@d Tue Jan 2 00:00:00 2024\r\nSubject: two\r\n\r\nx\r\n";
        let messages: Vec<&[u8]> = split(mbox).collect();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0], b"Subject: one\n\nbody\n>From quoted\n");
        assert_eq!(messages[1], b"Subject: two\r\n\r\nx\r\n");
    }

    #[test]
    fn skips_empty_messages_and_handles_a_bare_separator() {
        let mbox = b"From a\nFrom b\n\nFrom c\nSubject: x\n";
        let messages: Vec<&[u8]> = split(mbox).collect();
        assert_eq!(messages, vec![&b"Subject: x\n"[..]]);
        assert_eq!(split(b"From only-a-line").count(), 0);
    }
}
