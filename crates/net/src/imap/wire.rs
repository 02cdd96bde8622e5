//! The IMAP exchange (RFC 3501 section 2.2): tagged commands, literals sent
//! after the server's go-ahead, and responses read whole — lines and the
//! literals inside them — under a byte budget per command and a timeout per
//! exchange. Nothing here is logged: a LOGIN command carries the password.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::ImapError;
use super::transport::Stream;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Ok,
    No,
    Bad,
}

/// A command's tagged completion and the untagged responses before it.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: Status,
    /// The completion text, response code included (`[TRYCREATE] ...`).
    pub(crate) text: String,
    /// Each untagged response (`* ...`), literals inline.
    pub(crate) untagged: Vec<Vec<u8>>,
}

impl Reply {
    /// `Ok(self)` when the server said OK, else the refusal.
    pub(crate) fn ok(self, command: &'static str) -> Result<Self, ImapError> {
        match self.status {
            Status::Ok => Ok(self),
            Status::No | Status::Bad => Err(self.refusal(command)),
        }
    }

    /// The server's refusal as an error.
    pub(crate) fn refusal(&self, command: &'static str) -> ImapError {
        let reason = match self.status {
            Status::Bad => format!("it did not accept the command ({})", self.text),
            Status::Ok | Status::No => self.text.clone(),
        };
        ImapError::Refused { command, reason }
    }

    /// Whether the completion carries this response code (`TRYCREATE`).
    pub(crate) fn has_code(&self, code: &str) -> bool {
        self.text
            .strip_prefix('[')
            .and_then(|t| t.split([']', ' ']).next())
            .is_some_and(|c| c.eq_ignore_ascii_case(code))
    }
}

/// One piece of a command: text as is, or a literal (`{n}` then the bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Part<'a> {
    Text(&'a str),
    Literal(&'a [u8]),
}

/// A connection in the IMAP protocol.
#[derive(Debug)]
pub(crate) struct Wire {
    io: BufReader<Stream>,
    tag: u32,
    timeout: Duration,
    /// Set once the exchange lost step (timeout, broken connection, nonsense):
    /// nothing more can be said on this connection.
    broken: Option<String>,
}

impl Wire {
    pub(crate) fn new(stream: Stream, timeout: Duration) -> Self {
        Self { io: BufReader::new(stream), tag: 0, timeout, broken: None }
    }

    /// The server's first words.
    pub(crate) async fn greeting(&mut self) -> Result<Vec<u8>, ImapError> {
        let timeout = self.timeout;
        match tokio::time::timeout(timeout, read_response(&mut self.io, GREETING_BUDGET)).await {
            Err(_) => Err(ImapError::Timeout { step: "waiting for the server's greeting", after: timeout }),
            Ok(result) => result,
        }
    }

    /// Send one command and read up to its completion, under the timeout and
    /// reading at most `budget` bytes of response.
    pub(crate) async fn run(
        &mut self,
        step: &'static str,
        parts: &[Part<'_>],
        budget: usize,
    ) -> Result<Reply, ImapError> {
        if let Some(why) = &self.broken {
            return Err(ImapError::Connection(format!("the connection can no longer be used ({why})")));
        }
        let timeout = self.timeout;
        let result = match tokio::time::timeout(timeout, self.exchange(parts, budget)).await {
            Err(_) => Err(ImapError::Timeout { step, after: timeout }),
            Ok(result) => result,
        };
        if let Err(e) = &result {
            self.broken = Some(e.to_string());
        }
        result
    }

    /// The stream, for TLS to start on it. Anything the server sent after
    /// agreeing to STARTTLS would have been injected by an attacker before
    /// encryption began: refuse it.
    pub(crate) fn into_stream(self) -> Result<Stream, ImapError> {
        if !self.io.buffer().is_empty() {
            return Err(ImapError::Connection("the server sent data before TLS began".to_owned()));
        }
        Ok(self.io.into_inner())
    }

    /// Close the connection (best effort).
    pub(crate) async fn shutdown(&mut self) {
        let _ = tokio::time::timeout(self.timeout, self.io.get_mut().shutdown()).await;
    }

    async fn exchange(&mut self, parts: &[Part<'_>], budget: usize) -> Result<Reply, ImapError> {
        self.tag = self.tag.wrapping_add(1);
        let tag = format!("p{}", self.tag);
        let mut untagged = Vec::new();
        let mut spent = 0usize;
        let mut line = format!("{tag} ").into_bytes();
        for part in parts {
            match part {
                Part::Text(text) => line.extend_from_slice(text.as_bytes()),
                Part::Literal(bytes) => {
                    line.extend_from_slice(format!("{{{}}}\r\n", bytes.len()).as_bytes());
                    self.send(&line).await?;
                    line.clear();
                    // The server says "+" to go on, or refuses the command outright.
                    loop {
                        let response = read_response(&mut self.io, budget.saturating_sub(spent)).await?;
                        spent = spent.saturating_add(response.len());
                        if response.starts_with(b"+") {
                            break;
                        }
                        if let Some(reply) = completion(&response, &tag, &mut untagged) {
                            return Ok(reply);
                        }
                    }
                    self.io.get_mut().write_all(bytes).await.map_err(lost)?;
                }
            }
        }
        line.extend_from_slice(b"\r\n");
        self.send(&line).await?;
        loop {
            let response = read_response(&mut self.io, budget.saturating_sub(spent)).await?;
            spent = spent.saturating_add(response.len());
            if response.starts_with(b"+") {
                return Err(ImapError::Connection("the server asked for more than the command holds".to_owned()));
            }
            if let Some(reply) = completion(&response, &tag, &mut untagged) {
                return Ok(reply);
            }
        }
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), ImapError> {
        let stream = self.io.get_mut();
        stream.write_all(bytes).await.map_err(lost)?;
        stream.flush().await.map_err(lost)
    }
}

/// The most a greeting may hold.
const GREETING_BUDGET: usize = 64 * 1024;

/// The completion if `response` is tagged `tag`; else keeps it as untagged.
fn completion(response: &[u8], tag: &str, untagged: &mut Vec<Vec<u8>>) -> Option<Reply> {
    let Some(rest) = response.strip_prefix(tag.as_bytes()).and_then(|r| r.strip_prefix(b" ")) else {
        untagged.push(response.to_vec());
        return None;
    };
    let text = String::from_utf8_lossy(rest).trim_end().to_owned();
    let (word, said) = text.split_once(' ').unwrap_or((text.as_str(), ""));
    let status = match word.to_ascii_uppercase().as_str() {
        "OK" => Status::Ok,
        "NO" => Status::No,
        _ => Status::Bad,
    };
    Some(Reply { status, text: said.to_owned(), untagged: std::mem::take(untagged) })
}

/// One whole response: a line, and while it ends in a literal's `{n}`, the
/// `n` bytes and the line that follows them. At most `budget` bytes.
pub(crate) async fn read_response(io: &mut BufReader<Stream>, budget: usize) -> Result<Vec<u8>, ImapError> {
    let mut out = Vec::new();
    loop {
        let room = budget.saturating_sub(out.len());
        let limit = u64::try_from(room).unwrap_or(u64::MAX).saturating_add(1);
        let n = (&mut *io).take(limit).read_until(b'\n', &mut out).await.map_err(lost)?;
        if n == 0 {
            return Err(closed(&out));
        }
        if !out.ends_with(b"\n") {
            return Err(if out.len() > budget { too_much(budget) } else { closed(&out) });
        }
        let Some(len) = literal_length(&out) else { return Ok(out) };
        if out.len().saturating_add(len) > budget {
            return Err(too_much(budget));
        }
        let wanted = u64::try_from(len).unwrap_or(u64::MAX);
        let got = (&mut *io).take(wanted).read_to_end(&mut out).await.map_err(lost)?;
        if got != len {
            return Err(closed(&out));
        }
    }
}

/// `n` when the line so far ends with `{n}` (a literal follows).
fn literal_length(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n"))?.strip_suffix(b"}")?;
    let digits = body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let open = body.len().checked_sub(digits + 1)?;
    if digits == 0 || body.get(open) != Some(&b'{') {
        return None;
    }
    std::str::from_utf8(body.get(open + 1..)?).ok()?.parse().ok()
}

fn lost(e: std::io::Error) -> ImapError {
    ImapError::Connection(e.to_string())
}

fn closed(partial: &[u8]) -> ImapError {
    // A BYE says why the server hung up.
    let said = String::from_utf8_lossy(partial);
    let why = said.trim();
    if why.is_empty() {
        ImapError::Connection("the server closed the connection".to_owned())
    } else {
        ImapError::Connection(format!(
            "the server closed the connection after \"{}\"",
            why.chars().take(200).collect::<String>()
        ))
    }
}

fn too_much(budget: usize) -> ImapError {
    ImapError::Connection(format!("the server sent more than the {budget} bytes expected in one answer"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn finds_literal_lengths() {
        assert_eq!(literal_length(b"* 1 FETCH (BODY[] {12}\r\n"), Some(12));
        assert_eq!(literal_length(b"* 1 FETCH (BODY[]<0> {0}\n"), Some(0));
        assert_eq!(literal_length(b"* OK {braces} here\r\n"), None);
        assert_eq!(literal_length(b"* OK done}\r\n"), None);
        assert_eq!(literal_length(b"{}\r\n"), None);
    }

    #[test]
    fn completions_are_recognised_by_tag() {
        let mut untagged = Vec::new();
        assert!(completion(b"* 3 EXISTS\r\n", "p1", &mut untagged).is_none());
        assert!(completion(b"p10 OK done\r\n", "p1", &mut untagged).is_none());
        let reply = completion(b"p1 NO [TRYCREATE] Mailbox doesn't exist\r\n", "p1", &mut untagged).unwrap();
        assert_eq!(reply.status, Status::No);
        assert!(reply.has_code("TRYCREATE"));
        assert!(!reply.has_code("ALREADYEXISTS"));
        assert_eq!(reply.untagged.len(), 2);
        assert!(matches!(reply.refusal("APPEND"), ImapError::Refused { command: "APPEND", .. }));
    }
}
