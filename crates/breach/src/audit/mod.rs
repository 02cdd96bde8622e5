//! The vault audit: each entry of an export checked for a breached, weak,
//! reused or old password and for 2FA the site offers but the entry lacks.
//!
//! Breach counts come through [`BreachLookup`] (the offline index or the
//! range API, chosen by the caller). Identical passwords are looked up once.

use std::collections::HashMap;

use portcullis_types::Timestamp;

use crate::hash::{HashKind, PasswordHash};
use crate::twofa::Directory;
use crate::vault::Entry;

mod memory;
mod report;
mod reuse;
pub mod site;
mod strength;
mod todo;

pub use memory::MemoryLookup;
pub use report::{EntryReport, Priority, Report, Summary, Todo, TodoCode, TwofaInfo};
pub use strength::{Strength, in_words, strength, warm_up};

/// Where breach counts come from.
pub trait BreachLookup {
    /// Which hash the source is keyed by.
    fn kind(&self) -> HashKind;
    /// Where the counts come from, in a word ("index", "api").
    fn source(&self) -> &'static str;
    /// How often each hash appears in the corpus (0 = never), in order.
    ///
    /// # Errors
    /// [`LookupError`] when the source cannot answer; the audit stops
    /// rather than report passwords as safe that were never checked.
    fn counts(&mut self, hashes: &[PasswordHash]) -> Result<Vec<u64>, LookupError>;
}

/// Why breach counts could not be had, in plain English.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct LookupError(pub String);

/// How an audit judges.
#[derive(Debug, Clone)]
pub struct Options {
    /// Now, for the age of passwords.
    pub now: Timestamp,
    /// A password unchanged for longer than this is "old".
    pub old_after_days: i64,
    /// Fresh random bytes for this audit only: the key under which shared
    /// passwords are recognised. Forget it afterwards.
    pub reuse_key: [u8; 32],
    /// Threads to judge strength on (zxcvbn is most of an audit's work);
    /// 1 runs everything on the caller's thread.
    pub threads: usize,
}

impl Drop for Options {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.reuse_key);
    }
}

impl Options {
    /// The default judgement at `now`, with `reuse_key` (fresh randomness).
    #[must_use]
    pub fn new(now: Timestamp, reuse_key: [u8; 32]) -> Self {
        // NCSC advice is not to expire passwords on a schedule; "old" only
        // prompts a look at accounts unchanged since before recent breaches.
        Self { now, old_after_days: 3 * 365, reuse_key, threads: 1 }
    }
}

/// Audits `entries`. Entries without a password are counted as skipped.
///
/// # Errors
/// [`LookupError`] when `breach` is given and cannot answer.
pub fn audit(
    entries: &[Entry],
    directory: Option<&Directory>,
    breach: Option<&mut dyn BreachLookup>,
    options: &Options,
) -> Result<Report, LookupError> {
    let audited: Vec<&Entry> = entries.iter().filter(|entry| !entry.password.is_empty()).collect();
    let source = breach.as_ref().map(|lookup| lookup.source().to_owned());
    let counts = match breach {
        Some(lookup) => Some(breach_counts(&audited, lookup)?),
        None => None,
    };
    let passwords: Vec<&crate::Secret> = audited.iter().map(|entry| &entry.password).collect();
    let reused = reused_titles(&audited, &reuse::groups(&passwords, &options.reuse_key));
    let row = |index: usize, entry: &Entry| {
        let breached = counts.as_ref().and_then(|counts| counts.get(index).copied());
        let reused_with = reused.get(&index).cloned().unwrap_or_default();
        entry_report(entry, breached, reused_with, directory, options)
    };
    let rows = in_parallel(&audited, options.threads, &row);
    let mut summary = summarise(&rows, entries.len() - audited.len(), source);
    summary.twofa_checked = directory.is_some();
    Ok(Report { entries: rows, summary })
}

/// A report read back from outside (an uploaded `vault audit --json`):
/// its to-do lists and counts are worked out again from the entries' facts,
/// so what is shown always follows from them. Where counts came from, the
/// format and the skipped count are kept.
#[must_use]
pub fn recompute(mut report: Report) -> Report {
    for row in &mut report.entries {
        row.twofa_available = row.twofa.is_some();
        row.todo = todo::for_entry(row);
    }
    let kept = report.summary;
    let mut summary = summarise(&report.entries, kept.skipped, kept.breach_source);
    summary.twofa_checked = kept.twofa_checked;
    summary.format = kept.format;
    report.summary = summary;
    report
}

/// `work` on every entry, in order, spread over up to `threads` threads in
/// contiguous slices. A panic on a thread is carried to the caller.
fn in_parallel<T: Send>(entries: &[&Entry], threads: usize, work: &(dyn Fn(usize, &Entry) -> T + Sync)) -> Vec<T> {
    let threads = threads.clamp(1, 16);
    if threads == 1 || entries.len() < 2 * threads {
        return entries.iter().enumerate().map(|(index, entry)| work(index, entry)).collect();
    }
    let size = entries.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = entries
            .chunks(size)
            .enumerate()
            .map(|(part, slice)| {
                scope.spawn(move || {
                    slice.iter().enumerate().map(|(i, entry)| work(part * size + i, entry)).collect::<Vec<T>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().unwrap_or_else(|payload| std::panic::resume_unwind(payload)))
            .collect()
    })
}

/// Looks each distinct password's hash up once; the counts are in entry order.
fn breach_counts(entries: &[&Entry], lookup: &mut dyn BreachLookup) -> Result<Vec<u64>, LookupError> {
    let kind = lookup.kind();
    let mut distinct: Vec<PasswordHash> = Vec::new();
    let mut slot: HashMap<PasswordHash, usize> = HashMap::new();
    let mut order = Vec::with_capacity(entries.len());
    for entry in entries {
        let hash = kind.of(&entry.password);
        let at = *slot.entry(hash.clone()).or_insert_with(|| {
            distinct.push(hash);
            distinct.len() - 1
        });
        order.push(at);
    }
    let counts = lookup.counts(&distinct)?;
    if counts.len() != distinct.len() {
        return Err(LookupError(format!(
            "the breach source answered {} counts for {} passwords",
            counts.len(),
            distinct.len()
        )));
    }
    Ok(order.into_iter().map(|at| counts.get(at).copied().unwrap_or(0)).collect())
}

fn reused_titles(entries: &[&Entry], groups: &[Vec<usize>]) -> HashMap<usize, Vec<String>> {
    let mut out = HashMap::new();
    for group in groups {
        for &index in group {
            let others = group
                .iter()
                .filter(|&&other| other != index)
                .filter_map(|&other| entries.get(other).map(|entry| entry.title.clone()))
                .collect();
            out.insert(index, others);
        }
    }
    out
}

fn entry_report(
    entry: &Entry,
    breached: Option<u64>,
    reused_with: Vec<String>,
    directory: Option<&Directory>,
    options: &Options,
) -> EntryReport {
    let site = site::safe_site(entry.site.as_deref());
    let hints: Vec<&str> = [Some(entry.title.as_str()), entry.username.as_deref(), site.as_deref()]
        .into_iter()
        .flatten()
        .filter(|hint| !hint.is_empty())
        .collect();
    let strength = strength::strength(&entry.password, &hints);
    let service = directory.and_then(|directory| {
        site.as_deref().and_then(|host| directory.find(host)).or_else(|| directory.named(&entry.title))
    });
    let twofa = service.filter(|service| service.offers_2fa()).map(|service| TwofaInfo {
        service: service.name.clone(),
        methods: service.methods.clone(),
        documentation: service.documentation.clone(),
    });
    let old = entry.changed.is_some_and(|changed| options.now.secs_since(changed) > options.old_after_days * 86_400);
    let mut row = EntryReport {
        title: entry.title.clone(),
        site,
        breached,
        strength: strength.score,
        crack_time: strength.crack_time.clone(),
        weak: strength.is_weak(),
        reused_with,
        changed: entry.changed.map(Timestamp::to_rfc3339),
        old,
        twofa_available: twofa.is_some(),
        twofa_recorded: entry.totp,
        twofa,
        todo: Vec::new(),
    };
    row.todo = todo::for_entry(&row);
    row
}

fn summarise(rows: &[EntryReport], skipped: usize, breach_source: Option<String>) -> Summary {
    let with = |code: TodoCode| rows.iter().filter(|row| row.todo.iter().any(|todo| todo.code == code)).count();
    Summary {
        entries: rows.len() + skipped,
        skipped,
        breached: with(TodoCode::Breached),
        weak: with(TodoCode::Weak),
        reused: with(TodoCode::Reused),
        old: with(TodoCode::Old),
        twofa_missing: with(TodoCode::TwofaMissing),
        needs_action: rows.iter().filter(|row| !row.todo.is_empty()).count(),
        breach_source,
        twofa_checked: false,
        format: None,
    }
}

#[cfg(test)]
mod tests;
