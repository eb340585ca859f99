//! Mutations that know a format's structure, so that inputs get past the checksums and the
//! header checks to the code behind them: PNG chunks re-sealed with their CRCs (a header that
//! claims a huge image, pixel data that inflates wrongly, compressed text that inflates to
//! hundreds of megabytes), and IDX headers whose dimensions change with their bodies.

use std::io::{Read as _, Write as _};

use rand::Rng as _;

use super::mutator::Mutator;

/// u32 values for sizes and counts.
const SIZES: [u32; 12] = [
    0,
    1,
    2,
    3,
    7,
    255,
    4096,
    4097,
    100_000,
    1_000_000_000,
    0x7fff_ffff,
    0xffff_ffff,
];

#[derive(Clone)]
pub struct Chunk {
    kind: [u8; 4],
    data: Vec<u8>,
}

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The chunks of a well-formed PNG, or `None`.
pub fn chunks(png: &[u8]) -> Option<Vec<Chunk>> {
    let mut rest = png.strip_prefix(SIGNATURE)?;
    let mut out = Vec::new();
    while rest.len() >= 12 {
        let len = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
        let kind: [u8; 4] = rest[4..8].try_into().ok()?;
        let data = rest.get(8..8 + len)?.to_vec();
        out.push(Chunk { kind, data });
        rest = rest.get(12 + len..)?;
    }
    Some(out)
}

/// A PNG of these chunks, each with its length and CRC.
pub fn assemble(chunks: &[Chunk]) -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    for chunk in chunks {
        out.extend_from_slice(&(chunk.data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&chunk.kind);
        crc.update(&chunk.data);
        out.extend_from_slice(&chunk.kind);
        out.extend_from_slice(&chunk.data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    out
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

/// A zlib stream of `mib` MiB of zeros, compressed to about a thousandth.
fn zlib_bomb(mib: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..mib {
        z.write_all(&zeros).unwrap();
    }
    z.finish().unwrap()
}

/// Chunks to insert: ancillary chunks the decoder must skip or bound, two of them bombs.
pub fn extra_chunks() -> Vec<Chunk> {
    let bomb = zlib_bomb(256);
    let mut ztxt = b"Comment\0\0".to_vec();
    ztxt.extend_from_slice(&bomb);
    let mut iccp = b"profile\0\0".to_vec();
    iccp.extend_from_slice(&bomb);
    let mut itxt = b"Comment\0\x01\0en\0\0".to_vec();
    itxt.extend_from_slice(&bomb);
    let chunk = |kind: &[u8; 4], data: Vec<u8>| Chunk { kind: *kind, data };
    vec![
        chunk(b"zTXt", ztxt),
        chunk(b"iCCP", iccp),
        chunk(b"iTXt", itxt),
        chunk(b"tEXt", b"Title\0a sketch".to_vec()),
        chunk(b"PLTE", (0..48).collect()),
        chunk(b"tRNS", vec![0, 255, 7]),
        chunk(b"gAMA", 45_455u32.to_be_bytes().to_vec()),
        chunk(b"sBIT", vec![8]),
        chunk(b"acTL", [1u32.to_be_bytes(), 0u32.to_be_bytes()].concat()),
        chunk(b"IEND", Vec::new()),
        // A second header, of a 4096² grey image.
        chunk(
            b"IHDR",
            [
                &4096u32.to_be_bytes()[..],
                &4096u32.to_be_bytes(),
                &[8, 0, 0, 0, 0],
            ]
            .concat(),
        ),
    ]
}

/// One PNG input: a seed's chunks edited and re-sealed (or, at times, plain byte mutation).
pub fn png_input(m: &mut Mutator, seeds: &[Vec<u8>], extras: &[Chunk]) -> Vec<u8> {
    let seed = &seeds[m.rng().random_range(0..seeds.len())];
    let Some(mut parts) = chunks(seed) else {
        return m.input(seeds);
    };
    if m.rng().random_ratio(1, 4) {
        return m.input(seeds);
    }
    for _ in 0..m.rng().random_range(1..=3) {
        png_edit(m, &mut parts, extras);
    }
    let mut png = assemble(&parts);
    if m.rng().random_ratio(1, 8) {
        m.mutate(&mut png, seeds);
    }
    png
}

fn png_edit(m: &mut Mutator, parts: &mut Vec<Chunk>, extras: &[Chunk]) {
    if parts.is_empty() {
        return;
    }
    match m.rng().random_range(0..7) {
        0 | 1 => {
            // The header: a size, a bit depth, a colour type or interlacing.
            let Some(ihdr) = parts.iter_mut().find(|c| &c.kind == b"IHDR") else {
                return;
            };
            if ihdr.data.len() < 13 {
                return;
            }
            let rng = m.rng();
            match rng.random_range(0..4) {
                0 | 1 => {
                    let at = 4 * rng.random_range(0..2);
                    let v = SIZES[rng.random_range(0..SIZES.len())];
                    ihdr.data[at..at + 4].copy_from_slice(&v.to_be_bytes());
                }
                2 => ihdr.data[8] = [1, 2, 4, 8, 16, 0, 3, 255][rng.random_range(0..8)],
                _ => {
                    ihdr.data[9 + rng.random_range(0..4)] =
                        [0, 1, 2, 3, 4, 6, 7][rng.random_range(0..7)]
                }
            }
        }
        2 => {
            // The pixel data, inflated, edited and deflated again into one IDAT.
            let packed: Vec<u8> = parts
                .iter()
                .filter(|c| &c.kind == b"IDAT")
                .flat_map(|c| c.data.iter().copied())
                .collect();
            let mut pixels = Vec::new();
            let _ = flate2::read::ZlibDecoder::new(&packed[..])
                .take(1 << 20)
                .read_to_end(&mut pixels);
            m.mutate(&mut pixels, &[]);
            let Some(first) = parts.iter().position(|c| &c.kind == b"IDAT") else {
                return;
            };
            parts.retain(|c| &c.kind != b"IDAT");
            let at = first.min(parts.len());
            parts.insert(
                at,
                Chunk {
                    kind: *b"IDAT",
                    data: zlib(&pixels),
                },
            );
        }
        3 => {
            let i = m.rng().random_range(0..parts.len());
            let mut data = std::mem::take(&mut parts[i].data);
            m.mutate(&mut data, &[]);
            parts[i].data = data;
        }
        4 => {
            let i = m.rng().random_range(0..parts.len());
            let extra = &extras[m.rng().random_range(0..extras.len())];
            parts.insert(
                i,
                Chunk {
                    kind: extra.kind,
                    data: extra.data.clone(),
                },
            );
        }
        5 => {
            let (i, j) = (
                m.rng().random_range(0..parts.len()),
                m.rng().random_range(0..parts.len()),
            );
            if m.rng().random() {
                parts.swap(i, j);
            } else {
                parts.remove(i);
            }
        }
        _ => {
            // The pixel data cut into many small IDAT chunks.
            let Some(i) = parts.iter().position(|c| &c.kind == b"IDAT") else {
                return;
            };
            let data = parts.remove(i).data;
            let size = m.rng().random_range(1..=64);
            for (k, piece) in data.chunks(size).enumerate() {
                parts.insert(
                    i + k,
                    Chunk {
                        kind: *b"IDAT",
                        data: piece.to_vec(),
                    },
                );
            }
        }
    }
}

/// One IDX input: a seed whose type, number of dimensions or one dimension changes, with a
/// body that mostly fits the new header (so that the checks behind the length are reached),
/// then at times byte edits.
pub fn idx_input(m: &mut Mutator, seeds: &[Vec<u8>], max_len: usize) -> Vec<u8> {
    let seed = &seeds[m.rng().random_range(0..seeds.len())];
    let ndims = seed.get(3).copied().unwrap_or(0) as usize;
    if seed.len() < 4 + 4 * ndims || m.rng().random_ratio(1, 4) {
        return m.input(seeds);
    }
    let mut dims: Vec<u32> = seed[4..4 + 4 * ndims]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let mut body = seed[4 + 4 * ndims..].to_vec();
    let mut kind = seed[2];
    let rng = m.rng();
    match rng.random_range(0..6) {
        0..=2 if !dims.is_empty() => {
            let i = rng.random_range(0..dims.len());
            dims[i] = SIZES[rng.random_range(0..SIZES.len())];
        }
        3 => dims.push(SIZES[rng.random_range(0..SIZES.len())]),
        4 => {
            dims.pop();
        }
        _ => kind = [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x00][rng.random_range(0..7)],
    }
    let declared = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize));
    match declared {
        Some(n) if n <= max_len && rng.random_ratio(4, 5) => {
            let fill = rng.random();
            body.resize(n, fill);
        }
        _ => body.truncate(rng.random_range(0..=body.len())),
    }
    let mut out = vec![0, 0, kind, dims.len() as u8];
    for d in &dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(&body);
    if m.rng().random_ratio(1, 4) {
        m.mutate(&mut out, seeds);
    }
    out
}
