//! coverage.py's SQLite data file (schema version 7), written and read.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::data::{CoverageData, ProcessRecord};
use crate::error::{Error, Result};
use crate::numbits;

/// The coverage.py schema version this module writes and reads.
pub const SCHEMA_VERSION: i64 = 7;

const SCHEMA: &str = "
CREATE TABLE coverage_schema (version integer);
CREATE TABLE meta (key text, value text, unique (key));
CREATE TABLE file (id integer primary key, path text, unique (path));
CREATE TABLE context (id integer primary key, context text, unique (context));
CREATE TABLE line_bits (
    file_id integer, context_id integer, numbits blob,
    foreign key (file_id) references file (id),
    foreign key (context_id) references context (id),
    unique (file_id, context_id)
);
CREATE TABLE arc (
    file_id integer, context_id integer, fromno integer, tono integer,
    foreign key (file_id) references file (id),
    foreign key (context_id) references context (id),
    unique (file_id, context_id, fromno, tono)
);
CREATE TABLE tracer (file_id integer primary key, tracer text, foreign key (file_id) references file (id));
";

/// The process records as stored in the `meta` table: the files once, and for each process
/// which of them it ran as a bitmap (hexadecimal, bit i = file i), so that 200 processes of a
/// 2,000-file project cost kilobytes, not megabytes.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredRecords {
    files: Vec<String>,
    processes: Vec<StoredProcess>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredProcess {
    pid: u32,
    parent_pid: u32,
    started: u64,
    ended: String,
    files: String,
}

impl StoredRecords {
    fn from(records: &[ProcessRecord]) -> StoredRecords {
        let files: Vec<&str> = records
            .iter()
            .flat_map(|r| r.files.iter().map(|f| &**f))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let index: std::collections::HashMap<&str, usize> =
            files.iter().enumerate().map(|(i, f)| (*f, i)).collect();
        let processes = records
            .iter()
            .map(|record| {
                let mut bits = vec![0u8; files.len().div_ceil(8)];
                for file in &record.files {
                    if let Some(&i) = index.get(&**file) {
                        bits[i / 8] |= 1 << (i % 8);
                    }
                }
                StoredProcess {
                    pid: record.pid,
                    parent_pid: record.parent_pid,
                    started: record.started,
                    ended: record.ended.clone(),
                    files: bits.iter().map(|b| format!("{b:02x}")).collect(),
                }
            })
            .collect();
        StoredRecords {
            files: files.into_iter().map(str::to_string).collect(),
            processes,
        }
    }

    fn records(self) -> Vec<ProcessRecord> {
        let files: Vec<crate::data::FileName> = self.files.into_iter().map(Into::into).collect();
        self.processes
            .into_iter()
            .map(|process| {
                let bytes: Vec<u8> = (0..process.files.len() / 2)
                    .filter_map(|i| {
                        process
                            .files
                            .get(2 * i..2 * i + 2)
                            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    })
                    .collect();
                let ran = files
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| bytes.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0))
                    .map(|(_, f)| f.clone())
                    .collect();
                ProcessRecord {
                    pid: process.pid,
                    parent_pid: process.parent_pid,
                    started: process.started,
                    ended: process.ended,
                    files: ran,
                }
            })
            .collect()
    }
}

/// Facts recorded in the `meta` table beside the data.
pub struct Meta<'a> {
    pub sys_argv: &'a str,
    pub when: &'a str,
}

/// Write `data` as a fresh coverage.py data file at `path`, replacing any file there.
///
/// The SQLite library data files are written with (bundled into ferrocov), and its compile
/// options, for `ferrocov debug sqlite`.
pub fn library_info() -> (String, Vec<String>) {
    let options = rusqlite::Connection::open_in_memory()
        .and_then(|connection| {
            let mut statement = connection.prepare("PRAGMA compile_options")?;
            let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
            rows.collect::<rusqlite::Result<Vec<String>>>()
        })
        .unwrap_or_default();
    (rusqlite::version().to_string(), options)
}

/// The database is built in memory, written to a new file in the same directory (created
/// exclusively, under an unpredictable name, never through a symlink), flushed to disk, and
/// only then renamed over `path`: a failure at any step leaves the old file as it was, and a
/// symlink planted at `path` is replaced, not followed.
pub fn write(path: &Path, data: &CoverageData, meta: &Meta<'_>) -> Result<()> {
    let bytes = build(path, data, meta)?;
    write_file_atomically(path, &bytes)
}

/// Replace `path` with a file holding `bytes`, durably (write, fsync, rename, fsync the directory).
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempt = 0;
    let (temporary, mut file) = loop {
        let candidate = path.with_file_name(format!("{name}.ferrocov-tmp-{:016x}", random_u64()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .mode(0o644)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                attempt += 1
            }
            Err(error) => return Err(Error::io(&candidate, error)),
        }
    };
    let written = file.write_all(bytes).and_then(|_| file.sync_all());
    drop(file);
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(Error::io(path, error));
    }
    if let Err(error) = std::fs::rename(&temporary, path) {
        let _ = std::fs::remove_file(&temporary);
        return Err(Error::io(path, error));
    }
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if let Ok(handle) = std::fs::File::open(directory) {
        let _ = handle.sync_all();
    }
    Ok(())
}

fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    let read = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if read.is_ok() {
        return u64::from_le_bytes(bytes);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    now ^ ((std::process::id() as u64) << 40)
}

/// The bytes of a coverage.py data file holding `data` (`path` only names it in errors).
fn build(path: &Path, data: &CoverageData, meta: &Meta<'_>) -> Result<Vec<u8>> {
    let sql = |e| Error::sqlite(path, e);
    let mut connection = Connection::open_in_memory().map_err(sql)?;
    write_tables(&mut connection, path, data, meta)?;
    let bytes = connection
        .serialize(rusqlite::MAIN_DB)
        .map_err(sql)?
        .to_vec();
    Ok(bytes)
}

fn write_tables(
    connection: &mut Connection,
    path: &Path,
    data: &CoverageData,
    meta: &Meta<'_>,
) -> Result<()> {
    let sql = |e| Error::sqlite(path, e);
    let transaction = connection.transaction().map_err(sql)?;
    transaction.execute_batch(SCHEMA).map_err(sql)?;
    transaction
        .execute(
            "INSERT INTO coverage_schema (version) VALUES (?)",
            [SCHEMA_VERSION],
        )
        .map_err(sql)?;
    {
        let mut insert_meta = transaction
            .prepare("INSERT INTO meta (key, value) VALUES (?, ?)")
            .map_err(sql)?;
        insert_meta
            .execute(params!["version", crate::VERSION])
            .map_err(sql)?;
        insert_meta
            .execute(params!["sys_argv", meta.sys_argv])
            .map_err(sql)?;
        insert_meta
            .execute(params!["when", meta.when])
            .map_err(sql)?;
        insert_meta
            .execute(params!["has_arcs", if data.has_arcs { "1" } else { "0" }])
            .map_err(sql)?;
        insert_meta
            .execute(params!["ferrocov_processes", data.processes.to_string()])
            .map_err(sql)?;
        insert_meta
            .execute(params![
                "ferrocov_processes_unclean",
                data.processes_unclean.to_string()
            ])
            .map_err(sql)?;
        if !data.process_records.is_empty() {
            let records = serde_json::to_string(&StoredRecords::from(&data.process_records))
                .map_err(|e| Error::Data {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
            insert_meta
                .execute(params!["ferrocov_process_records", records])
                .map_err(sql)?;
        }
        // The default context is id 1 when it is used (or nothing is), as coverage.py writes
        // it; the others follow, sorted. A run under a static context has only that one.
        let mut context_ids = std::collections::BTreeMap::new();
        let used = data.contexts();
        if used.is_empty() || used.contains(crate::data::DEFAULT_CONTEXT) {
            context_ids.insert(crate::data::DEFAULT_CONTEXT.to_string(), 1i64);
        }
        for context in used {
            let next = context_ids.len() as i64 + 1;
            context_ids.entry(context).or_insert(next);
        }
        let mut insert_context = transaction
            .prepare("INSERT INTO context (id, context) VALUES (?, ?)")
            .map_err(sql)?;
        for (context, id) in &context_ids {
            insert_context.execute(params![id, context]).map_err(sql)?;
        }
        let mut insert_file = transaction
            .prepare("INSERT INTO file (id, path) VALUES (?, ?)")
            .map_err(sql)?;
        let mut insert_bits = transaction
            .prepare("INSERT INTO line_bits (file_id, context_id, numbits) VALUES (?, ?, ?)")
            .map_err(sql)?;
        let mut insert_arc = transaction
            .prepare("INSERT INTO arc (file_id, context_id, fromno, tono) VALUES (?, ?, ?, ?)")
            .map_err(sql)?;
        for (index, (file, contexts)) in data.files.iter().enumerate() {
            let id = index as i64 + 1;
            insert_file.execute(params![id, file]).map_err(sql)?;
            if data.has_arcs {
                // coverage.py keeps arcs or lines, never both: lines are the arcs' ends.
                for (context, arcs) in data.arcs.get(file).into_iter().flatten() {
                    let context_id = context_ids.get(context).copied().unwrap_or(1);
                    for &(from, to) in arcs {
                        insert_arc
                            .execute(params![id, context_id, from, to])
                            .map_err(sql)?;
                    }
                }
                continue;
            }
            for (context, lines) in contexts {
                if !lines.is_empty() {
                    let context_id = context_ids.get(context).copied().unwrap_or(1);
                    insert_bits
                        .execute(params![
                            id,
                            context_id,
                            numbits::from_lines(lines.iter().copied())
                        ])
                        .map_err(sql)?;
                }
            }
        }
    }
    transaction.commit().map_err(sql)?;
    Ok(())
}

/// Read a coverage.py data file (any context, lines or arcs) into executed lines per file.
pub fn read(path: &Path) -> Result<CoverageData> {
    let sql = |e| Error::sqlite(path, e);
    if path.is_dir() {
        // SQLite would say "disk I/O error".
        return Err(Error::Data {
            path: path.to_path_buf(),
            message: "it is a directory, not a data file".into(),
        });
    }
    let connection = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sql)?;
    let version: Option<i64> = connection
        .query_row("SELECT version FROM coverage_schema", [], |row| row.get(0))
        .optional()
        .map_err(|_| Error::Data {
            path: path.to_path_buf(),
            message: "Doesn't seem to be a coverage data file".into(),
        })?;
    if version != Some(SCHEMA_VERSION) {
        return Err(Error::Data {
            path: path.to_path_buf(),
            message: format!(
                "unsupported coverage data schema version {version:?} (expected {SCHEMA_VERSION})"
            ),
        });
    }
    let mut data = CoverageData::default();
    let mut files = connection
        .prepare("SELECT id, path FROM file")
        .map_err(sql)?;
    let mut paths = std::collections::HashMap::new();
    for row in files
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(sql)?
    {
        let (id, file) = row.map_err(sql)?;
        data.touch(&file);
        paths.insert(id, file);
    }
    let mut contexts = std::collections::HashMap::new();
    let mut context_rows = connection
        .prepare("SELECT id, context FROM context")
        .map_err(sql)?;
    for row in context_rows
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(sql)?
    {
        let (id, context) = row.map_err(sql)?;
        contexts.insert(id, context);
    }
    let context_name = |id: i64| {
        contexts
            .get(&id)
            .map(String::as_str)
            .unwrap_or(crate::data::DEFAULT_CONTEXT)
    };
    let mut bits = connection
        .prepare("SELECT file_id, context_id, numbits FROM line_bits")
        .map_err(sql)?;
    for row in bits
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Vec<u8>>(2)?,
            ))
        })
        .map_err(sql)?
    {
        let (id, context, blob) = row.map_err(sql)?;
        if let Some(file) = paths.get(&id) {
            data.add_context_lines(file, context_name(context), numbits::to_lines(&blob));
        }
    }
    let mut arcs = connection
        .prepare("SELECT file_id, context_id, fromno, tono FROM arc")
        .map_err(sql)?;
    for row in arcs
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })
        .map_err(sql)?
    {
        let (id, context, from, to) = row.map_err(sql)?;
        if let Some(file) = paths.get(&id) {
            data.add_context_arcs(file, context_name(context), [(from as i32, to as i32)]);
        }
    }
    let has_arcs: Option<String> = connection
        .query_row("SELECT value FROM meta WHERE key = 'has_arcs'", [], |row| {
            row.get(0)
        })
        .optional()
        .map_err(sql)?;
    if has_arcs.as_deref() == Some("1") {
        data.has_arcs = true;
    }
    let meta_number = |key: &str| -> u64 {
        connection
            .query_row("SELECT value FROM meta WHERE key = ?", [key], |row| {
                row.get::<_, String>(0)
            })
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    data.processes = meta_number("ferrocov_processes");
    data.processes_unclean = meta_number("ferrocov_processes_unclean");
    let records: Option<String> = connection
        .query_row(
            "SELECT value FROM meta WHERE key = 'ferrocov_process_records'",
            [],
            |row| row.get(0),
        )
        .optional()
        .ok()
        .flatten();
    // Damaged or foreign process records only lose the processes page, never the data.
    data.process_records = records
        .and_then(|text| serde_json::from_str::<StoredRecords>(&text).ok())
        .map(StoredRecords::records)
        .unwrap_or_default();
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".coverage");
        let mut data = CoverageData::default();
        data.add_lines("/a.py", [1, 2, 10]);
        data.add_context_lines("/a.py", "test_a|run", [3]);
        data.touch("/b.py");
        data.processes = 3;
        data.processes_unclean = 1;
        write(
            &path,
            &data,
            &Meta {
                sys_argv: "[]",
                when: "now",
            },
        )
        .expect("write");
        let back = read(&path).expect("read");
        assert_eq!(back, data);
    }

    #[test]
    fn arcs_write_then_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".coverage");
        let mut data = CoverageData::default();
        data.add_context_arcs("/a.py", "", [(-1, 1), (1, 2), (2, -1)]);
        data.add_context_arcs("/a.py", "t|run", [(1, 3)]);
        data.touch("/b.py");
        write(
            &path,
            &data,
            &Meta {
                sys_argv: "[]",
                when: "now",
            },
        )
        .expect("write");
        let back = read(&path).expect("read");
        assert!(back.has_arcs);
        assert_eq!(back.arcs, data.arcs);
        assert_eq!(back.lines("/a.py"), data.lines("/a.py"));
        assert!(back.files.contains_key("/b.py"));
    }

    #[test]
    fn garbage_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".coverage.bad");
        std::fs::write(&path, b"this is not sqlite at all, not even close........").expect("write");
        let error = read(&path).expect_err("garbage");
        assert!(error.to_string().contains(".coverage.bad"), "{error}");
    }

    #[test]
    fn a_planted_symlink_is_replaced_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("victim");
        std::fs::write(&target, b"keep me").expect("write");
        let path = dir.path().join(".coverage");
        std::os::unix::fs::symlink(&target, &path).expect("symlink");
        let mut data = CoverageData::default();
        data.add_lines("/a.py", [1]);
        write(
            &path,
            &data,
            &Meta {
                sys_argv: "[]",
                when: "now",
            },
        )
        .expect("write");
        assert_eq!(std::fs::read(&target).expect("read"), b"keep me");
        assert!(!std::fs::symlink_metadata(&path)
            .expect("stat")
            .file_type()
            .is_symlink());
        assert_eq!(
            read(&path).expect("read").lines("/a.py"),
            data.lines("/a.py")
        );
        // Nothing else is left in the directory: no temporary file.
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 2);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("missing-directory").join(".coverage");
        let error = write(
            &path,
            &CoverageData::default(),
            &Meta {
                sys_argv: "[]",
                when: "now",
            },
        )
        .expect_err("no directory");
        assert!(error.to_string().contains("missing-directory"), "{error}");
    }

    #[test]
    fn process_records_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".coverage");
        let mut data = CoverageData::default();
        data.add_lines("/a.py", [1]);
        for pid in 0..20u32 {
            let mut files = (0..12)
                .filter(|i| (i + pid) % 3 == 0)
                .map(|i| format!("/src/m{i}.py").into())
                .collect::<Vec<_>>();
            files.sort();
            data.process_records.push(ProcessRecord {
                pid,
                parent_pid: 1,
                started: pid as u64,
                ended: "clean".into(),
                files,
            });
        }
        write(
            &path,
            &data,
            &Meta {
                sys_argv: "[]",
                when: "now",
            },
        )
        .expect("write");
        assert_eq!(
            read(&path).expect("read").process_records,
            data.process_records
        );
    }
}
