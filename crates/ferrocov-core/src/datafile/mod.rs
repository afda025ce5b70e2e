//! The per-process data file: a memory-mapped, append-only file that holds hits the moment
//! they happen (DESIGN invariant 1). The format is documented in `docs/data-file-format.md`.
//!
//! One process writes one file at a time (a fork switches the child to a file of its own).
//! A file is a 64-byte header followed by records. A record is written in full and then
//! published by storing its tag last, so a reader sees either a complete record or a zero tag.
//! Hit cells inside a published record are set by the tracer at any time afterwards.
//!
//! A writer holds a POSIX write lock (`fcntl`) on each of its files while its process lives
//! and measures; readers that would take a file (combine, erase) ask whether another process
//! holds it and leave the file alone when one does ([`lock_state`]). POSIX locks, unlike
//! `flock`, belong to the process: a forked child does not inherit its parent's, exit and
//! `exec` release them, and a mapping does not keep them alive.

mod format;
mod reader;
mod writer;

use std::os::fd::AsRawFd;
use std::path::Path;

pub use format::{Ending, EXTENSION, FLAG_BRANCH, FORMAT_VERSION, HEADER_LEN, MAX_LINE};
pub use reader::{parse, FileContents, Unreadable};
pub use writer::{ArcSlot, HitSlot, Writer};

/// Identity of one measured process, as written in each of its files' headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessId {
    pub pid: u32,
    pub nonce: u64,
}

/// Is a data file's writer still alive?
#[derive(Debug, PartialEq, Eq)]
pub enum LockState {
    /// No process holds it: it can be read and taken.
    Free,
    /// A live process still writes it: leave it.
    Live,
}

/// Whether another process writes the file open as `file` (it holds the file's lock). The
/// answer holds only for the moment; a file found free stays free, since no writer reopens one.
/// Locks of this very process never count (its own files are taken only once it stops).
pub fn lock_state(file: &std::fs::File) -> LockState {
    let mut query = whole_file_lock(libc::F_RDLCK);
    // SAFETY: the descriptor is open for the duration of the call; F_GETLK writes into `query`.
    let status = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut query) };
    if status == 0 && query.l_type != libc::F_UNLCK as libc::c_short {
        return LockState::Live;
    }
    // Free, or a filesystem without locks: nothing can be known, so behave as before locks.
    LockState::Free
}

/// Take the writer's lock on a file open for writing: no other process holds one on a file
/// this process has just created.
pub(crate) fn lock_for_writing(file: &std::fs::File) -> std::io::Result<()> {
    let lock = whole_file_lock(libc::F_WRLCK);
    // SAFETY: the descriptor is open for the duration of the call; F_SETLK only reads `lock`.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &lock) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

fn whole_file_lock(kind: libc::c_int) -> libc::flock {
    // SAFETY: flock is a plain C struct for which all-zero bytes are a valid value.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = kind as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = 0;
    lock.l_len = 0;
    lock
}

/// Is `name` a segment still being created (never read; deleted once its writer is gone)?
pub fn is_being_created(name: &str) -> bool {
    name.ends_with(format::CREATING_SUFFIX)
}

/// The pid in a data file's name (`<host>.<pid>.<nonce>.<segment>.fcd`), if it has one.
pub fn pid_from_name(path: &Path) -> Option<u32> {
    let name = path.file_name()?.to_str()?;
    let mut parts = name.rsplit('.');
    let (_, _, _, pid) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    pid.parse().ok()
}

#[cfg(test)]
pub(crate) mod tests;
