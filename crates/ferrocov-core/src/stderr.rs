//! One line on standard error that can never hurt the program it is written from.
//!
//! `eprintln!` panics when the write fails (a full disk behind `2>file`, `2>/dev/full`), and a
//! panic in a tracer callback aborts the measured process. A warning here is one `write(2)` of
//! the whole line: any failure is dropped, a closed descriptor 2 gets nothing (never stdout in
//! its place), and a stderr pipe whose reader is gone does not raise SIGPIPE in a program that
//! put SIGPIPE's default action back (the signal is blocked around the write and any instance
//! the write raised is taken back, unless one was already pending).

/// Write `ferrocov: <message>` and a newline to descriptor 2, ignoring every failure.
pub fn line(message: &str) {
    let mut text = String::with_capacity(message.len() + 11);
    text.push_str("ferrocov: ");
    text.push_str(message);
    text.push('\n');
    write_all(2, text.as_bytes());
}

/// Write `bytes` to `fd` as far as it takes them; never panics, never raises SIGPIPE.
pub fn write_all(fd: libc::c_int, bytes: &[u8]) {
    // SAFETY: F_GETFD only asks whether the descriptor is open.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return;
    }
    with_sigpipe_blocked(|| {
        let mut rest = bytes;
        while !rest.is_empty() {
            // SAFETY: writes at most rest.len() bytes from a live slice.
            let written =
                unsafe { libc::write(fd, rest.as_ptr() as *const libc::c_void, rest.len()) };
            if written > 0 {
                rest = &rest[written as usize..];
                continue;
            }
            let interrupted =
                written < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR);
            if !interrupted {
                return;
            }
        }
    });
}

fn with_sigpipe_blocked(write: impl FnOnce()) {
    // SAFETY: sigset_t is a plain C value; every call below only reads or fills the sets we own.
    unsafe {
        let mut pipe: libc::sigset_t = std::mem::zeroed();
        let mut previous: libc::sigset_t = std::mem::zeroed();
        let mut pending: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pipe);
        libc::sigaddset(&mut pipe, libc::SIGPIPE);
        libc::sigemptyset(&mut pending);
        libc::sigpending(&mut pending);
        let was_pending = libc::sigismember(&pending, libc::SIGPIPE) == 1;
        if libc::pthread_sigmask(libc::SIG_BLOCK, &pipe, &mut previous) != 0 {
            // Can't block it: write anyway only if SIGPIPE can't end the process.
            let mut action: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut action);
            if action.sa_sigaction == libc::SIG_IGN {
                write();
            }
            return;
        }
        write();
        libc::sigemptyset(&mut pending);
        libc::sigpending(&mut pending);
        if !was_pending && libc::sigismember(&pending, libc::SIGPIPE) == 1 {
            take_pending_sigpipe(&pipe);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &previous, std::ptr::null_mut());
    }
}

#[cfg(target_os = "linux")]
fn take_pending_sigpipe(set: &libc::sigset_t) {
    let zero = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: takes the pending SIGPIPE (blocked here) without waiting.
    unsafe { libc::sigtimedwait(set, std::ptr::null_mut(), &zero) };
}

#[cfg(not(target_os = "linux"))]
fn take_pending_sigpipe(set: &libc::sigset_t) {
    let mut signal = 0;
    // SAFETY: SIGPIPE is pending and blocked, so sigwait returns at once with it.
    unsafe { libc::sigwait(set, &mut signal) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_or_closed_stderr_is_no_harm() {
        // /dev/full fails every write with ENOSPC.
        if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
            use std::os::fd::AsRawFd;
            write_all(full.as_raw_fd(), b"nothing fits\n");
        }
        // A descriptor that is not open.
        write_all(987, b"nobody reads this\n");
        // A pipe whose reader is gone: EPIPE, and no SIGPIPE left behind even with the
        // default action in place.
        let mut fds = [0; 2];
        // SAFETY: pipe writes two descriptors we then own and close.
        unsafe {
            assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
            libc::close(fds[0]);
            let previous = libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            write_all(fds[1], b"into a broken pipe\n");
            libc::signal(libc::SIGPIPE, previous);
            libc::close(fds[1]);
        }
    }
}
