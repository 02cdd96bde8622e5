//! How results and errors reach the terminal.

use serde::Serialize;

/// How a command ended, mapped to the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done; nothing needs attention (exit 0).
    Clean,
    /// Done; found problems worth attention (exit 1).
    #[allow(dead_code)] // Used by the checking commands as they land.
    Problems,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Clean => 0,
            Self::Problems => 1,
        }
    }
}

/// An error and its causes on one line, without Rust debug formatting.
///
/// Causes that merely repeat the message above them are dropped, so
/// "cannot open X: cannot open X: permission denied" reads once.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string().replace(['\n', '\r'], " ");
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Print one line for people on stdout.
///
/// A closed stdout (the reader of a pipe went away, as with `| head`) is not
/// worth dying over — `println!` would panic — so the line is dropped.
pub fn say(line: impl std::fmt::Display) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Print a value as one line of JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write as _;
    let text = serde_json::to_string(value)?;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use anyhow::Context as _;

    use super::*;

    #[test]
    fn chains_read_as_one_line_without_repeats() {
        let base = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let err = Err::<(), _>(base).context("cannot create /x/y.db").context("cannot use the database").unwrap_err();
        assert_eq!(one_line(&err), "cannot use the database: cannot create /x/y.db: permission denied");
    }
}
