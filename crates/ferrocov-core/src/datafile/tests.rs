use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::format::*;
use super::*;

fn write_sample(dir: &Path) -> PathBuf {
    let mut writer = Writer::create(dir, ProcessId { pid: 42, nonce: 7 }, 1).expect("create");
    let slot = writer
        .register_lines("/src/a.py", "", 3, 4)
        .expect("register");
    let other = writer
        .register_lines("/src/a.py", "test|run", 3, 4)
        .expect("register");
    // SAFETY: the slots are live.
    unsafe {
        other.hit(3);
        slot.hit(0);
        slot.hit(2);
        slot.hit(9); // beyond the slot: ignored
    }
    let path = writer.path();
    std::mem::forget(writer);
    path
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_sample(dir.path());
    let bytes = std::fs::read(path).expect("read");
    let contents = parse(&bytes).expect("parse");
    assert_eq!(contents.process, Some(ProcessId { pid: 42, nonce: 7 }));
    assert!(!contents.closed_cleanly());
    assert_eq!(
        contents.data.lines("/src/a.py"),
        Some(BTreeSet::from([3, 5, 6]))
    );
    assert_eq!(
        contents.data.files["/src/a.py"]["test|run"],
        BTreeSet::from([6])
    );
    assert!(contents.damage.is_empty(), "{:?}", contents.damage);
}

#[test]
fn the_first_segment_is_small_and_fully_allocated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_sample(dir.path());
    let metadata = std::fs::metadata(&path).expect("metadata");
    assert_eq!(metadata.len(), 32 << 10);
    use std::os::unix::fs::MetadataExt;
    // posix_fallocate reserved every block: the file is not sparse.
    assert!(
        metadata.blocks() * 512 >= metadata.len(),
        "{} blocks",
        metadata.blocks()
    );
    // Nothing but the segment is left in the directory (no file being created).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// A writer in another process: a forked child that creates a data file in `dir`, records
/// one line, and exits when told to.
pub struct ChildWriter {
    pub pid: u32,
    release: std::fs::File,
}

impl ChildWriter {
    pub fn start(dir: &Path) -> ChildWriter {
        ChildWriter::start_closing(dir, false)
    }

    /// Like [`ChildWriter::start`]; with `close_descriptors`, the child then closes every
    /// descriptor but its pipes, as a daemon's `os.closerange(3, ...)` does (and with them
    /// its hold on the lock).
    pub fn start_closing(dir: &Path, close_descriptors: bool) -> ChildWriter {
        let (mut ready_read, mut ready_write) = pipe();
        let (mut go_read, go_write) = pipe();
        // SAFETY: the child only creates a writer, writes and reads pipes, then _exits.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            drop(go_write);
            drop(ready_read);
            let me = std::process::id();
            if let Ok(mut writer) = Writer::create(dir, ProcessId { pid: me, nonce: 9 }, 0) {
                if let Ok(slot) = writer.register_lines("/child.py", "", 1, 1) {
                    // SAFETY: the slot is live.
                    unsafe { slot.hit(0) };
                }
                std::mem::forget(writer);
            }
            if close_descriptors {
                use std::os::fd::AsRawFd;
                let keep = [ready_write.as_raw_fd(), go_read.as_raw_fd()];
                for fd in 3..4096 {
                    if !keep.contains(&fd) {
                        // SAFETY: closing descriptors in a child that owns no Rust object
                        // for them any more (the writer is leaked, its mappings stay).
                        unsafe { libc::close(fd) };
                    }
                }
            }
            let _ = std::io::Write::write_all(&mut ready_write, b"r");
            let mut byte = [0u8; 1];
            let _ = std::io::Read::read(&mut go_read, &mut byte);
            // SAFETY: ends the child without running the parent's destructors or test harness.
            unsafe { libc::_exit(0) };
        }
        drop(ready_write);
        let mut byte = [0u8; 1];
        std::io::Read::read_exact(&mut ready_read, &mut byte).expect("child ready");
        ChildWriter {
            pid: pid as u32,
            release: go_write,
        }
    }

    /// Let the child exit, and reap it.
    pub fn finish(self) {
        let ChildWriter { pid, release } = self;
        drop(release);
        let mut status = 0;
        // SAFETY: waits for our own child.
        unsafe { libc::waitpid(pid as libc::pid_t, &mut status, 0) };
    }
}

fn pipe() -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe writes two descriptors into the array, which we then own.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created and are owned by nothing else.
    unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    }
}

#[test]
fn the_lock_tells_a_live_writer_from_a_finished_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = ChildWriter::start(dir.path());
    let path = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .next()
        .expect("a file");
    assert_eq!(pid_from_name(&path), Some(child.pid));
    let file = std::fs::File::open(&path).expect("open");
    assert_eq!(lock_state(&file), LockState::Live);
    child.finish();
    assert_eq!(lock_state(&file), LockState::Free);
    // Its own files never count as live to the process that writes them.
    let writer = Writer::create(dir.path(), ProcessId { pid: 1, nonce: 1 }, 0).expect("create");
    assert_eq!(
        lock_state(&std::fs::File::open(writer.path()).expect("open")),
        LockState::Free
    );
}

#[test]
fn closing_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer = Writer::create(dir.path(), ProcessId { pid: 1, nonce: 1 }, 0).expect("create");
    writer.mark_closed();
    let contents = parse(&std::fs::read(writer.path()).expect("read")).expect("parse");
    assert!(contents.closed_cleanly());
    assert!(contents.damage.is_empty());
}

#[test]
fn every_ending_reads_back_and_no_other_word_does() {
    let endings = [
        Ending::Open,
        Ending::Closed,
        Ending::Exit(0),
        Ending::Exit(255),
        Ending::Signal(9),
        Ending::Signal(11),
    ];
    for ending in endings {
        assert_eq!(Ending::from_state(ending.state()), Some(ending));
    }
    // One changed byte of a word a writer stores is never another word a writer stores,
    // except the exit code or signal byte itself (which only says something else precisely).
    for ending in [Ending::Open, Ending::Closed] {
        for byte in 0..4 {
            for value in 1..=255u8 {
                let mut word = ending.state().to_le_bytes();
                word[byte] ^= value;
                assert_eq!(
                    Ending::from_state(u32::from_le_bytes(word)),
                    None,
                    "{ending:?} {word:?}"
                );
            }
        }
    }
    assert_eq!(Ending::from_state(u32::from_le_bytes(*b"SG\0!")), None);
}

#[test]
fn an_ending_in_the_first_segment_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer = Writer::create(dir.path(), ProcessId { pid: 4, nonce: 4 }, 0).expect("create");
    let cell = writer.ending_cell().expect("a first segment");
    // SAFETY: the mapping lives as long as the writer, which outlives this use.
    unsafe { &*cell }.store(
        Ending::Signal(15).state(),
        std::sync::atomic::Ordering::Release,
    );
    let contents = parse(&std::fs::read(writer.path()).expect("read")).expect("parse");
    assert_eq!(contents.ending, Ending::Signal(15));
    assert!(!contents.closed_cleanly());
    assert!(contents.damage.is_empty(), "{:?}", contents.damage);
    writer.mark_closed();
    let contents = parse(&std::fs::read(writer.path()).expect("read")).expect("parse");
    assert_eq!(contents.ending, Ending::Closed);
}

#[test]
fn segments_grow_and_each_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer = Writer::create(dir.path(), ProcessId { pid: 3, nonce: 3 }, 0).expect("create");
    for index in 0..400u32 {
        let slot = writer
            .register_lines(&format!("/src/m{index}.py"), "", 1, 200)
            .expect("register");
        // SAFETY: the slot is live.
        unsafe { slot.hit(index % 200) };
    }
    std::mem::forget(writer);
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    let mut seen = 0;
    for file in &files {
        let contents = parse(&std::fs::read(file).expect("read")).expect("parse");
        assert!(contents.damage.is_empty());
        seen += contents.data.files.len();
    }
    assert_eq!(seen, 400);
}

#[test]
fn absurd_line_numbers_are_not_recorded_or_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer = Writer::create(dir.path(), ProcessId { pid: 1, nonce: 1 }, 0).expect("create");
    let slot = writer
        .register_lines("/big.py", "", u32::MAX - 2, 5)
        .expect("register");
    // SAFETY: an empty slot ignores every hit.
    unsafe { slot.hit(1) };
    let path = writer.path();
    std::mem::forget(writer);
    let contents = parse(&std::fs::read(path).expect("read")).expect("parse");
    assert!(contents.data.files.is_empty());
}

#[test]
fn unpublished_record_is_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_sample(dir.path());
    let mut bytes = std::fs::read(path).expect("read");
    let first_record_len = read_u32(&bytes, HEADER_LEN + 4) as usize;
    // The second record was being written when the process died: its tag is still zero.
    bytes[HEADER_LEN + first_record_len..HEADER_LEN + first_record_len + 4]
        .copy_from_slice(&[0, 0, 0, 0]);
    let contents = parse(&bytes).expect("parse");
    assert_eq!(
        contents.data.lines("/src/a.py"),
        Some(BTreeSet::from([3, 5]))
    );
    assert!(
        contents.damage.is_empty(),
        "a torn tail is not damage: {:?}",
        contents.damage
    );
}

#[test]
fn arcs_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer =
        Writer::create_with_flags(dir.path(), ProcessId { pid: 5, nonce: 1 }, 1, FLAG_BRANCH)
            .expect("create");
    let slot = writer
        .register_arcs("/src/b.py", "", 1, 4)
        .expect("register");
    // SAFETY: the slot is live; indexes are below its capacity.
    unsafe {
        slot.store(0, (-1, 1));
        slot.store(1, (1, 2));
        slot.store(2, (2, -1));
        slot.store(9, (7, 7)); // beyond capacity: ignored
        slot.store(3, (1, 1 << 24)); // beyond MAX_LINE: ignored
    }
    let path = writer.path();
    std::mem::forget(writer);
    let contents = parse(&std::fs::read(path).expect("read")).expect("parse");
    assert!(contents.branch && contents.data.has_arcs);
    assert_eq!(
        contents.data.file_arcs("/src/b.py"),
        BTreeSet::from([(-1, 1), (1, 2), (2, -1)])
    );
    assert_eq!(
        contents.data.lines("/src/b.py"),
        Some(BTreeSet::from([1, 2]))
    );
    assert!(contents.damage.is_empty());
}

#[test]
fn foreign_and_empty_files() {
    assert_eq!(parse(b"").err(), Some(Unreadable::NeverStarted));
    assert_eq!(parse(&[0; 100]).err(), Some(Unreadable::NeverStarted));
    assert!(matches!(parse(&[b'x'; 100]), Err(Unreadable::Foreign(_))));
}

#[test]
fn a_crafted_first_line_is_damage_not_a_huge_allocation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_sample(dir.path());
    let mut bytes = std::fs::read(path).expect("read");
    // Rewrite the first record's first line as 2^30 and fix its checksum, as a crafted file would.
    let record = HEADER_LEN;
    bytes[record + 8..record + 12].copy_from_slice(&(1u32 << 30).to_le_bytes());
    let names_end = RECORD_HEADER_LEN
        + read_u32(&bytes, record + 16) as usize
        + read_u32(&bytes, record + 20) as usize;
    let checksum = record_checksum(&bytes[record..], names_end);
    bytes[record + 24..record + 28].copy_from_slice(&checksum.to_le_bytes());
    let contents = parse(&bytes).expect("parse");
    assert!(
        contents
            .damage
            .iter()
            .any(|d| d.contains("absurd line numbers")),
        "{:?}",
        contents.damage
    );
    // The next record is still read.
    assert_eq!(
        contents.data.files["/src/a.py"]["test|run"],
        BTreeSet::from([6])
    );
    assert!(contents.data.files["/src/a.py"]
        .get("")
        .is_none_or(|lines| lines.is_empty()));
}

#[test]
fn truncation_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_sample(dir.path());
    let bytes = std::fs::read(path).expect("read");
    let contents = parse(&bytes[..bytes.len() / 2]).expect("parse");
    assert!(
        contents.damage.iter().any(|d| d.contains("truncated")),
        "{:?}",
        contents.damage
    );
}

#[test]
fn a_writer_whose_descriptors_were_closed_is_still_live() {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = ChildWriter::start_closing(dir.path(), true);
    let path = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .next()
        .expect("a data file");
    let file = std::fs::File::open(&path).expect("open");
    // The lock went with the descriptor; the header still names a running process.
    assert_eq!(lock_state(&file), LockState::Free);
    if own_lifetime().is_some() {
        assert!(writer_alive(&file));
    }
    child.finish();
    assert!(!writer_alive(&file));
}

#[test]
fn a_reused_pid_is_not_the_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(lifetime) = own_lifetime() else {
        return;
    };
    // This very pid, at another start time: a process that had the pid before us.
    let other = ProcessLifetime {
        start: lifetime.start.wrapping_sub(1).max(1),
        ..lifetime
    };
    assert_eq!(process_alive(std::process::id(), other), Some(false));
    assert_eq!(process_alive(std::process::id(), lifetime), Some(true));
    // Another boot: can't be told from here.
    let elsewhere = ProcessLifetime {
        boot: lifetime.boot ^ 1,
        ..lifetime
    };
    assert_eq!(process_alive(std::process::id(), elsewhere), None);
    drop(dir);
}

#[test]
fn descriptors_sit_high_and_a_reused_number_is_never_closed() {
    use std::os::fd::AsRawFd;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer = Writer::create(dir.path(), ProcessId { pid: 3, nonce: 3 }, 0).expect("create");
    let fd = writer.descriptors()[0];
    assert!(
        fd >= 64,
        "data file descriptor {fd} sits among the program's"
    );
    // The program closes it and a file of its own takes the number.
    let theirs = dir.path().join("theirs.txt");
    let other = std::fs::File::create(&theirs).expect("create");
    // SAFETY: duplicating onto the writer's number, as an open after a close would land there.
    assert_eq!(unsafe { libc::dup2(other.as_raw_fd(), fd) }, fd);
    writer.release_files();
    // The program's file is still open under that number and writable.
    // SAFETY: writes 3 bytes from a static buffer to the descriptor.
    let written = unsafe { libc::write(fd, b"ok\n".as_ptr() as *const libc::c_void, 3) };
    assert_eq!(written, 3);
    assert_eq!(std::fs::read_to_string(&theirs).expect("read"), "ok\n");
    // SAFETY: the descriptor made by dup2 above is ours to close.
    unsafe { libc::close(fd) };
    std::mem::forget(writer);
}

#[test]
fn a_child_forked_without_hooks_never_writes_its_parents_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer = Writer::create(
        dir.path(),
        ProcessId {
            pid: std::process::id(),
            nonce: 4,
        },
        0,
    )
    .expect("create");
    let slot = writer
        .register_lines("/parent.py", "", 1, 2)
        .expect("register");
    // SAFETY: the slot is live.
    unsafe { slot.hit(0) };
    // SAFETY: the child only calls the writer (no allocation-free guarantee needed: this test
    // process is single-threaded at this point of the child) and _exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let refused = writer.register_lines("/child.py", "", 1, 2).is_err();
        writer.mark_closed();
        // SAFETY: ends the child at once.
        unsafe { libc::_exit(if refused { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waits for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child appended to its parent's file"
    );
    let later = writer
        .register_lines("/parent.py", "ctx", 1, 2)
        .expect("register");
    // SAFETY: the slot is live.
    unsafe { later.hit(1) };
    let contents = parse(&std::fs::read(writer.path()).expect("read")).expect("parse");
    assert_eq!(
        contents.ending,
        Ending::Open,
        "the child marked its parent's file"
    );
    assert!(!contents.data.files.contains_key("/child.py"));
    assert_eq!(
        contents.data.lines("/parent.py"),
        Some(BTreeSet::from([1, 2]))
    );
    std::mem::forget(writer);
}

#[test]
fn removed_segments_are_restored_from_the_mapping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("run");
    let mut writer = Writer::create(&run, ProcessId { pid: 8, nonce: 8 }, 0).expect("create");
    let slot = writer.register_lines("/a.py", "", 1, 3).expect("register");
    // SAFETY: the slot is live.
    unsafe { slot.hit(2) };
    assert!(writer.restore_removed().is_empty());
    std::fs::remove_dir_all(&run).expect("remove");
    // SAFETY: the mapping outlives the removal of its file.
    unsafe { slot.hit(0) };
    writer.mark_closed();
    assert_eq!(writer.restore_removed(), vec![writer.path()]);
    let contents = parse(&std::fs::read(writer.path()).expect("read")).expect("parse");
    assert!(contents.closed_cleanly());
    assert_eq!(contents.data.lines("/a.py"), Some(BTreeSet::from([1, 3])));
    std::mem::forget(writer);
}

#[test]
fn format_2_files_are_still_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_sample(dir.path());
    let bytes = std::fs::read(path).expect("read");
    // The same file as format 2 wrote it: a 64-byte header, the records right after it.
    let mut old = bytes[..HEADER_LEN_2].to_vec();
    old.extend_from_slice(&bytes[HEADER_LEN..]);
    old[OFFSET_VERSION..OFFSET_VERSION + 4].copy_from_slice(&FORMAT_VERSION_2.to_le_bytes());
    let capacity = old.len() as u64;
    old[OFFSET_CAPACITY..OFFSET_CAPACITY + 8].copy_from_slice(&capacity.to_le_bytes());
    let checksum = header_checksum(&old, HEADER_LEN_2);
    old[OFFSET_HEADER_CHECKSUM..OFFSET_HEADER_CHECKSUM + 4]
        .copy_from_slice(&checksum.to_le_bytes());
    let contents = parse(&old).expect("parse");
    assert!(contents.damage.is_empty(), "{:?}", contents.damage);
    assert_eq!(contents.lifetime, None);
    assert_eq!(
        contents.data.lines("/src/a.py"),
        Some(BTreeSet::from([3, 5, 6]))
    );
}

/// Free threading: threads hitting the lines of one code object at once, every line by every
/// thread, lose no hit (each hit is an atomic store into the mapping).
#[test]
fn threads_hitting_one_slot_at_once_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer =
        Writer::create(dir.path(), ProcessId { pid: 43, nonce: 1 }, 1).expect("create");
    let slot = writer
        .register_lines("/src/hot.py", "", 1, 2000)
        .expect("register");
    std::thread::scope(|scope| {
        for thread in 0..8u32 {
            let slot = &slot;
            scope.spawn(move || {
                for round in 0..50u32 {
                    for index in 0..2000u32 {
                        // Each thread its own order, so that threads meet on every cell.
                        let index = (index * 7 + thread * 131 + round) % 2000;
                        // SAFETY: the slot comes from a live writer.
                        unsafe { slot.hit(index) };
                    }
                }
            });
        }
    });
    let bytes = std::fs::read(writer.path()).expect("read");
    let contents = parse(&bytes).expect("parse");
    assert_eq!(
        contents.data.lines("/src/hot.py"),
        Some((1..=2000).collect::<BTreeSet<u32>>())
    );
}

/// Free threading: threads storing different arcs into one arc slot at once, each claiming its
/// cell with an atomic add, lose none and overwrite none; a full slot refuses the rest.
#[test]
fn threads_appending_arcs_to_one_slot_lose_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer =
        Writer::create_with_flags(dir.path(), ProcessId { pid: 44, nonce: 1 }, 1, FLAG_BRANCH)
            .expect("create");
    let slot = writer
        .register_arcs("/src/hot.py", "", 1, 4000)
        .expect("register");
    let used = std::sync::atomic::AtomicU32::new(0);
    let refused = std::sync::atomic::AtomicU32::new(0);
    std::thread::scope(|scope| {
        for thread in 0..8i32 {
            let (slot, used, refused) = (&slot, &used, &refused);
            scope.spawn(move || {
                // 8 threads x 600 arcs: 4,800 for 4,000 cells.
                for k in 0..600i32 {
                    // SAFETY: the slot comes from a live writer; `used` is its only counter.
                    if !unsafe { slot.append(used, (thread + 1, k + 1)) } {
                        refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(used.load(std::sync::atomic::Ordering::Relaxed), 4000);
    assert_eq!(refused.load(std::sync::atomic::Ordering::Relaxed), 800);
    let bytes = std::fs::read(writer.path()).expect("read");
    let contents = parse(&bytes).expect("parse");
    let arcs = contents.data.file_arcs("/src/hot.py");
    // Every claimed cell holds an arc some thread stored, and no two threads shared a cell.
    assert_eq!(arcs.len(), 4000, "arcs lost or overwritten");
    assert!(arcs
        .iter()
        .all(|&(from, to)| (1..=8).contains(&from) && (1..=600).contains(&to)));
}
