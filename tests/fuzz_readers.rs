//! Every reader of outside bytes, fuzzed on stable Rust: CSV points, experiment configs and
//! their `--set` overrides, PNG sketches, grids and masks, IDX arrays (raw and gzipped) and
//! the image sets built from them, burn records, and a checkpoint's `history.json`,
//! `state.toml`, `buffer.json` and `session.toml`.
//!
//! Each reader gets inputs mutated from valid files (the shipped configs, a shipped sketch,
//! files the project itself writes) and some noise. Every input must give `Ok` or the
//! project's error: never a panic, never a hang, never memory out of proportion to its size,
//! and what a reader accepts must keep the reader's promises (finite values, counts that
//! match). Failing inputs are saved under `target/fuzz-crashes/`.
//!
//! `FUZZ_INPUTS` (inputs per reader; the default is CI's short slice), `FUZZ_SEED`,
//! `FUZZ_READERS` (a comma-separated subset) and `FUZZ_REPRO` (a saved input, run once on
//! the readers named) steer it. Everything runs in the one test below: the allocator's peak
//! is one counter for the process, and a second test on another thread would pollute it.

mod common;
mod fuzz;

use std::path::Path;
use std::time::Duration;

use burn::tensor::Tensor;
use fuzz::formats;
use fuzz::mutator::Mutator;
use fuzz::{Outcome, Reader, Score, frame, unframe};
use posterior_studio::backend::ComputeDevice;
use posterior_studio::constraint::grid::GridConstraint;
use posterior_studio::constraint::inpaint::mask_from_png_bytes;
use posterior_studio::constraint::sketch::{Brush, Sketch};
use posterior_studio::experiment::checkpoint::SamplerState;
use posterior_studio::experiment::worker::autosave::{Autosave, Session};
use posterior_studio::experiment::{ExperimentConfig, History, Trainer};
use posterior_studio::images::ImageSet;
use posterior_studio::images::idx::{decode_idx, encode_idx};
use posterior_studio::math::field::Area;
use posterior_studio::math::rng::seeded;
use posterior_studio::nn::{DriftNet, DriftNetConfig, time_features};
use posterior_studio::objective::ReplayBuffer;
use posterior_studio::objective::replay_buffer::ReplayBufferRecord;
use posterior_studio::prior::csv_data::parse_points;
use posterior_studio::records;
use rand::Rng as _;

#[global_allocator]
static ALLOCATOR: fuzz::Counting = fuzz::Counting;

const MIB: usize = 1 << 20;
/// Inputs per reader in CI: about 7 s for the whole binary in the test profile on 2 cores.
const CI_INPUTS: usize = 10_000;
/// The slowest input any reader may take.
const SLOW_LIMIT: Duration = Duration::from_secs(2);
/// An input still running after this is a hang: the watchdog saves it and aborts.
const HANG_LIMIT: Duration = Duration::from_secs(60);
/// Inputs longer than this are cut (the seeds are all smaller).
const MAX_LEN: usize = 64 << 10;

const TOML_TOKENS: &[&str] = &[
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "\"",
    "'",
    "'''",
    "\"\"\"",
    "{",
    "}",
    ",",
    "#",
    ".",
    "\n",
    "true",
    "false",
    "nan",
    "inf",
    "1979-05-27T07:32:00Z",
    "\\u0000",
    "\\",
    "[[train]]",
    "x = [[]]",
];
const JSON_TOKENS: &[&str] = &[
    "null",
    "true",
    "false",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "\\u0000",
    "\\",
    "[]",
    "{}",
    "1e400",
    "-1",
    "0",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
];
const CSV_TOKENS: &[&str] = &[
    ",", "\n", "\r\n", "#", "-", ".", "e", "nan", "inf", "x", " ", "\t",
];
const PNG_TOKENS: &[&str] = &[
    "IHDR",
    "IDAT",
    "IEND",
    "PLTE",
    "tRNS",
    "tEXt",
    "zTXt",
    "iTXt",
    "iCCP",
    "acTL",
    "fcTL",
    "fdAT",
    "sBIT",
    "gAMA",
    "cHRM",
    "sRGB",
    "pHYs",
    "bKGD",
    "cICP",
    "eXIf",
    "PNG\r\n\x1a\n",
];
const RECORD_TOKENS: &[&str] = &[
    "F32",
    "F64",
    "F16",
    "BF16",
    "I64",
    "I32",
    "I8",
    "U8",
    "U32",
    "Bool",
    "QFloat",
    "shape",
    "dtype",
    "data_offsets",
    "param_id",
    "tensors",
    "metadata",
    "weight",
    "bias",
    "BURN",
];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// An error that must name `origin` unless it is one of the project's errors that carry no
/// file (a setting's name instead).
fn refused(e: posterior_studio::Error, origin: &str) -> Outcome {
    let message = e.to_string();
    match e {
        posterior_studio::Error::Io { .. }
        | posterior_studio::Error::BadFile { .. }
        | posterior_studio::Error::Checkpoint { .. }
            if !message.contains(origin) =>
        {
            Outcome::Violation(format!("the error does not name {origin}: {message}"))
        }
        _ => Outcome::Err(message),
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, Outcome> {
    std::str::from_utf8(bytes).map_err(|e| Outcome::Err(format!("not UTF-8: {e}")))
}

fn check(ok: bool, why: impl FnOnce() -> String) -> Outcome {
    if ok {
        Outcome::Ok
    } else {
        Outcome::Violation(why())
    }
}

/// A parsed config: its validation must not panic, and the app's save and load must give it
/// back unchanged (the GUI saves configs that do not validate too).
fn config_checks(config: &ExperimentConfig) -> Outcome {
    let _ = config.validate();
    let text = config.to_toml();
    match ExperimentConfig::from_toml(&text, "saved.toml") {
        Ok(back) => check(back.to_toml() == text, || {
            format!("a saved config reads back different:\n{text}")
        }),
        Err(e) => Outcome::Violation(format!("a saved config does not read back: {e}\n{text}")),
    }
}

fn png(image: image::DynamicImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, bytes).unwrap();
    gz.finish().unwrap()
}

/// Files a small experiment writes: its checkpoint folder after a few iterations and an
/// evaluation, through the project's own serialisers.
struct Written {
    sampler_record: Vec<u8>,
    histories: Vec<Vec<u8>>,
    states: Vec<Vec<u8>>,
    buffer: Vec<u8>,
    buffer_capacity: usize,
    session: Vec<u8>,
}

fn written() -> Written {
    let mut out = Written {
        sampler_record: Vec::new(),
        histories: Vec::new(),
        states: Vec::new(),
        buffer: Vec::new(),
        buffer_capacity: 0,
        session: Vec::new(),
    };
    // RTB with a replay buffer, and the KL policy gradient, which learns no log Z.
    for objective in ["rtb", "kl_policy_gradient"] {
        let replay = objective == "rtb";
        let config = common::small_config()
            .with_overrides(&[
                format!("train.objective={objective}"),
                format!("train.buffer.enabled={replay}"),
                "train.buffer.replay_every=2".into(),
                "train.buffer.capacity=50".into(),
            ])
            .unwrap();
        let mut trainer = Trainer::new(config, None).unwrap();
        for _ in 0..4 {
            trainer.step().unwrap();
        }
        trainer.evaluate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        Autosave::new(dir.path(), Duration::ZERO)
            .tick(&trainer, true)
            .unwrap();
        let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
        out.histories.push(read("history.json"));
        out.states.push(read("state.toml"));
        if replay {
            out.sampler_record = read("sampler.bpk");
            out.buffer = read("buffer.json");
            out.buffer_capacity = trainer.config().train.buffer.capacity;
            out.session = read("session.toml");
        }
    }
    out
}

fn text_reader(
    name: &'static str,
    seeds: Vec<Vec<u8>>,
    must_accept: usize,
    tokens: &[&str],
    seed: u64,
    run: impl Fn(&[u8]) -> Outcome + 'static,
) -> Reader {
    Reader {
        name,
        mutator: Mutator::new(seed, &seeds, tokens, true, MAX_LEN),
        seeds,
        must_accept,
        generate: None,
        run: Box::new(run),
        // Parsed text takes a few times its size (strings, vectors that double); 8 MiB
        // covers the parser's and the config's fixed tables.
        per_byte: 64,
        fixed: 8 * MIB,
        text: true,
    }
}

fn binary_reader(
    name: &'static str,
    seeds: Vec<Vec<u8>>,
    must_accept: usize,
    tokens: &[&str],
    seed: u64,
    (per_byte, fixed): (usize, usize),
    run: impl Fn(&[u8]) -> Outcome + 'static,
) -> Reader {
    Reader {
        name,
        mutator: Mutator::new(seed, &seeds, tokens, false, MAX_LEN),
        seeds,
        must_accept,
        generate: None,
        run: Box::new(run),
        per_byte,
        fixed,
        text: false,
    }
}

fn config_readers(seed: u64) -> Vec<Reader> {
    let shipped: Vec<Vec<u8>> = common::shipped_configs()
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let mut seeds = shipped;
    seeds.push(ExperimentConfig::default().to_toml().into_bytes());
    let count = seeds.len();
    let config = text_reader("config_toml", seeds, count, TOML_TOKENS, seed, |bytes| {
        let text = match utf8(bytes) {
            Ok(text) => text,
            Err(outcome) => return outcome,
        };
        match ExperimentConfig::from_toml(text, "fuzz.toml") {
            Ok(config) => config_checks(&config),
            Err(e) => refused(e, "fuzz.toml"),
        }
    });

    // Every setting of the default config, set to its own value: each must be accepted.
    let base = ExperimentConfig::default();
    let mut lines = Vec::new();
    flatten("", &toml::Value::try_from(&base).unwrap(), &mut lines);
    let mut seeds: Vec<Vec<u8>> = lines.iter().map(|l| l.clone().into_bytes()).collect();
    let count = seeds.len();
    seeds.extend(
        [
            "train.batch=500\nconstraint.beta=2.5\ntrain.objective=var_grad",
            "constraint.box.lower=[-1,-1]\nconstraint.kind=box",
            "prior.kind=flow\nsampler.space=noise",
            "constraint.kind=grid\nconstraint.grid.values=[[0,1],[1,0]]",
        ]
        .map(|s| s.as_bytes().to_vec()),
    );
    let overrides = text_reader(
        "config_set",
        seeds,
        count,
        TOML_TOKENS,
        seed,
        move |bytes| {
            let text = match utf8(bytes) {
                Ok(text) => text,
                Err(outcome) => return outcome,
            };
            let items: Vec<String> = text.lines().map(String::from).collect();
            match base.with_overrides(&items) {
                Ok(config) => config_checks(&config),
                Err(e) => Outcome::Err(e.to_string()),
            }
        },
    );
    vec![config, overrides]
}

/// `key=value` for every leaf of a TOML table.
fn flatten(prefix: &str, value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, value, out);
            }
        }
        leaf => out.push(format!("{prefix}={leaf}")),
    }
}

fn csv_reader(seed: u64) -> Reader {
    let seeds: Vec<Vec<u8>> = [
        "x,y\n1,2\n3.5,-4e-3\n",
        "# known states\n\n40,40\n-40,40\n",
        "0.5\n-1\n2\n",
        "a, b, c\n1, 2, 3\n 4,5,6 \n",
        "-2,-1,0,1,2\n-1,0,1,2,3\n0,1,2,3,4\n",
    ]
    .map(|s| s.as_bytes().to_vec())
    .to_vec();
    let count = seeds.len();
    text_reader("csv_points", seeds, count, CSV_TOKENS, seed, |bytes| {
        let text = match utf8(bytes) {
            Ok(text) => text,
            Err(outcome) => return outcome,
        };
        match parse_points(text) {
            Ok(points) => check(points.all_finite() && !points.is_empty(), || {
                format!("accepted points that are not finite: {points:?}")
            }),
            Err(message) => Outcome::Err(message),
        }
    })
}

fn png_seeds() -> Vec<Vec<u8>> {
    let area = Area {
        lower: [-4.0, -4.0],
        upper: [4.0, 4.0],
    };
    let mut sketch = Sketch::new(area, 16);
    sketch.dab([1.0, 1.0], &Brush::default());
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("sketch.png");
    sketch.save_png(&saved).unwrap();
    vec![
        std::fs::read(common::repo_path("assets/sketches/l_region.png")).unwrap(),
        std::fs::read(&saved).unwrap(),
        png(image::DynamicImage::ImageLuma8(image::GrayImage::from_fn(
            28,
            28,
            |x, y| image::Luma([if x < 14 { 255 } else { (y * 9) as u8 }]),
        ))),
        png(image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(
            5,
            4,
            |x, y| image::Rgb([x as u8 * 50, y as u8 * 60, 7]),
        ))),
        png(image::DynamicImage::ImageRgba16(
            image::ImageBuffer::from_fn(3, 6, |x, y| {
                image::Rgba([x as u16 * 9000, y as u16 * 999, 0, 65535])
            }),
        )),
    ]
}

fn png_readers(seed: u64) -> Vec<Reader> {
    let area = Area {
        lower: [-4.0, -4.0],
        upper: [4.0, 4.0],
    };
    let origin = Path::new("fuzz.png");
    // The decoder may hold 32 MiB; the conversion to grey and the grid's f64 cells come on
    // top (2048² cells of 8 bytes are 32 MiB).
    let bound = (64, 80 * MIB);
    let sketch = binary_reader(
        "png_sketch",
        png_seeds(),
        5,
        PNG_TOKENS,
        seed,
        bound,
        move |b| match Sketch::from_png_bytes(b, origin, area, 64) {
            Ok(s) => check(
                s.intensity.len() == 64 * 64 && s.intensity.iter().all(|g| (0.0..=1.0).contains(g)),
                || "a sketch with intensities outside [0, 1]".into(),
            ),
            Err(e) => refused(e, "fuzz.png"),
        },
    );
    let grid = binary_reader(
        "png_grid",
        png_seeds(),
        5,
        PNG_TOKENS,
        seed,
        bound,
        move |b| match GridConstraint::from_png_bytes(b, origin, [-4.0, -4.0], [4.0, 4.0], 1e-3) {
            Ok(g) => check(
                g.values().len() == g.width() * g.height()
                    && g.values().iter().all(|v| v.is_finite()),
                || "a grid with non-finite log r".into(),
            ),
            Err(e) => refused(e, "fuzz.png"),
        },
    );
    let mut mask_seeds = png_seeds();
    mask_seeds.swap(0, 2);
    let mask = binary_reader(
        "png_mask",
        mask_seeds,
        1,
        PNG_TOKENS,
        seed,
        bound,
        move |b| match mask_from_png_bytes(b, origin, 28) {
            Ok(mask) => check(mask.len() == 28 * 28, || {
                format!("{} mask pixels", mask.len())
            }),
            Err(e) => refused(e, "fuzz.png"),
        },
    );
    let extras = std::rc::Rc::new(formats::extra_chunks());
    let mut readers = vec![sketch, grid, mask];
    for reader in &mut readers {
        let extras = extras.clone();
        reader.generate = Some(Box::new(move |m: &mut Mutator, seeds: &[Vec<u8>]| {
            formats::png_input(m, seeds, &extras)
        }));
    }
    readers
}

fn idx_seeds() -> Vec<Vec<u8>> {
    let pixels: Vec<u8> = (0..3 * 4 * 4).map(|i| (i * 37 % 256) as u8).collect();
    vec![
        encode_idx(&[3, 4, 4], &pixels),
        encode_idx(&[3], &[0, 1, 2]),
        encode_idx(&[2, 2, 2, 2], &[9; 16]),
        encode_idx(&[1, 28, 28], &[128; 784]),
        encode_idx(&[0, 28, 28], &[]),
    ]
}

fn idx_array_check(bytes: &[u8]) -> Outcome {
    match decode_idx(bytes) {
        Ok(array) => {
            let declared = array.dims.iter().product::<usize>();
            check(declared == array.data.len(), || {
                format!("{:?} with {} values", array.dims, array.data.len())
            })
        }
        Err(message) => Outcome::Err(message),
    }
}

fn idx_readers(seed: u64) -> Vec<Reader> {
    let mut raw = binary_reader(
        "idx",
        idx_seeds(),
        5,
        &[],
        seed,
        // The file's bytes and one copy of the values.
        (8, MIB),
        idx_array_check,
    );
    let gz_seeds: Vec<Vec<u8>> = idx_seeds().iter().map(|s| gzip(s)).collect();
    let mut gz = binary_reader(
        "idx_gzip",
        gz_seeds,
        5,
        &[],
        seed,
        // Deflate packs at most 1032:1, and a growing vector may hold twice what it read.
        (2100, MIB),
        idx_array_check,
    );
    raw.generate = Some(Box::new(|m: &mut Mutator, seeds: &[Vec<u8>]| {
        formats::idx_input(m, seeds, MAX_LEN)
    }));
    let raw_seeds = idx_seeds();
    gz.generate = Some(Box::new(move |m: &mut Mutator, gz_seeds: &[Vec<u8>]| {
        // Half valid gzip around a mutated array, half mutated gzip.
        if m.rng().random_bool(0.5) {
            gzip(&formats::idx_input(m, &raw_seeds, MAX_LEN))
        } else {
            m.input(gz_seeds)
        }
    }));
    vec![raw, gz]
}

fn image_set_reader(seed: u64) -> Reader {
    let pixels: Vec<u8> = (0..6 * 4 * 4).map(|i| (i * 53 % 256) as u8).collect();
    let images = encode_idx(&[6, 4, 4], &pixels);
    let labels = encode_idx(&[6], &[0, 1, 2, 3, 0, 1]);
    let seeds = vec![
        frame(&[&images, &labels, b"", &[1]]),
        frame(&[&images, &labels, b"a\nb\nc\nd\n", &[2]]),
        frame(&[
            &encode_idx(&[2, 28, 28], &[200; 2 * 784]),
            &encode_idx(&[2], &[9, 0]),
            b"",
            &[7],
        ]),
    ];
    let mut reader = binary_reader(
        "image_set",
        seeds,
        3,
        &[],
        seed,
        // Values copied once, then as f32 rows.
        (16, MIB),
        |bytes| {
            let parts = unframe(bytes, 4);
            let images = match decode_idx(parts[0]) {
                Ok(a) => a,
                Err(message) => return Outcome::Err(message),
            };
            let labels = match decode_idx(parts[1]) {
                Ok(a) => a,
                Err(message) => return Outcome::Err(message),
            };
            let classes = (!parts[2].is_empty()).then(|| String::from_utf8_lossy(parts[2]));
            let downsample = parts[3].first().map_or(1, |&b| (b % 8) as usize);
            match ImageSet::from_arrays(
                "fuzz-set",
                (images, Path::new("fuzz-images")),
                (labels, Path::new("fuzz-labels")),
                classes.as_deref(),
                downsample,
            ) {
                Ok(set) => check(
                    set.images.len() == set.len()
                        && set.images.dim() == set.dim()
                        && set
                            .images
                            .as_slice()
                            .iter()
                            .all(|v| (0.0..=1.0).contains(v))
                        && set.labels.iter().all(|&l| (l as usize) < set.classes.len()),
                    || format!("an inconsistent set: {} images", set.len()),
                ),
                Err(e @ posterior_studio::Error::Config { .. }) => Outcome::Err(e.to_string()),
                Err(e) => {
                    let message = e.to_string();
                    if message.contains("fuzz-") {
                        Outcome::Err(message)
                    } else {
                        Outcome::Violation(format!("the error names no file: {message}"))
                    }
                }
            }
        },
    );
    reader.generate = Some(Box::new(|mutator: &mut Mutator, seeds: &[Vec<u8>]| {
        let framed = &seeds[mutator.rng().random_range(0..seeds.len())];
        let mut parts: Vec<Vec<u8>> = unframe(framed, 4).iter().map(|p| p.to_vec()).collect();
        let pool: Vec<Vec<u8>> = seeds
            .iter()
            .flat_map(|s| unframe(s, 4))
            .map(<[u8]>::to_vec)
            .collect();
        for (i, part) in parts.iter_mut().enumerate() {
            if !mutator.rng().random_bool(0.4) {
                continue;
            }
            if i < 2 && mutator.rng().random() {
                *part = formats::idx_input(mutator, std::slice::from_ref(part), MAX_LEN);
            } else {
                mutator.mutate(part, &pool);
            }
        }
        // Now and then as many labels as the images claim, so that the checks behind the
        // count are reached with whatever the images' header says.
        if mutator.rng().random_ratio(1, 4) && parts[0].len() >= 8 {
            let count = u32::from_be_bytes([parts[0][4], parts[0][5], parts[0][6], parts[0][7]]);
            let labels = (0..count.min(MAX_LEN as u32))
                .map(|i| (i % 5) as u8)
                .collect::<Vec<_>>();
            parts[1] = encode_idx(&[count as usize], &labels);
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        frame(&refs)
    }));
    reader
}

fn record_reader(seed: u64, sampler_record: Vec<u8>) -> Reader {
    let device = ComputeDevice::cpu().device;
    let config = DriftNetConfig {
        dim: 2,
        hidden: 8,
        depth: 1,
        time_frequencies: 2,
        state_gain: 1.0,
        ..DriftNetConfig::default()
    };
    let plain = DriftNetConfig {
        state_gain: 0.0,
        ..config.clone()
    };
    let record = |config: &DriftNetConfig, seed: u64| {
        let net = DriftNet::new(config, false, &mut seeded(seed), &device);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("net.bpk");
        records::save_module(&net, &path, "a fuzz seed").unwrap();
        std::fs::read(path).unwrap()
    };
    let seeds = vec![
        record(&config, 1),
        record(&config, 2),
        record(&plain, 3),
        sampler_record,
    ];
    binary_reader(
        "burn_record",
        seeds,
        2,
        RECORD_TOKENS,
        seed,
        // The record's bytes, the tensors copied out of them, a fresh module.
        (16, 8 * MIB),
        move |bytes| {
            let fresh = DriftNet::new(&config, false, &mut seeded(0), &device);
            let origin = Path::new("fuzz.bpk");
            match records::module_from_bytes(fresh, bytes.to_vec(), origin) {
                Ok(net) => {
                    // A loaded network must run.
                    let time = net.embed_time(time_features(&[0.5], 2, &device));
                    let x = Tensor::<2>::zeros([3, 2], &device);
                    let out = net.forward(x, time);
                    match out.into_data().try_to_vec::<f32>() {
                        Ok(v) => check(v.len() == 6, || format!("{} outputs", v.len())),
                        Err(e) => Outcome::Violation(format!("output not f32: {e:?}")),
                    }
                }
                Err(e) => refused(e, "fuzz.bpk"),
            }
        },
    )
}

fn checkpoint_readers(seed: u64, written: Written) -> Vec<Reader> {
    let count = written.histories.len();
    let history = text_reader(
        "history_json",
        written.histories,
        count,
        JSON_TOKENS,
        seed,
        |b| {
            match History::from_json(b, Path::new("history.json")) {
                Ok(mut history) => {
                    history.recent_loss(10);
                    history.train_seconds();
                    history.truncate_after(3);
                    // What a resumed run saves must read back.
                    let again = serde_json::to_vec(&history).unwrap();
                    match History::from_json(&again, Path::new("again.json")) {
                        Ok(_) => Outcome::Ok,
                        Err(e) => Outcome::Violation(format!("does not read back: {e}")),
                    }
                }
                Err(e) => refused(e, "history.json"),
            }
        },
    );
    let count = written.states.len();
    let state = text_reader(
        "state_toml",
        written.states,
        count,
        TOML_TOKENS,
        seed,
        |b| {
            let text = match utf8(b) {
                Ok(text) => text,
                Err(outcome) => return outcome,
            };
            match SamplerState::from_toml(text, Path::new("state.toml")) {
                Ok(state) => check(state.log_z.is_finite() && state.format_version == 1, || {
                    format!("accepted {state:?}")
                }),
                Err(e) => refused(e, "state.toml"),
            }
        },
    );
    let capacity = written.buffer_capacity;
    let buffer = text_reader(
        "buffer_json",
        vec![written.buffer],
        1,
        JSON_TOKENS,
        seed,
        move |b| {
            let record = match ReplayBufferRecord::from_json(b, "buffer.json") {
                Ok(record) => record,
                Err(e) => return refused(e, "buffer.json"),
            };
            let mut buffer = ReplayBuffer::new(2, capacity, 0.01);
            match buffer.restore(record, "buffer.json") {
                Ok(()) => {
                    let finite = buffer.states().all_finite();
                    let (drawn, log_r) = buffer.sample(16, &mut seeded(0));
                    check(finite && log_r.iter().all(|v| v.is_finite()), || {
                        format!("restored non-finite states or log r: {drawn:?} {log_r:?}")
                    })
                }
                Err(e) => refused(e, "buffer.json"),
            }
        },
    );
    let session = text_reader(
        "session_toml",
        vec![written.session],
        1,
        TOML_TOKENS,
        seed,
        |b| {
            let text = match utf8(b) {
                Ok(text) => text,
                Err(outcome) => return outcome,
            };
            match Session::from_toml(text) {
                Some(_) => Outcome::Ok,
                None => Outcome::Err("not a session marker".into()),
            }
        },
    );
    vec![history, state, buffer, session]
}

fn all_readers(seed: u64, wanted: &dyn Fn(&str) -> bool) -> Vec<Reader> {
    // Each reader draws from its own stream, so that a subset replays the same inputs.
    let stream = |name: &str| {
        name.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        })
    };
    let mut readers = Vec::new();
    readers.push(csv_reader(stream("csv_points")));
    readers.extend(config_readers(stream("config")));
    readers.extend(png_readers(stream("png")));
    readers.extend(idx_readers(stream("idx")));
    readers.push(image_set_reader(stream("image_set")));
    let needs_trainer = [
        "burn_record",
        "history_json",
        "state_toml",
        "buffer_json",
        "session_toml",
    ];
    if needs_trainer.iter().any(|n| wanted(n)) {
        let mut written = written();
        let sampler = std::mem::take(&mut written.sampler_record);
        readers.push(record_reader(stream("burn_record"), sampler));
        readers.extend(checkpoint_readers(stream("checkpoint"), written));
    }
    readers.retain(|r| wanted(r.name));
    readers
}

#[test]
fn every_reader_survives_its_fuzz_inputs() {
    let inputs = env_number("FUZZ_INPUTS", CI_INPUTS as u64) as usize;
    let seed = env_number("FUZZ_SEED", 0x5eed);
    let only = std::env::var("FUZZ_READERS").ok();
    let wanted = |name: &str| {
        only.as_deref()
            .is_none_or(|list| list.split(',').any(|n| n.trim() == name))
    };
    let mut readers = all_readers(seed, &wanted);
    assert!(!readers.is_empty(), "FUZZ_READERS names no reader");
    fuzz::start_watchdog(HANG_LIMIT);

    // A reproduction keeps the default panic hook, which prints where and with a backtrace.
    if let Some(path) = std::env::var_os("FUZZ_REPRO") {
        let input = std::fs::read(&path).unwrap();
        for reader in &readers {
            let (outcome, elapsed, extra) = fuzz::run_one(reader, &input);
            let said = match outcome {
                Err(panic) => format!("PANIC {panic}"),
                Ok(Outcome::Ok) => "Ok".into(),
                Ok(Outcome::Err(m)) => format!("Err {m}"),
                Ok(Outcome::Violation(m)) => format!("VIOLATION {m}"),
            };
            println!("{}: {said} ({elapsed:?}, {extra} bytes)", reader.name);
        }
        return;
    }

    fuzz::quiet_panics();
    println!(
        "{:<14} {:>9} {:>9} {:>9} {:>7} {:>10} {:>11} {:>12} {:>9}",
        "reader",
        "inputs",
        "Ok",
        "Err",
        "panics",
        "violations",
        "slowest ms",
        "peak MiB",
        "inputs/s"
    );
    let mut scores: Vec<(&str, Score)> = Vec::new();
    for reader in &mut readers {
        let score = fuzz::fuzz(reader, inputs);
        println!(
            "{:<14} {:>9} {:>9} {:>9} {:>7} {:>10} {:>11.2} {:>12.2} {:>9.0}",
            reader.name,
            score.inputs,
            score.ok,
            score.err,
            score.panics,
            score.violations,
            score.slowest.as_secs_f64() * 1e3,
            score.peak_extra as f64 / MIB as f64,
            score.inputs as f64 / score.seconds.max(1e-9),
        );
        scores.push((reader.name, score));
    }
    let failed: Vec<String> = scores
        .iter()
        .filter(|(_, s)| s.panics + s.violations > 0 || s.slowest > SLOW_LIMIT)
        .map(|(name, s)| {
            format!(
                "{name}: {} panics, {} violations, slowest {:?} ({} bytes)",
                s.panics, s.violations, s.slowest, s.slowest_len
            )
        })
        .collect();
    assert!(
        failed.is_empty(),
        "readers failed (inputs saved under {}):\n{}",
        fuzz::crash_dir().display(),
        failed.join("\n")
    );
}
