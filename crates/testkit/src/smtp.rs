//! A mail server for tests: it speaks enough real SMTP (RFC 5321) on
//! loopback for a real client to deliver to it, and keeps every message.
//! No TLS and no authentication: it stands in for a relay on the same
//! machine, `smtp://127.0.0.1:PORT`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as it arrived.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// The envelope sender.
    pub mail_from: String,
    /// The envelope recipients.
    pub rcpt_to: Vec<String>,
    /// Headers and body, with dot-stuffing undone.
    pub data: String,
}

impl Received {
    /// The message as its reader sees it: quoted-printable undone when the
    /// message says it is encoded that way (long lines are).
    pub fn text(&self) -> String {
        let quoted = self.data.lines().any(|l| l.eq_ignore_ascii_case("content-transfer-encoding: quoted-printable"));
        if quoted { decode_quoted_printable(&self.data) } else { self.data.clone() }
    }

    /// The first `http://` or `https://` link in the message.
    pub fn link(&self) -> Option<String> {
        let text = self.text();
        let start = text.find("http://").or_else(|| text.find("https://"))?;
        let rest = text.get(start..)?;
        let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
        rest.get(..end).map(str::to_owned)
    }
}

/// Undo quoted-printable (RFC 2045 section 6.7): soft line breaks and `=XX`.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A running sink; it stops when dropped.
#[derive(Debug)]
pub struct SmtpSink {
    /// Where it listens.
    pub addr: SocketAddr,
    messages: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The longest line or message the sink accepts, so a broken client cannot
/// fill memory.
const MAX_LINE: usize = 4096;
const MAX_MESSAGE: usize = 1 << 20;

impl SmtpSink {
    /// Listen on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = messages.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let _ = session(stream, kept).await;
                });
            }
        });
        Ok(Self { addr, messages, task })
    }

    /// `smtp://127.0.0.1:PORT`, as the app's SMTP setting.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message so far.
    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Wait up to `limit` for at least `n` messages; returns what arrived.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let got = self.messages();
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn session(stream: TcpStream, kept: Arc<Mutex<Vec<Received>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP test sink\r\n").await?;
    let mut current = Received::default();
    loop {
        let Some(line) = read_line(&mut lines).await? else { return Ok(()) };
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") || upper.starts_with("RSET") {
            current = Received::default();
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            current.mail_from = line.get(10..).unwrap_or_default().trim().to_owned();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            current.rcpt_to.push(line.get(8..).unwrap_or_default().trim().to_owned());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            current.data = read_data(&mut lines).await?;
            if let Ok(mut all) = kept.lock() {
                all.push(std::mem::take(&mut current));
            }
            b"250 OK: queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

async fn read_line(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    let n = tokio::time::timeout(Duration::from_secs(30), lines.read_line(&mut line))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "client went quiet"))??;
    if n == 0 {
        return Ok(None);
    }
    if line.len() > MAX_LINE {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "line too long"));
    }
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<String> {
    let mut data = String::new();
    while let Some(line) = read_line(lines).await? {
        if line == "." {
            return Ok(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
        data.push('\n');
        if data.len() > MAX_MESSAGE {
            break;
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "message not finished"))
}
