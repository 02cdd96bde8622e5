//! The password audit's file side, for the CLI on the person's own machine:
//! building and opening the offline breach index, reading an export, loading
//! the 2FA directory, and running the audit. None of it needs the database.
//!
//! Exports and master passwords stay on the machine; only the findings
//! (no password, no hash) may be recorded afterwards with
//! [`crate::App::record_vault_audit`].

use std::fs::File;
use std::io::{BufReader, BufWriter, Read as _};
use std::os::unix::fs::FileExt as _;
use std::path::Path;

use portcullis_breach::audit::{self, BreachLookup, LookupError, Options, Report};
use portcullis_breach::hash::{HashKind, PasswordHash};
use portcullis_breach::index::{self, BuildOptions, BuildSummary, Index, ReadAt};
use portcullis_breach::twofa::Directory;
use portcullis_breach::vault::{self, Entry, Format, Limits, VaultKey};
use portcullis_types::{Clock, Random};

/// Why a password-audit step failed, in words that name the file.
#[derive(Debug, thiserror::Error)]
pub enum VaultFileError {
    /// A file could not be opened, read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The breach source could not answer.
    #[error("{0}")]
    Lookup(#[from] LookupError),
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> VaultFileError {
    VaultFileError::File { path: path.display().to_string(), message: message.to_string() }
}

/// Builds the offline index at `out` from the Pwned Passwords corpus at
/// `corpus`, calling `progress` with the corpus bytes read so far. The index
/// is written to a temporary file beside `out` and renamed into place only
/// when whole, so an interrupted build never leaves a half index behind.
///
/// # Errors
/// [`VaultFileError`] naming the corpus and line, or the output.
pub fn build_index(
    corpus: &Path,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<BuildSummary, VaultFileError> {
    let input = File::open(corpus).map_err(|e| file_error(corpus, e))?;
    let size = input.metadata().map_err(|e| file_error(corpus, e))?.len();
    let dir = out.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(".portcullis-index-")
        .tempfile_in(dir)
        .map_err(|e| file_error(out, format!("cannot write beside it: {e}")))?;
    let options = BuildOptions { expected_lines: Some(size / 43) };
    let reader = BufReader::with_capacity(1 << 20, input);
    let writer = BufWriter::with_capacity(1 << 20, temp.as_file());
    let summary = index::build(reader, writer, &options, &mut |read| progress(read, size)).map_err(|e| match e {
        index::BuildError::Write(error) => file_error(out, error),
        other => file_error(corpus, other),
    })?;
    temp.as_file().sync_all().map_err(|e| file_error(out, e))?;
    temp.persist(out).map_err(|e| file_error(out, e.error))?;
    Ok(summary)
}

/// A file read with positioned reads (`pread`): the page cache does what a
/// memory map would, without `unsafe`.
#[derive(Debug)]
pub struct IndexFile(File);

impl ReadAt for IndexFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        self.0.read_exact_at(buf, offset)
    }
}

/// The offline index as a breach source.
#[derive(Debug)]
pub struct IndexLookup {
    index: Index<IndexFile>,
    path: String,
}

impl IndexLookup {
    /// Opens the index at `path`, checking it is whole.
    ///
    /// # Errors
    /// [`VaultFileError`] when it is missing, damaged or not an index.
    pub fn open(path: &Path) -> Result<Self, VaultFileError> {
        let file = File::open(path).map_err(|e| file_error(path, e))?;
        let len = file.metadata().map_err(|e| file_error(path, e))?.len();
        let index = Index::open(IndexFile(file), len).map_err(|e| file_error(path, e))?;
        Ok(Self { index, path: path.display().to_string() })
    }

    /// How often `hash` appears.
    ///
    /// # Errors
    /// [`LookupError`] when the index cannot be read.
    pub fn count(&self, hash: &PasswordHash) -> Result<u64, LookupError> {
        self.index.lookup(hash).map_err(|e| LookupError(format!("{}: {e}", self.path)))
    }
}

impl BreachLookup for IndexLookup {
    fn kind(&self) -> HashKind {
        self.index.kind()
    }

    fn source(&self) -> &'static str {
        "index"
    }

    fn counts(&mut self, hashes: &[PasswordHash]) -> Result<Vec<u64>, LookupError> {
        hashes.iter().map(|hash| self.count(hash)).collect()
    }
}

/// Reads a password-manager export within `limits` (the size is checked
/// before reading), and says which format it was read as.
///
/// # Errors
/// [`VaultFileError`] naming the file and what is wrong in it.
pub fn read_export(
    path: &Path,
    format: Format,
    key: &VaultKey,
    limits: &Limits,
) -> Result<(Format, Vec<Entry>), VaultFileError> {
    let bytes = zeroize::Zeroizing::new(read_bounded(path, limits.max_export_bytes)?);
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let format = match format {
        Format::Auto if !bytes.is_empty() => vault::detect(&name, &bytes).map_err(|e| file_error(path, e))?,
        chosen => chosen,
    };
    let entries = vault::read(&name, &bytes, format, key, limits).map_err(|e| file_error(path, e))?;
    Ok((format, entries))
}

/// Loads the 2FA directory (`entries.json` from 2fa.directory).
///
/// # Errors
/// [`VaultFileError`] when it cannot be read or is not the directory.
pub fn load_directory(path: &Path) -> Result<Directory, VaultFileError> {
    let bytes = read_bounded(path, Directory::MAX_BYTES)?;
    Directory::from_json(&bytes).map_err(|e| file_error(path, e))
}

/// Reads a small secret file (a master password or key file), refusing one
/// over 64 KiB. A password file's final line break is not part of the
/// password.
///
/// # Errors
/// [`VaultFileError`] when it cannot be read.
pub fn read_secret_file(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>, VaultFileError> {
    read_bounded(path, 64 * 1024).map(zeroize::Zeroizing::new)
}

fn read_bounded(path: &Path, limit: usize) -> Result<Vec<u8>, VaultFileError> {
    let file = File::open(path).map_err(|e| file_error(path, e))?;
    let size = file.metadata().map_err(|e| file_error(path, e))?.len();
    if size > limit as u64 {
        return Err(file_error(path, format!("it is {size} bytes, more than the {limit}-byte limit")));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit as u64 + 1).read_to_end(&mut bytes).map_err(|e| file_error(path, e))?;
    if bytes.len() > limit {
        return Err(file_error(path, format!("it is more than the {limit}-byte limit")));
    }
    Ok(bytes)
}

/// Audits `entries` now, with a reuse key drawn fresh from `random` and
/// dropped afterwards.
///
/// # Errors
/// [`LookupError`] when the breach source cannot answer.
pub fn run_audit(
    entries: &[Entry],
    directory: Option<&Directory>,
    breach: Option<&mut dyn BreachLookup>,
    clock: &dyn Clock,
    random: &dyn Random,
) -> Result<Report, LookupError> {
    let mut key = [0u8; 32];
    let (head, tail) = key.split_at_mut(16);
    head.copy_from_slice(&random.bytes16());
    tail.copy_from_slice(&random.bytes16());
    let mut options = Options::new(clock.now(), key);
    options.threads = std::thread::available_parallelism().map_or(1, usize::from).min(8);
    let report = audit::audit(entries, directory, breach, &options);
    zeroize::Zeroize::zeroize(&mut key);
    report
}

/// True when the export is a KeePass database (by `format`, or for
/// [`Format::Auto`] by its first bytes), so a master password is needed.
#[must_use]
pub fn is_keepass(path: &Path, format: Format) -> bool {
    match format {
        Format::Keepass => true,
        Format::Auto => {
            let mut magic = [0u8; 4];
            File::open(path).and_then(|mut file| file.read_exact(&mut magic)).is_ok() && magic == vault::KDBX_MAGIC
        }
        _ => false,
    }
}
