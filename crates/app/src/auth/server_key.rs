//! The server key: 32 random bytes that seal stored secrets (TOTP seeds) and
//! key the digests of recovery codes.
//!
//! It lives in its own file, by default in the configuration directory, not
//! beside the database, so a copied database or backup alone reveals no
//! second factor. Several app servers of a central deployment share one key
//! file. Losing it means every account must enrol its second factor again.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use portcullis_types::Random;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Why the key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading, creating or writing the file failed.
    #[error("cannot use the key file {path}: {reason}")]
    Io {
        /// Which file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file exists but does not hold a key.
    #[error("the key file {0} is damaged: it should hold 64 hexadecimal characters")]
    Damaged(PathBuf),
    /// Others can read the file.
    #[error("the key file {0} can be read by other users; run: chmod 600 {0}")]
    TooOpen(PathBuf),
}

/// The 256-bit server key. Zeroed when dropped; never printed.
#[derive(Clone)]
pub struct ServerKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(…)")
    }
}

impl ServerKey {
    /// From raw bytes (tests, or a key held by a secrets manager).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Read the key file, or create it with a fresh key (mode 0600) if it does
    /// not exist.
    pub fn load_or_create(path: &Path, random: &dyn Random) -> Result<Self, KeyError> {
        let io = |e: std::io::Error| KeyError::Io { path: path.to_path_buf(), reason: e.to_string() };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
                if mode & 0o077 != 0 {
                    return Err(KeyError::TooOpen(path.to_path_buf()));
                }
                Self::parse(text.trim()).ok_or_else(|| KeyError::Damaged(path.to_path_buf()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let key = Self::from_bytes(random.bytes32());
                let hex = Zeroizing::new(data_encoding::HEXLOWER.encode(&*key.0));
                // create_new: never overwrite a key another server just wrote.
                let mut file =
                    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
                file.write_all(hex.as_bytes()).map_err(io)?;
                file.write_all(b"\n").map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }

    fn parse(hex: &str) -> Option<Self> {
        let bytes = Zeroizing::new(data_encoding::HEXLOWER_PERMISSIVE.decode(hex.as_bytes()).ok()?);
        let arr: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(Self::from_bytes(arr))
    }

    /// A key for one purpose, derived so that uses never share a key:
    /// HMAC-SHA256(server key, purpose).
    pub(crate) fn subkey(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&self.mac(purpose.as_bytes()));
        out
    }

    /// A keyed digest (hex) of `data` for `purpose`; used for recovery codes,
    /// whose 50 bits would not survive an unkeyed brute force.
    pub(crate) fn digest(&self, purpose: &str, data: &[u8]) -> String {
        let sub = self.subkey(purpose);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*sub).unwrap_or_else(|_| unreachable_hmac());
        mac.update(data);
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    }

    fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.0).unwrap_or_else(|_| unreachable_hmac());
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

/// HMAC accepts keys of any length, so construction cannot fail.
fn unreachable_hmac() -> Hmac<Sha256> {
    // Hmac::new_from_slice only errors for fixed-size-key MACs; SHA-256 HMAC
    // takes any length. Fall back to an empty key rather than panic.
    <Hmac<Sha256> as hmac::digest::KeyInit>::new(&Default::default())
}

/// `$XDG_CONFIG_HOME/portcullis/secret.key`, else `$HOME/.config/portcullis/secret.key`.
pub fn default_key_path(xdg_config_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
    if let Some(x) = xdg_config_home.filter(|x| Path::new(x).is_absolute()) {
        return Some(Path::new(x).join("portcullis/secret.key"));
    }
    home.filter(|h| !h.is_empty()).map(|h| Path::new(h).join(".config/portcullis/secret.key"))
}

#[cfg(test)]
mod tests {
    use portcullis_types::SeqRandom;

    use super::*;

    #[test]
    fn creates_then_reloads_the_same_key_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf/secret.key");
        let a = ServerKey::load_or_create(&path, &SeqRandom::new(1)).unwrap();
        let b = ServerKey::load_or_create(&path, &SeqRandom::new(2)).unwrap();
        assert_eq!(a.digest("t", b"x"), b.digest("t", b"x"));
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(format!("{a:?}"), "ServerKey(…)");
    }

    #[test]
    fn refuses_damaged_or_world_readable_key_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, "not a key").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(ServerKey::load_or_create(&path, &SeqRandom::new(1)), Err(KeyError::Damaged(_))));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(ServerKey::load_or_create(&path, &SeqRandom::new(1)), Err(KeyError::TooOpen(_))));
    }

    #[test]
    fn purposes_never_share_a_digest() {
        let key = ServerKey::from_bytes([7; 32]);
        assert_ne!(key.digest("recovery", b"abc"), key.digest("other", b"abc"));
        assert_eq!(key.digest("recovery", b"abc").len(), 64);
    }
}
