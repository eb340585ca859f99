//! The machinery of the reader fuzzer: a counting allocator, a watchdog for hangs, and the
//! loop that feeds one reader its inputs and keeps the score.

pub mod formats;
pub mod mutator;

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mutator::Mutator;

/// The system allocator, counting the bytes live now and the most live since the last reset.
pub struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

/// What one input did.
pub enum Outcome {
    /// The reader accepted it (and what it returned passed the reader's checks).
    Ok,
    /// The reader refused it with the project's error; the message.
    Err(String),
    /// The reader returned something that breaks its contract: a value it promises never to
    /// return, or an error that does not name the file.
    Violation(String),
}

/// Makes one input from the seeds (structure-aware inputs).
pub type Generate = Box<dyn FnMut(&mut Mutator, &[Vec<u8>]) -> Vec<u8>>;
/// Runs the reader on one input.
pub type Run = Box<dyn Fn(&[u8]) -> Outcome>;

/// One reader under test.
pub struct Reader {
    pub name: &'static str,
    /// Valid files, as the project or the world writes them: where mutation starts.
    pub seeds: Vec<Vec<u8>>,
    /// How many of the first seeds must be accepted (files the project itself writes).
    pub must_accept: usize,
    pub mutator: Mutator,
    /// Makes one input; the default mutates a seed.
    pub generate: Option<Generate>,
    pub run: Run,
    /// Memory bound: at most `per_byte`·len + `fixed` bytes above what was live before.
    pub per_byte: usize,
    pub fixed: usize,
    /// Whether inputs print as text.
    pub text: bool,
}

#[derive(Default)]
pub struct Score {
    pub inputs: usize,
    pub ok: usize,
    pub err: usize,
    pub panics: usize,
    pub violations: usize,
    pub slowest: Duration,
    pub slowest_len: usize,
    pub peak_extra: usize,
    pub peak_len: usize,
    pub seconds: f64,
}

/// The input being run, for the watchdog: which reader, the bytes, since when.
type Running = Mutex<Option<(&'static str, Arc<Vec<u8>>, Instant)>>;
static RUNNING: Running = Mutex::new(None);

/// Where failing inputs are written.
pub fn crash_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("fuzz-crashes")
}

fn save(reader: &str, kind: &str, index: usize, input: &[u8]) -> PathBuf {
    let dir = crash_dir();
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{reader}-{kind}-{index}.bin"));
    let _ = std::fs::write(&path, input);
    path
}

/// An input as it prints: text where it is, hex otherwise; cut at 600 characters.
pub fn show(input: &[u8], text: bool) -> String {
    let shown = match std::str::from_utf8(input) {
        Ok(s) if text => s.to_string(),
        _ => input
            .iter()
            .take(300)
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    };
    let cut: String = shown.chars().take(600).collect();
    if cut.len() < shown.len() {
        format!("{cut}… ({} bytes)", input.len())
    } else {
        cut
    }
}

/// Aborts the process, after saving the input, when one input runs past `limit`: a hang
/// cannot be unwound, and CI should say which input hung rather than time out silently.
pub fn start_watchdog(limit: Duration) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(500));
            let running = RUNNING.lock().ok().and_then(|r| r.clone());
            if let Some((reader, input, since)) = running
                && since.elapsed() > limit
            {
                let path = save(reader, "hang", 0, &input);
                eprintln!(
                    "reader {reader}: an input ran past {limit:?}; saved to {}",
                    path.display()
                );
                std::process::abort();
            }
        }
    });
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Panics are caught and counted; the hook keeps their message and place instead of printing
/// thousands of them.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = format!("{message} at {at}"));
    }));
}

/// Runs one input: its outcome, time and memory above the baseline.
pub fn run_one(reader: &Reader, input: &[u8]) -> (Result<Outcome, String>, Duration, usize) {
    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| (reader.run)(input)))
        .map_err(|_| LAST_PANIC.with(|p| p.borrow().clone()));
    let elapsed = start.elapsed();
    let extra = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
    (outcome, elapsed, extra)
}

/// Feeds `reader` `inputs` inputs; failures are printed and saved, the score returned.
pub fn fuzz(reader: &mut Reader, inputs: usize) -> Score {
    let mut score = Score::default();
    let mut failures = 0;
    let started = Instant::now();
    let seeds = std::mem::take(&mut reader.seeds);
    let mut generate = reader.generate.take();
    // Once untimed and unmeasured: lazy statics (a device, a thread pool) are set up by the
    // first call and are not the input's doing.
    if let Some(first) = seeds.first() {
        let _ = run_one(reader, first);
    }
    for index in 0..inputs + seeds.len() {
        // The seeds themselves first: a file the project writes must read back.
        let input = match index.checked_sub(seeds.len()) {
            None => seeds[index].clone(),
            Some(_) => match generate.as_mut() {
                Some(generate) => generate(&mut reader.mutator, &seeds),
                None => reader.mutator.input(&seeds),
            },
        };
        let input = Arc::new(input);
        if let Ok(mut running) = RUNNING.lock() {
            *running = Some((reader.name, input.clone(), Instant::now()));
        }
        let (outcome, elapsed, extra) = run_one(reader, &input);
        if let Ok(mut running) = RUNNING.lock() {
            *running = None;
        }
        score.inputs += 1;
        if elapsed > score.slowest {
            (score.slowest, score.slowest_len) = (elapsed, input.len());
        }
        if extra > score.peak_extra {
            (score.peak_extra, score.peak_len) = (extra, input.len());
        }
        let bound = reader.per_byte * input.len() + reader.fixed;
        let failure = match outcome {
            Err(panic) => {
                score.panics += 1;
                Some(("panic", format!("panicked: {panic}")))
            }
            Ok(_) if extra > bound => {
                score.violations += 1;
                Some((
                    "memory",
                    format!(
                        "{extra} bytes for a {}-byte input, over the bound of {bound}",
                        input.len()
                    ),
                ))
            }
            Ok(Outcome::Violation(why)) => {
                score.violations += 1;
                Some(("violation", why))
            }
            Ok(Outcome::Err(message)) if index < reader.must_accept => {
                score.violations += 1;
                Some((
                    "seed",
                    format!("a file the project writes is refused: {message}"),
                ))
            }
            Ok(Outcome::Err(_)) => {
                score.err += 1;
                None
            }
            Ok(Outcome::Ok) => {
                score.ok += 1;
                None
            }
        };
        if let Some((kind, why)) = failure {
            failures += 1;
            if failures <= 5 {
                let path = save(reader.name, kind, failures, &input);
                println!(
                    "reader {}: input {index} {why}\n  saved to {}\n  input: {}",
                    reader.name,
                    path.display(),
                    show(&input, reader.text)
                );
            }
        }
    }
    score.seconds = started.elapsed().as_secs_f64();
    score
}

/// Length-prefixed parts, for readers that take several files at once.
pub fn frame(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(&(part.len() as u32).to_le_bytes());
        out.extend_from_slice(part);
    }
    out
}

/// The parts of [`frame`]; a short or garbled frame gives what it can, then empty parts.
pub fn unframe(bytes: &[u8], count: usize) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = bytes;
    for _ in 0..count {
        let len = rest
            .get(..4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
        let body = rest.get(4..).unwrap_or(&[]);
        let len = len.min(body.len());
        parts.push(&body[..len]);
        rest = &body[len..];
    }
    parts
}
