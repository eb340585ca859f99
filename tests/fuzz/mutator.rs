//! A deterministic mutator in the spirit of AFL's havoc stage: each input is a seed (a valid
//! file) put through a few random edits at the level of bytes, and for text formats also of
//! tokens and lines; now and then an input is pure noise.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Bytes that sit on the edges of signed and unsigned ranges.
const INTERESTING_BYTES: [u8; 7] = [0, 1, 0x7f, 0x80, 0xfe, 0xff, b'9'];

/// u32 values that break sizes and counts: zero, one, sign edges, 10⁹, the maximum.
const INTERESTING_U32: [u32; 10] = [
    0,
    1,
    0xff,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    1_000_000_000,
    65_536,
];

/// Numbers that parsers and range checks get wrong.
const INTERESTING_NUMBERS: [&str; 28] = [
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "-0.0",
    "1e308",
    "-1e308",
    "1e309",
    "1e-320",
    "3.5e38",
    "-1e39",
    "nan",
    "-nan",
    "+inf",
    "-inf",
    "inf",
    "NaN",
    "Infinity",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "1_000",
    "0x7fffffff",
];

pub struct Mutator {
    rng: StdRng,
    /// Tokens to insert or swap in: names and punctuation of the format.
    tokens: Vec<Vec<u8>>,
    /// Whether token- and line-level edits apply.
    text: bool,
    /// Inputs longer than this are cut.
    max_len: usize,
}

impl Mutator {
    /// A mutator for `seeds`; `extra_tokens` add the format's own vocabulary to the names
    /// found in the seeds.
    pub fn new(
        seed: u64,
        seeds: &[Vec<u8>],
        extra_tokens: &[&str],
        text: bool,
        max_len: usize,
    ) -> Self {
        let mut tokens: Vec<Vec<u8>> = extra_tokens.iter().map(|t| t.as_bytes().to_vec()).collect();
        if text {
            for s in seeds {
                tokens.extend(words(s).into_iter().map(|(a, b)| s[a..b].to_vec()));
            }
        }
        tokens.sort();
        tokens.dedup();
        Self {
            rng: StdRng::seed_from_u64(seed),
            tokens,
            text,
            max_len,
        }
    }

    pub fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }

    /// One input: usually a mutated seed, sometimes noise.
    pub fn input(&mut self, seeds: &[Vec<u8>]) -> Vec<u8> {
        if seeds.is_empty() || self.rng.random_ratio(1, 20) {
            return self.noise();
        }
        let mut data = seeds[self.rng.random_range(0..seeds.len())].clone();
        self.mutate(&mut data, seeds);
        data
    }

    /// Between one and sixteen edits, fewer more often.
    pub fn mutate(&mut self, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
        let edits = 1 << self.rng.random_range(0..5);
        for _ in 0..self.rng.random_range(1..=edits) {
            if self.text && self.rng.random_bool(0.5) {
                self.text_edit(data, seeds);
            } else {
                self.byte_edit(data, seeds);
            }
        }
        data.truncate(self.max_len);
    }

    fn noise(&mut self) -> Vec<u8> {
        let len = self.rng.random_range(0..=512);
        if self.text && !self.tokens.is_empty() {
            let mut out = Vec::new();
            while out.len() < len {
                match self.rng.random_range(0..4) {
                    0 => {
                        const PUNCTUATION: &[u8] = b"\n =[]{},\".#:";
                        out.push(PUNCTUATION[self.rng.random_range(0..PUNCTUATION.len())]);
                    }
                    1 => out.extend_from_slice(self.number().as_bytes()),
                    _ => out.extend_from_slice(&self.token()),
                }
            }
            out
        } else {
            let mut out = vec![0u8; len];
            self.rng.fill(&mut out[..]);
            out
        }
    }

    fn token(&mut self) -> Vec<u8> {
        if self.tokens.is_empty() {
            return vec![b'x'];
        }
        self.tokens[self.rng.random_range(0..self.tokens.len())].clone()
    }

    fn number(&mut self) -> &'static str {
        INTERESTING_NUMBERS[self.rng.random_range(0..INTERESTING_NUMBERS.len())]
    }

    fn position(&mut self, data: &[u8]) -> usize {
        self.rng.random_range(0..=data.len())
    }

    /// A range of `data`, short ones more often.
    fn range(&mut self, data: &[u8]) -> (usize, usize) {
        let start = self.rng.random_range(0..=data.len());
        let most = (data.len() - start).min(1 << self.rng.random_range(0..12));
        (start, start + self.rng.random_range(0..=most))
    }

    fn byte_edit(&mut self, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
        let op = self.rng.random_range(0..11);
        if data.is_empty() && op < 3 {
            data.push(self.rng.random());
            return;
        }
        match op {
            0 => {
                let i = self.rng.random_range(0..data.len());
                data[i] ^= 1 << self.rng.random_range(0..8);
            }
            1 => {
                let i = self.rng.random_range(0..data.len());
                data[i] = INTERESTING_BYTES[self.rng.random_range(0..INTERESTING_BYTES.len())];
            }
            2 => {
                let i = self.rng.random_range(0..data.len());
                data[i] = data[i].wrapping_add(self.rng.random_range(1..=35));
            }
            3 => {
                let at = self.position(data);
                let len = self.rng.random_range(1..=16);
                let mut bytes = vec![0u8; len];
                self.rng.fill(&mut bytes[..]);
                data.splice(at..at, bytes);
            }
            4 => {
                let at = self.position(data);
                let byte = INTERESTING_BYTES[self.rng.random_range(0..INTERESTING_BYTES.len())];
                let len = 1 << self.rng.random_range(0..9);
                data.splice(at..at, std::iter::repeat_n(byte, len));
            }
            5 => {
                let (a, b) = self.range(data);
                data.drain(a..b);
            }
            6 => {
                let at = self.position(data);
                data.truncate(at);
            }
            7 => {
                let (a, b) = self.range(data);
                let chunk = data[a..b].to_vec();
                let at = self.position(data);
                data.splice(at..at, chunk);
            }
            8 if !seeds.is_empty() => {
                // Splice: this input's head, another seed's tail.
                let other = &seeds[self.rng.random_range(0..seeds.len())];
                let at = self.position(data);
                let from = self.rng.random_range(0..=other.len());
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            9 => {
                if data.len() >= 4 {
                    let i = self.rng.random_range(0..=data.len() - 4);
                    let v = INTERESTING_U32[self.rng.random_range(0..INTERESTING_U32.len())];
                    let bytes = if self.rng.random() {
                        v.to_be_bytes()
                    } else {
                        v.to_le_bytes()
                    };
                    data[i..i + 4].copy_from_slice(&bytes);
                }
            }
            _ => {
                let at = self.position(data);
                let token = self.token();
                data.splice(at..at, token);
            }
        }
    }

    fn text_edit(&mut self, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
        match self.rng.random_range(0..7) {
            0 | 1 => {
                let numbers = numbers(data);
                if !numbers.is_empty() {
                    let (a, b) = numbers[self.rng.random_range(0..numbers.len())];
                    let new = self.number().as_bytes().to_vec();
                    data.splice(a..b, new);
                }
            }
            2 => {
                if let Some((a, b)) = self.line(data) {
                    let line = data[a..b].to_vec();
                    data.splice(a..a, line);
                }
            }
            3 => {
                if let Some((a, b)) = self.line(data) {
                    data.drain(a..b);
                }
            }
            4 => {
                // Swap two lines (the later one moves up).
                if let (Some((a, b)), Some((c, d))) = (self.line(data), self.line(data))
                    && b <= c
                {
                    let second = data[c..d].to_vec();
                    let first = data[a..b].to_vec();
                    data.splice(c..d, first);
                    data.splice(a..b, second);
                }
            }
            5 if !seeds.is_empty() => {
                // One section header for another, e.g. [train] for [prior.net].
                let ours = headers(data);
                let other = &seeds[self.rng.random_range(0..seeds.len())];
                let others = headers(other);
                if !ours.is_empty() && !others.is_empty() {
                    let (a, b) = ours[self.rng.random_range(0..ours.len())];
                    let (c, d) = others[self.rng.random_range(0..others.len())];
                    let new = other[c..d].to_vec();
                    data.splice(a..b, new);
                }
            }
            _ => {
                let words = words(data);
                if !words.is_empty() {
                    let (a, b) = words[self.rng.random_range(0..words.len())];
                    let token = self.token();
                    data.splice(a..b, token);
                }
            }
        }
    }

    /// A random line of `data`, its newline included.
    fn line(&mut self, data: &[u8]) -> Option<(usize, usize)> {
        if data.is_empty() {
            return None;
        }
        let at = self.rng.random_range(0..data.len());
        let start = data[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let end = data[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |i| at + i + 1);
        Some((start, end))
    }
}

/// The byte ranges of numbers: a digit run with its sign, point and exponent.
fn numbers(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let starts = data[i].is_ascii_digit()
            && (i == 0 || !(data[i - 1].is_ascii_alphanumeric() || data[i - 1] == b'_'));
        if !starts {
            i += 1;
            continue;
        }
        let start = if i > 0 && data[i - 1] == b'-' {
            i - 1
        } else {
            i
        };
        let mut end = i;
        while end < data.len()
            && matches!(data[end], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
        {
            end += 1;
        }
        out.push((start, end));
        i = end;
    }
    out
}

/// The byte ranges of identifiers.
fn words(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if !(data[i].is_ascii_alphabetic() || data[i] == b'_') {
            i += 1;
            continue;
        }
        let start = i;
        while i < data.len() && (data[i].is_ascii_alphanumeric() || data[i] == b'_') {
            i += 1;
        }
        out.push((start, i));
    }
    out
}

/// The byte ranges of `[section]` headers at the start of a line.
fn headers(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in data.split(|&b| b == b'\n') {
        if line.first() == Some(&b'[')
            && let Some(close) = line.iter().rposition(|&b| b == b']')
        {
            out.push((start, start + close + 1));
        }
        start += line.len() + 1;
    }
    out
}
