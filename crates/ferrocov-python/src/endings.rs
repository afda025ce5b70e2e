//! How a measured process ended, written where the report will find it: the state word of its
//! data file's first segment ([`Ending`]). A clean exit stores `Closed` (atexit, see `lib.rs`);
//! `os._exit(n)` stores `Exit(n)` (a Python wrapper calls [`mark_exit`]); a fatal signal the
//! process can see stores `Signal(n)` from a signal handler installed here, which then hands
//! the signal on exactly as it would have gone without ferrocov. SIGKILL leaves the word at
//! 0: the report says "killed" with nothing more to tell.
//!
//! What the handler changes, and what it does not:
//! - It is installed once per process, when measurement starts, for the crash signals
//!   (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) unless they are ignored, and for signals whose
//!   default action ends the process (SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2,
//!   SIGXCPU) only while that default is in place: a handler someone installed is never
//!   replaced for those. Python code that sets a handler later replaces ours, as it would
//!   replace the default.
//! - In the handler: one atomic compare-and-swap on the mapped state word (only if this is the
//!   process that owns the file: a child forked a moment ago does not mark its parent's), then
//!   the action that was there before is put back and the signal raised again, so the previous
//!   handler (faulthandler's, say) or the default action (death by that signal, core dump
//!   included) follows. A fault raised by the kernel is not raised again: returning re-runs
//!   the faulting instruction, which faults again under the restored action with its own
//!   siginfo. Only async-signal-safe calls: getpid, sigaction, raise.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicU32, Ordering};

use ferrocov_core::data::CRASH_SIGNALS;
use ferrocov_core::datafile::Ending;

/// The state word of the current data file's first segment (null while there is none).
static CELL: AtomicPtr<AtomicU32> = AtomicPtr::new(std::ptr::null_mut());
/// The pid of the process that owns `CELL`.
static OWNER: AtomicI32 = AtomicI32::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

const KILL_SIGNALS: [libc::c_int; 7] = [
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGALRM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGXCPU,
];
const MAX_SIGNAL: usize = 65;

/// The action each signal had before ours, written before ours is installed for it and only
/// read (by the handler) afterwards.
struct Previous(UnsafeCell<[MaybeUninit<libc::sigaction>; MAX_SIGNAL]>);
// SAFETY: each slot is written once, by `install` (under the INSTALLED flag, so by one thread),
// before `sigaction` publishes the handler that reads it; afterwards it is only read.
unsafe impl Sync for Previous {}
static PREVIOUS: Previous = Previous(UnsafeCell::new(
    [const { MaybeUninit::uninit() }; MAX_SIGNAL],
));

/// From now on, endings of this process go to `cell` (the first segment's state word of the
/// data file it writes).
pub fn watch(cell: *const AtomicU32) {
    // SAFETY: getpid has no preconditions.
    OWNER.store(unsafe { libc::getpid() }, Ordering::Release);
    CELL.store(cell as *mut AtomicU32, Ordering::Release);
}

/// No data file to mark: after a fork (until the child writes its own) and once stopped.
pub fn unwatch() {
    CELL.store(std::ptr::null_mut(), Ordering::Release);
}

/// The state word to mark, if this process owns it.
fn cell() -> Option<&'static AtomicU32> {
    let cell = CELL.load(Ordering::Acquire);
    // SAFETY: getpid has no preconditions (and is async-signal-safe).
    if cell.is_null() || OWNER.load(Ordering::Acquire) != unsafe { libc::getpid() } {
        return None;
    }
    // SAFETY: `cell` points into a data file mapping that is never unmapped (the tracer leaks
    // its writers rather than dropping them), 4-aligned, and only ever accessed atomically.
    Some(unsafe { &*cell })
}

/// `os._exit(code)` is about to end this process: say so, unless it has already closed
/// cleanly (then the data is complete and the clean close stands).
pub fn mark_exit(code: i64) {
    if let Some(cell) = cell() {
        let word = Ending::Exit((code & 0xFF) as u8).state();
        let _ = cell.fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
            (Ending::from_state(state) != Some(Ending::Closed)).then_some(word)
        });
    }
}

extern "C" fn on_signal(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    if let Some(cell) = cell() {
        let _ = cell.compare_exchange(
            0,
            Ending::Signal(signal as u8).state(),
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }
    let Ok(index) = usize::try_from(signal) else {
        return;
    };
    if index >= MAX_SIGNAL {
        return;
    }
    // SAFETY: the slot for `signal` was written before this handler was installed for it.
    let previous = unsafe { (*PREVIOUS.0.get())[index].assume_init_ref() };
    // SAFETY: `previous` is a complete sigaction as the kernel gave it to us.
    unsafe { libc::sigaction(signal, previous, std::ptr::null_mut()) };
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler (null checked anyway).
    let sent = info.is_null() || unsafe { (*info).si_code } <= 0;
    if sent || !CRASH_SIGNALS.contains(&signal) {
        // Sent by a process (kill, raise, abort): raise it again; it is blocked in this
        // handler and arrives under the restored action as soon as we return.
        // SAFETY: raise is async-signal-safe.
        unsafe { libc::raise(signal) };
    }
}

/// Install the handler (once per process; a forked child inherits it).
pub fn install() {
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return;
    }
    for (signals, only_default) in [(&CRASH_SIGNALS[..], false), (&KILL_SIGNALS[..], true)] {
        for &signal in signals {
            install_one(signal, only_default);
        }
    }
}

fn install_one(signal: libc::c_int, only_default: bool) {
    let Some(index) = usize::try_from(signal).ok().filter(|&i| i < MAX_SIGNAL) else {
        return;
    };
    let mut current = MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: a null new action only reads the current one into `current`.
    if unsafe { libc::sigaction(signal, std::ptr::null(), current.as_mut_ptr()) } != 0 {
        return;
    }
    // SAFETY: sigaction succeeded and filled it in.
    let current = unsafe { current.assume_init() };
    let handler = current.sa_sigaction;
    if handler == libc::SIG_IGN || (only_default && handler != libc::SIG_DFL) {
        return;
    }
    // SAFETY: written before our handler for this signal exists (INSTALLED keeps this to one
    // thread, once), so no handler reads it meanwhile.
    unsafe { (*PREVIOUS.0.get())[index] = MaybeUninit::new(current) };
    let mut ours = MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: a zeroed sigaction is valid; we fill in the handler, flags and an empty mask.
    let ours = unsafe {
        let action = ours.as_mut_ptr();
        (*action).sa_sigaction = on_signal as *const () as usize;
        (*action).sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_RESTART;
        libc::sigemptyset(&mut (*action).sa_mask);
        ours.assume_init()
    };
    // SAFETY: `ours` is a complete sigaction whose handler only makes async-signal-safe calls.
    unsafe { libc::sigaction(signal, &ours, std::ptr::null_mut()) };
}
