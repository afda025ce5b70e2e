//! Mutation test of the data-file reader: files written by the real writer (line and arc
//! records, several contexts, several code objects), then cut at every offset and changed one
//! byte at a time at 100,000+ random places. For every mutant the reader must not panic, must
//! not allocate more than the input justifies, and must report damage whenever what it reads
//! differs from what the intact file holds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;

use ferrocov_core::datafile::{parse, FileContents, ProcessId, Writer, FLAG_BRANCH};

/// Counts, per thread, the live bytes and the largest single allocation, to bound what a
/// parse allocates (tests run in parallel threads).
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let size = layout.size();
        let _ = LIVE.try_with(|live| {
            live.set(live.get() + size as isize);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
        });
        let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        let _ = LIVE.try_with(|live| live.set(live.get() - layout.size() as isize));
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(pointer, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A deterministic generator (xorshift64*), so that a failure can be reproduced.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A file as a measured process leaves it: code objects of several files, some lines run, in
/// two contexts; with `branch`, arc records too. Returns its bytes and how much of it is used.
fn real_file(dir: &Path, branch: bool, seed: u64) -> (Vec<u8>, usize) {
    let mut random = Random(seed);
    let flags = if branch { FLAG_BRANCH } else { 0 };
    let mut writer = Writer::create_with_flags(
        dir,
        ProcessId {
            pid: 4242,
            nonce: seed,
        },
        17,
        flags,
    )
    .expect("create");
    for index in 0..12 {
        let path = format!("/home/user/project/src/package/module_{index}.py");
        let context = if index % 3 == 0 {
            "tests/test_module.py::test_thing|run"
        } else {
            ""
        };
        let first_line = 1 + random.below(200) as u32;
        let n_lines = 1 + random.below(40) as u32;
        let lines = writer
            .register_lines(&path, context, first_line, n_lines)
            .expect("lines");
        for _ in 0..random.below(n_lines as usize + 1) {
            // SAFETY: the slot is live.
            unsafe { lines.hit(random.below(n_lines as usize) as u32) };
        }
        if branch {
            let arcs = writer
                .register_arcs(&path, context, first_line, 16)
                .expect("arcs");
            for cell in 0..random.below(17) as u32 {
                let from = first_line as i32 + random.below(n_lines as usize) as i32;
                let to = if random.below(5) == 0 {
                    -(first_line as i32)
                } else {
                    first_line as i32 + random.below(n_lines as usize) as i32
                };
                // SAFETY: the slot is live and cell < capacity.
                unsafe { arcs.store(cell, (from, to)) };
            }
        }
    }
    if seed.is_multiple_of(2) {
        writer.mark_closed();
    }
    let path = writer.path();
    std::mem::forget(writer);
    let bytes = std::fs::read(path).expect("read");
    let used = bytes
        .chunks(8)
        .rposition(|word| word.iter().any(|&b| b != 0))
        .map_or(0, |i| 8 * (i + 1));
    (bytes, used)
}

/// What a parse gives, as far as a report or a process count could tell.
fn outcome(contents: &FileContents) -> String {
    format!(
        "{:?} {} {} {:?} {} {:?} {:?}",
        contents.process,
        contents.parent_pid,
        contents.segment,
        contents.ending,
        contents.branch,
        contents.data.files,
        contents.data.arcs
    )
}

/// Parse a mutant; check that it allocated within bounds; return (outcome or None if the
/// file was refused, whether damage was reported).
fn check(mutant: &[u8]) -> (Option<String>, bool) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    LARGEST.with(|largest| largest.set(0));
    let result = parse(mutant);
    let peak = (PEAK.with(Cell::get) - before) as usize;
    let largest = LARGEST.with(Cell::get);
    let bound = 64 * mutant.len() + (64 << 10);
    assert!(
        peak <= bound,
        "a {}-byte input made the reader hold {peak} bytes",
        mutant.len()
    );
    assert!(
        largest <= 8 * mutant.len() + 4096,
        "a {}-byte input made a {largest}-byte allocation",
        mutant.len()
    );
    match result {
        Ok(contents) => (Some(outcome(&contents)), !contents.damage.is_empty()),
        Err(_) => (None, true),
    }
}

#[test]
fn every_truncation_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (branch, seed) in [(false, 1), (true, 2)] {
        let (bytes, _) = real_file(dir.path(), branch, seed);
        let (intact, damaged) = check(&bytes);
        assert!(intact.is_some() && !damaged);
        for len in 0..bytes.len() {
            let (_, reported) = check(&bytes[..len]);
            assert!(
                reported,
                "a cut at {len} of {} bytes was not reported",
                bytes.len()
            );
        }
    }
}

#[test]
fn every_single_byte_change_that_alters_the_result_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut random = Random(0x5EED);
    let (mut mutants, mut altering) = (0usize, 0usize);
    for seed in 1..=8u64 {
        let (bytes, used) = real_file(dir.path(), seed.is_multiple_of(2), seed);
        let (intact, damaged) = check(&bytes);
        assert!(!damaged);
        for _ in 0..13_000 {
            // Most changes hit the used part, where they can matter; some hit the empty tail.
            let offset = if random.below(10) == 0 {
                random.below(bytes.len())
            } else {
                random.below(used)
            };
            let mut mutant = bytes.clone();
            mutant[offset] ^= 1 + random.below(255) as u8;
            let (result, reported) = check(&mutant);
            mutants += 1;
            if result != intact {
                altering += 1;
                assert!(
                    reported,
                    "file {seed}: changing byte {offset} altered the result without a report"
                );
            }
        }
    }
    assert!(mutants >= 100_000);
    // The generator did exercise damage: most changes to the used part alter something.
    assert!(altering > mutants / 2, "{altering} of {mutants}");
}
