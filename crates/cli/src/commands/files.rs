//! Finding the files a command was pointed at: files as given, folders
//! read recursively.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

/// Directories nested deeper than this are not read.
const MAX_DEPTH: usize = 32;

/// Every file under `paths`, directories read recursively in name order;
/// hidden files (names starting with a dot) are skipped inside directories.
pub(crate) fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() { walk(path, 0, &mut files)? } else { files.push(path.clone()) }
    }
    Ok(files)
}

fn walk(dir: &Path, depth: usize, files: &mut Vec<PathBuf>) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!("{} is nested more than {MAX_DEPTH} folders deep", dir.display());
    }
    let mut entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?
        .collect::<std::io::Result<Vec<_>>>()
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().with_context(|| format!("cannot read {}", entry.path().display()))?;
        if kind.is_dir() {
            walk(&entry.path(), depth + 1, files)?;
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}
