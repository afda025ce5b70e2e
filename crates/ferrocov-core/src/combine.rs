//! Merge per-process data files (and coverage.py data files) into one `CoverageData`.
//! A file that cannot be read is skipped with a warning that names it; the rest combines.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::data::{CoverageData, FileName, ProcessRecord};
use crate::datafile::{self, Ending, LockState, ProcessId, Unreadable};
use crate::sqlite;

/// The outcome of a combine: the merged data, what was read, and what was skipped and why.
#[derive(Debug, Default)]
pub struct Combined {
    pub data: CoverageData,
    /// Input files whose data was used (or that held nothing): safe to delete once the data
    /// that replaces them is on disk.
    pub consumed: Vec<PathBuf>,
    /// One line per skipped or damaged file, naming it.
    pub warnings: Vec<String>,
    /// Data files whose writers are still alive: not read, not to be deleted.
    pub live: Vec<PathBuf>,
}

/// How patient a combine is with live writers.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// Processes known to be ending (xdist workers that said they are done): their files are
    /// waited for, up to `wait_limit`, instead of being left as live.
    pub wait_for: Vec<u32>,
    pub wait_limit: Duration,
    /// How long any other live writer is given to end (a helper such as multiprocessing's
    /// forkserver exits just after the program it serves), counted from the start.
    pub grace: Duration,
    /// Read the files of live writers too, as they are now (for a look at the data while
    /// measuring goes on); they are listed in `live`, never in `consumed`.
    pub read_live: bool,
}

/// Is this the name of a ferrocov run directory (`.ferrocov-<id>`) next to a data file?
pub fn is_run_directory_name(name: &str) -> bool {
    name.starts_with(".ferrocov-") && !name.contains("-tmp-")
}

/// The key of a data file's runs in the temporary directory: FNV-1a (64 bits) of its absolute
/// path, so that `ferrocov combine` and `erase` find the runs made for that data file.
pub fn run_key(data_file: &Path) -> String {
    let absolute = std::path::absolute(data_file).unwrap_or_else(|_| data_file.to_path_buf());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in absolute.as_os_str().as_encoded_bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// This user's directory for live run data under the temporary directory (`$TMPDIR`, else
/// `/tmp`): `ferrocov-<uid>`, made with mode 0700 when `create`. None when it can't be used
/// safely: not a directory of this user's own (a symlink, another owner) or open to others.
pub fn temp_root(create: bool) -> Option<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    let base = std::env::var_os("TMPDIR")
        .filter(|t| !t.is_empty())
        .map(PathBuf::from)
        .filter(|t| t.is_absolute())
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let root = base.join(format!("ferrocov-{uid}"));
    if create {
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&root);
    }
    let metadata = std::fs::symlink_metadata(&root).ok()?;
    let private = metadata.file_type().is_dir()
        && metadata.uid() == uid
        && metadata.permissions().mode() & 0o077 == 0;
    private.then_some(root)
}

/// Where a new run for `data_file` keeps its per-process files while it runs: under
/// [`temp_root`], out of the work tree (a test or script that cleans the tree — `git clean
/// -fdx` — can't remove them), named by [`run_key`] and the run's id; else, where the
/// temporary directory can't be used, `.ferrocov-<id>` next to the data file.
pub fn new_run_directory(data_file: &Path, run_id: &str) -> PathBuf {
    match temp_root(true) {
        Some(root) => root.join(format!("{}-{run_id}", run_key(data_file))),
        None => {
            let directory = match data_file.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            directory.join(format!(".ferrocov-{run_id}"))
        }
    }
}

/// The inputs `combine` reads when given none: the data file's runs (in the temporary
/// directory, and `.ferrocov-*` directories next to it) and parallel data files next to it.
pub fn default_inputs(data_file: &Path) -> Vec<PathBuf> {
    let directory = match data_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = data_file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!("{base}.");
    let mut inputs = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&directory) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if (is_dir && is_run_directory_name(&name))
                || (!is_dir && name.starts_with(&prefix) && !name.contains("ferrocov-tmp"))
            {
                inputs.push(entry.path());
            }
        }
    }
    if let Some(root) = temp_root(false) {
        let prefix = format!("{}-", run_key(data_file));
        if let Ok(entries) = std::fs::read_dir(&root) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
                if is_dir && name.starts_with(&prefix) {
                    inputs.push(entry.path());
                }
            }
        }
    }
    inputs.sort();
    inputs
}

/// The files in `directory` that a live process still writes (erase leaves those).
pub fn live_files(directory: &Path) -> Vec<PathBuf> {
    let mut live: Vec<PathBuf> = std::fs::read_dir(directory)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    live.retain(|path| {
        // Only regular files are opened: a FIFO planted here would block the open.
        std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
            && std::fs::File::open(path).is_ok_and(|file| datafile::writer_alive(&file))
    });
    live.sort();
    live
}

/// Combine every input: a directory contributes its `*.fcd` files and any coverage.py
/// data files (`.coverage*`); a file is read by its kind.
pub fn combine(inputs: &[PathBuf]) -> Combined {
    combine_with(inputs, &Options::default())
}

/// [`combine`], waiting for the files of the processes in `options.wait_for` to be released.
pub fn combine_with(inputs: &[PathBuf], options: &Options) -> Combined {
    let start = Instant::now();
    let deadlines = (start + options.wait_limit, start + options.grace);
    let mut combined = Combined::default();
    let mut seen = Seen::default();
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            match std::fs::read_dir(input) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| {
                            // Regular files only (not through a symlink): opening a FIFO
                            // would block.
                            std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
                        })
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(error) => combined.warnings.push(format!(
                    "Couldn't read directory '{}': {error}",
                    input.display()
                )),
            }
        } else if input.exists() {
            files.push(input.clone());
        } else {
            combined.warnings.push(format!(
                "Couldn't combine from non-existent path '{}'",
                input.display()
            ));
        }
    }
    let mut kind = Kind::default();
    for file in files {
        let is_raw = file.extension().is_some_and(|e| e == datafile::EXTENSION);
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if datafile::is_being_created(&name) {
            // A segment its writer never finished: nothing in it was ever published.
            match std::fs::File::open(&file).map(|f| datafile::lock_state(&f)) {
                Ok(LockState::Free) => combined.consumed.push(file),
                Ok(LockState::Live) => combined.live.push(file),
                Err(_) => {}
            }
        } else if is_raw {
            read_raw(
                &file,
                &mut combined,
                &mut seen,
                &mut kind,
                options,
                deadlines,
            );
        } else {
            match sqlite::read(&file) {
                Ok(data) => {
                    if let Some(warning) = kind.mismatch(&file, data.has_arcs) {
                        combined.warnings.push(warning);
                        continue;
                    }
                    combined.data.merge(data);
                    combined.consumed.push(file);
                }
                Err(error) => combined.warnings.push(format!(
                    "Couldn't use data file '{}': {error}",
                    file.display()
                )),
            }
        }
    }
    let Seen {
        mut processes,
        lifetimes,
        ..
    } = seen;
    combined.data.processes += processes.len() as u64;
    combined.data.processes_unclean += processes
        .values()
        .filter(|record| record.ended != "clean")
        .count() as u64;
    // A pid seen with several processes, one after the other: all but the last were replaced
    // by the next through exec (if they did not close cleanly) — when the files say which
    // process they were (format 3), only those of the very same process (exec keeps a
    // process's start time; a pid reused, in this boot or in another PID namespace, does
    // not).
    type SameProcess = (u32, Option<datafile::ProcessLifetime>);
    let mut by_pid: BTreeMap<SameProcess, Vec<(u64, ProcessId)>> = BTreeMap::new();
    for (id, record) in &processes {
        let lifetime = lifetimes.get(id).copied().flatten();
        by_pid
            .entry((id.pid, lifetime))
            .or_default()
            .push((record.started, *id));
    }
    for (_, mut same_pid) in by_pid.into_iter().filter(|(_, ids)| ids.len() > 1) {
        same_pid.sort();
        same_pid.pop();
        for (_, id) in same_pid {
            if let Some(record) = processes
                .get_mut(&id)
                .filter(|record| record.ended == "unclean")
            {
                record.ended = "exec".to_string();
            }
        }
    }
    let mut records: Vec<ProcessRecord> = processes.into_values().collect();
    records.sort_by_key(|record| (record.started, record.pid));
    combined.data.process_records.extend(records);
    combined
}

/// A process's ending, as [`ProcessRecord::ended`] says it, once one more of its segments is
/// read: "clean" while every segment says closed; "exit:N" or "signal:N" when one says the
/// process ended so (its first segment); else "unclean" (nothing said: killed, or exec).
fn merge_ending(so_far: &str, segment: Ending) -> String {
    match segment {
        Ending::Exit(code) => format!("exit:{code}"),
        Ending::Signal(signal) => format!("signal:{signal}"),
        Ending::Open if so_far == "clean" => "unclean".to_string(),
        Ending::Open | Ending::Closed => so_far.to_string(),
    }
}

/// Whether the data combined so far measured branches, and which file said so first: lines and
/// arcs never mix (coverage.py refuses to combine them), so a file of the other kind is skipped.
#[derive(Default)]
struct Kind {
    first: Option<(bool, PathBuf)>,
}

impl Kind {
    fn mismatch(&mut self, file: &Path, has_arcs: bool) -> Option<String> {
        match &self.first {
            None => {
                self.first = Some((has_arcs, file.to_path_buf()));
                None
            }
            Some((arcs, _)) if *arcs == has_arcs => None,
            Some((arcs, first)) => {
                let (branch_file, line_file) = if *arcs {
                    (first.as_path(), file)
                } else {
                    (file, first.as_path())
                };
                Some(format!(
                    "Can't combine branch coverage data with statement data: data file '{}' measured branch coverage, but data file '{}' didn't; skipped '{}'",
                    branch_file.display(),
                    line_file.display(),
                    file.display()
                ))
            }
        }
    }
}

/// Is the file's writer alive? One we were told is ending is waited for until the first
/// deadline, any other until the second (the grace).
fn is_live(
    handle: &std::fs::File,
    file: &Path,
    options: &Options,
    deadlines: (Instant, Instant),
) -> bool {
    let waiting = datafile::pid_from_name(file).is_some_and(|pid| options.wait_for.contains(&pid));
    let deadline = if waiting {
        deadlines.0.max(deadlines.1)
    } else {
        deadlines.1
    };
    loop {
        if !datafile::writer_alive(handle) {
            return false;
        }
        if Instant::now() >= deadline {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What the data files read so far said of their processes.
#[derive(Default)]
struct Seen {
    processes: BTreeMap<ProcessId, ProcessRecord>,
    /// Each process's lifetime, as its files' headers give it (format 3).
    lifetimes: BTreeMap<ProcessId, Option<datafile::ProcessLifetime>>,
    /// Each measured file's name once, shared by the process records that ran it.
    names: std::collections::BTreeSet<FileName>,
}

fn read_raw(
    file: &Path,
    combined: &mut Combined,
    seen: &mut Seen,
    kind: &mut Kind,
    options: &Options,
    deadlines: (Instant, Instant),
) {
    let bytes = match std::fs::File::open(file) {
        Ok(mut handle) => {
            if is_live(&handle, file, options, deadlines) {
                combined.live.push(file.to_path_buf());
                if !options.read_live {
                    return;
                }
            }
            // Sized once: a doubling buffer would hold up to twice the file at the peak.
            let size = handle.metadata().map(|m| m.len()).unwrap_or(0);
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            match std::io::Read::read_to_end(&mut handle, &mut bytes) {
                Ok(_) => bytes,
                Err(error) => {
                    combined.warnings.push(format!(
                        "Couldn't read data file '{}': {error}",
                        file.display()
                    ));
                    return;
                }
            }
        }
        Err(error) => {
            combined.warnings.push(format!(
                "Couldn't read data file '{}': {error}",
                file.display()
            ));
            return;
        }
    };
    match datafile::parse(&bytes) {
        Ok(contents) => {
            if let Some(warning) = kind.mismatch(file, contents.branch) {
                combined.warnings.push(warning);
                return;
            }
            if !contents.damage.is_empty() {
                combined.warnings.push(format!(
                    "Data file '{}' is damaged: {}; the rest of it was read",
                    file.display(),
                    contents.damage.join("; ")
                ));
            }
            if let Some(process) = contents.process {
                seen.lifetimes.entry(process).or_insert(contents.lifetime);
                let names = &mut seen.names;
                let record = seen
                    .processes
                    .entry(process)
                    .or_insert_with(|| ProcessRecord {
                        pid: process.pid,
                        parent_pid: contents.parent_pid,
                        started: contents.started,
                        ended: "clean".to_string(),
                        files: Vec::new(),
                    });
                record.ended = merge_ending(&record.ended, contents.ending);
                record.started = record.started.min(contents.started);
                record.files.extend(contents.data.files.keys().map(|path| {
                    names.get(path.as_str()).cloned().unwrap_or_else(|| {
                        let name = FileName::from(path.as_str());
                        names.insert(name.clone());
                        name
                    })
                }));
                record.files.sort();
                record.files.dedup();
            }
            combined.data.merge(contents.data);
            if combined.live.last().is_none_or(|live| live != file) {
                combined.consumed.push(file.to_path_buf());
            }
        }
        // Writers publish a segment only once its header is written: an empty one was cut short.
        Err(Unreadable::NeverStarted) => {
            combined.warnings.push(format!(
                "Couldn't use data file '{}': it is empty (truncated)",
                file.display()
            ));
        }
        Err(Unreadable::Foreign(reason)) => {
            combined.warnings.push(format!(
                "Couldn't use data file '{}': {reason}",
                file.display()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datafile::Writer;

    #[test]
    fn combines_processes_and_skips_bad_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        for pid in 1..=3u32 {
            let mut writer = Writer::create(
                dir.path(),
                ProcessId {
                    pid,
                    nonce: pid as u64,
                },
                0,
            )
            .expect("create");
            let slot = writer.register_lines("/x.py", "", 1, 3).expect("register");
            // SAFETY: slot covers 3 bytes of a live mapping.
            unsafe { slot.hit(pid - 1) };
            writer.release_files();
            if pid == 1 {
                writer.mark_closed();
            }
            std::mem::forget(writer);
        }
        std::fs::write(
            dir.path().join("junk.fcd"),
            b"garbage garbage garbage garbage garbage garbage garbage garbage!",
        )
        .expect("write");
        let combined = combine(&[dir.path().to_path_buf()]);
        assert_eq!(
            combined
                .data
                .lines("/x.py")
                .unwrap_or_default()
                .into_iter()
                .collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(combined.data.processes, 3);
        assert_eq!(combined.data.processes_unclean, 2);
        assert_eq!(combined.warnings.len(), 1);
        assert!(combined.warnings[0].contains("junk.fcd"));
    }

    #[test]
    fn each_process_says_how_it_ended() {
        use crate::datafile::Ending;
        let dir = tempfile::tempdir().expect("tempdir");
        let endings = [
            (1, Some(Ending::Closed)),
            (2, Some(Ending::Exit(3))),
            (3, Some(Ending::Signal(libc::SIGSEGV as u8))),
            (4, Some(Ending::Signal(libc::SIGTERM as u8))),
            (5, None),
        ];
        for (pid, ending) in endings {
            let mut writer = Writer::create(
                dir.path(),
                ProcessId {
                    pid,
                    nonce: pid as u64,
                },
                0,
            )
            .expect("create");
            // Enough records for several segments: the ending is in the first one only.
            for index in 0..300u32 {
                let slot = writer
                    .register_lines(&format!("/m{index}.py"), "", 1, 200)
                    .expect("register");
                // SAFETY: the slot is live.
                unsafe { slot.hit(0) };
            }
            match ending {
                Some(Ending::Closed) => writer.mark_closed(),
                Some(ending) => {
                    let cell = writer.ending_cell().expect("a first segment");
                    // SAFETY: the mapping is leaked below, so it outlives this use.
                    unsafe { &*cell }.store(ending.state(), std::sync::atomic::Ordering::Release);
                }
                None => {}
            }
            writer.release_files();
            std::mem::forget(writer);
        }
        let combined = combine(&[dir.path().to_path_buf()]);
        assert!(combined.warnings.is_empty(), "{:?}", combined.warnings);
        let words: Vec<String> = combined
            .data
            .process_records
            .iter()
            .map(ProcessRecord::ending_in_words)
            .collect();
        assert_eq!(
            words,
            [
                "exited cleanly",
                "os._exit(3), data kept",
                "crashed with SIGSEGV, data kept",
                "killed by SIGTERM, data kept",
                "killed without a chance to say so (SIGKILL or alike), data kept"
            ]
        );
        assert_eq!(combined.data.processes_unclean, 4);
    }

    #[test]
    fn line_and_branch_data_do_not_mix() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut lines =
            Writer::create(dir.path(), ProcessId { pid: 1, nonce: 1 }, 0).expect("create");
        let slot = lines.register_lines("/x.py", "", 1, 2).expect("register");
        // SAFETY: slot covers 2 bytes of a live mapping.
        unsafe { slot.hit(0) };
        lines.release_files();
        let mut arcs = Writer::create_with_flags(
            dir.path(),
            ProcessId { pid: 2, nonce: 2 },
            0,
            datafile::FLAG_BRANCH,
        )
        .expect("create");
        let arc_slot = arcs.register_arcs("/x.py", "", 1, 4).expect("register");
        // SAFETY: the slot is live; index 0 is below its capacity.
        unsafe { arc_slot.store(0, (-1, 2)) };
        arcs.release_files();
        let (lines_path, arcs_path) = (lines.path(), arcs.path());
        std::mem::forget(lines);
        std::mem::forget(arcs);
        let combined = combine(&[lines_path.clone(), arcs_path.clone()]);
        assert!(!combined.data.has_arcs);
        assert_eq!(combined.consumed, vec![lines_path]);
        assert_eq!(combined.warnings.len(), 1);
        assert!(
            combined.warnings[0].contains("Can't combine branch coverage data with statement data"),
            "{:?}",
            combined.warnings
        );
        assert!(combined.warnings[0].contains(&arcs_path.display().to_string()));
    }

    #[test]
    fn live_files_are_left_alone_unless_waited_for() {
        use crate::datafile::tests::ChildWriter;
        let dir = tempfile::tempdir().expect("tempdir");
        let child = ChildWriter::start(dir.path());
        let combined = combine(&[dir.path().to_path_buf()]);
        assert_eq!(combined.live.len(), 1);
        assert!(combined.consumed.is_empty() && combined.data.files.is_empty());
        // A writer that is ending is waited for: here it exits 50 ms later.
        let pid = child.pid;
        let finisher = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            child.finish();
        });
        let options = Options {
            wait_for: vec![pid],
            wait_limit: Duration::from_secs(10),
            ..Options::default()
        };
        let combined = combine_with(&[dir.path().to_path_buf()], &options);
        finisher.join().expect("join");
        assert!(combined.live.is_empty());
        assert_eq!(combined.consumed.len(), 1);
        assert_eq!(
            combined
                .data
                .lines("/child.py")
                .map(|l| l.into_iter().collect::<Vec<_>>()),
            Some(vec![1])
        );
    }
}
