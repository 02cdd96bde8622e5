//! Reading a secret (a password) without it reaching the screen, the shell
//! history or the process list: from a no-echo prompt on a terminal, or
//! from the first line of stdin when stdin is a pipe or a file.

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::{Result, bail};
use zeroize::Zeroizing;

/// The longest secret line read from a pipe (a password, not a file).
const MAX_LINE: usize = 1024;

/// Read a secret. On a terminal the person types it twice when `confirm`
/// is set, and must type the same thing both times.
pub fn read_secret(prompt: &str, confirm: bool) -> Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        let first = Zeroizing::new(rpassword::prompt_password(prompt)?);
        if confirm {
            let again = Zeroizing::new(rpassword::prompt_password("Type it again: ")?);
            if *first != *again {
                bail!("the two passwords typed were different; nothing was changed");
            }
        }
        return Ok(first);
    }
    first_line(std::io::stdin().lock())
}

/// The first line of `input`, without its line ending.
fn first_line(input: impl std::io::BufRead) -> Result<Zeroizing<String>> {
    // Room for the whole line up front: a growing Vec would leave copies of
    // the secret behind in memory it gave back.
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_LINE + 2));
    let mut limited = std::io::Read::take(input, MAX_LINE as u64 + 1);
    limited.read_until(b'\n', &mut line)?;
    if line.len() > MAX_LINE {
        bail!("the password given on stdin is longer than {MAX_LINE} bytes");
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    if line.is_empty() {
        bail!("no password was given on stdin");
    }
    match std::str::from_utf8(&line) {
        Ok(text) => Ok(Zeroizing::new(text.to_owned())),
        Err(_) => bail!("the password given on stdin is not valid UTF-8 text"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_is_read_without_its_ending() {
        assert_eq!(first_line(&b"marble teapot harbour\r\nsecond"[..]).unwrap().as_str(), "marble teapot harbour");
        assert_eq!(first_line(&b"no newline"[..]).unwrap().as_str(), "no newline");
    }

    #[test]
    fn empty_overlong_and_binary_input_is_refused() {
        assert!(first_line(&b"\n"[..]).is_err());
        assert!(first_line(&b""[..]).is_err());
        assert!(first_line(&vec![b'a'; MAX_LINE + 1][..]).is_err());
        assert!(first_line(&b"\xff\xfe\n"[..]).is_err());
    }
}
