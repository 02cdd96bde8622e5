//! Keeping passwords out of core dumps and swap while a vault is open.
//!
//! The process is made non-dumpable (no core file, no ptrace by other
//! processes of the same user). Its memory is locked into RAM (`mlockall`,
//! locking pages as they are first touched) only when the memory-lock limit
//! allows it, because under a small limit every later allocation would fail
//! and abort the audit halfway.

use rustix::mm::{MlockAllFlags, mlockall};
use rustix::process::{DumpableBehavior, Resource, getrlimit, set_dumpable_behavior};

/// Locking is only attempted when the limit is at least this, or unlimited
/// (a KeePass KDF alone may take 64 MiB or more).
const ENOUGH_TO_LOCK: u64 = 1 << 30;

/// What could be done; for `--verbose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hardened {
    /// No core dumps or ptrace.
    pub undumpable: bool,
    /// Memory locked into RAM.
    pub locked: bool,
}

/// Harden the process for handling passwords.
pub fn protect_secrets() -> Hardened {
    let undumpable = set_dumpable_behavior(DumpableBehavior::NotDumpable).is_ok();
    let limit = getrlimit(Resource::Memlock).current;
    let locked = limit.is_none_or(|bytes| bytes >= ENOUGH_TO_LOCK)
        && mlockall(MlockAllFlags::CURRENT | MlockAllFlags::FUTURE | MlockAllFlags::ONFAULT).is_ok();
    let hardened = Hardened { undumpable, locked };
    tracing::debug!(?hardened, "protecting passwords in memory");
    hardened
}
