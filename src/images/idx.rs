//! The IDX file format of MNIST, Fashion-MNIST, KMNIST and EMNIST: a 4-byte magic number
//! (two zero bytes, a type code, the number of dimensions), the dimensions as big-endian u32,
//! then the values in row-major order. Files may be gzipped (as the datasets ship).
//!
//! Only unsigned bytes (type 0x08) are read: every dataset of this family stores pixels and
//! labels that way. Every malformed file gives one error naming it.

use std::io::Read as _;
use std::path::Path;

use crate::error::{Error, Result};
use crate::files;

const UNSIGNED_BYTE: u8 = 0x08;

/// An IDX array of unsigned bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

impl IdxArray {
    /// The number of items (the first dimension).
    pub fn count(&self) -> usize {
        self.dims.first().copied().unwrap_or(0)
    }
}

/// The first two bytes of every gzip file.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads an IDX file, gunzipping it first if it starts with the gzip magic bytes.
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    decode_idx(&files::read(path)?).map_err(|message| Error::bad_file(path, message))
}

/// Parses the bytes of an IDX file, raw or gzipped; the error is a message without the file
/// name. A gzipped file is inflated only as far as its header declares, and one byte beyond
/// to notice trailing data: a few kilobytes of gzip can inflate to gigabytes, and that must
/// not happen before the header has been checked against the data.
pub fn decode_idx(bytes: &[u8]) -> std::result::Result<IdxArray, String> {
    if bytes.starts_with(&GZIP_MAGIC) {
        gunzip_idx(bytes)
    } else {
        parse_idx(bytes)
    }
}

/// Parses the bytes of an (uncompressed) IDX file; the error is a message without the file name.
pub fn parse_idx(bytes: &[u8]) -> std::result::Result<IdxArray, String> {
    let header = parse_header(bytes)?;
    let body = &bytes[header.len..];
    header.check_body_len(body.len())?;
    Ok(IdxArray {
        dims: header.dims,
        data: body.to_vec(),
    })
}

/// What an IDX header declares.
struct Header {
    dims: Vec<usize>,
    /// The header's length in bytes: where the values start.
    len: usize,
    /// How many values (bytes) the dimensions need.
    values: usize,
}

impl Header {
    /// Checks that `body` bytes are exactly the values the header declares.
    fn check_body_len(&self, body: usize) -> std::result::Result<(), String> {
        let (dims, expected) = (&self.dims, self.values);
        if body < expected {
            return Err(format!(
                "truncated: dimensions {dims:?} need {expected} bytes of values, the file has \
                 {body}"
            ));
        }
        if body > expected {
            return Err(format!(
                "{} bytes beyond the {expected} that dimensions {dims:?} declare",
                body - expected
            ));
        }
        Ok(())
    }
}

/// Parses the header at the start of `bytes`, which must hold all of it.
fn parse_header(bytes: &[u8]) -> std::result::Result<Header, String> {
    if bytes.len() < 4 {
        return Err(format!(
            "too short for an IDX file ({} bytes; the header alone is 4)",
            bytes.len()
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(format!(
            "wrong magic number {:02x} {:02x} {:02x} {:02x}: an IDX file starts with 00 00",
            bytes[0], bytes[1], bytes[2], bytes[3]
        ));
    }
    let (kind, ndims) = (bytes[2], bytes[3] as usize);
    if kind != UNSIGNED_BYTE {
        return Err(format!(
            "IDX value type 0x{kind:02x} is not supported (only unsigned bytes, 0x08, as the \
             MNIST family uses)"
        ));
    }
    if ndims == 0 {
        return Err("the IDX header declares 0 dimensions".into());
    }
    let len = 4 + 4 * ndims;
    if bytes.len() < len {
        return Err(format!(
            "truncated: the header declares {ndims} dimensions but the file has {} bytes",
            bytes.len()
        ));
    }
    let dims: Vec<usize> = bytes[4..len]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let values = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| format!("dimensions {dims:?} overflow"))?;
    Ok(Header { dims, len, values })
}

/// [`parse_idx`] of a gzipped file, inflating the header first and then no more values than
/// it declares (and one byte more): memory is bounded by the header's claim and by what the
/// stream really holds, whichever is smaller.
fn gunzip_idx(bytes: &[u8]) -> std::result::Result<IdxArray, String> {
    let mut gz = flate2::read::GzDecoder::new(bytes);
    let unreadable = |e: std::io::Error| format!("not a readable gzip file: {e}");
    let mut head = vec![0u8; 4];
    let got = read_fully(&mut gz, &mut head).map_err(unreadable)?;
    head.truncate(got);
    // A short file, a wrong magic number or type is reported as such before the dimensions
    // are read; only the missing dimensions make a 4-byte header "truncated".
    if let Err(message) = parse_header(&head)
        && !(got == 4 && message.starts_with("truncated"))
    {
        return Err(message);
    }
    let declared = 4 + 4 * head[3] as usize;
    head.resize(declared, 0);
    let got = 4 + read_fully(&mut gz, &mut head[4..]).map_err(unreadable)?;
    head.truncate(got);
    let header = parse_header(&head)?;
    let mut data = Vec::new();
    (&mut gz)
        .take((header.values as u64).saturating_add(1))
        .read_to_end(&mut data)
        .map_err(unreadable)?;
    if data.len() > header.values {
        return Err(format!(
            "the values run past the {} bytes that dimensions {:?} declare",
            header.values, header.dims
        ));
    }
    header.check_body_len(data.len())?;
    Ok(IdxArray {
        dims: header.dims,
        data,
    })
}

/// Reads until `buf` is full or the stream ends; the number of bytes read.
fn read_fully(reader: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Encodes an array as IDX bytes (for tests and for users who build their own folders).
pub fn encode_idx(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, UNSIGNED_BYTE, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_gzip() {
        let data: Vec<u8> = (0..24).collect();
        let bytes = encode_idx(&[2, 3, 4], &data);
        let parsed = parse_idx(&bytes).unwrap();
        assert_eq!(parsed.dims, vec![2, 3, 4]);
        assert_eq!(parsed.data, data);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x-idx3-ubyte.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &bytes).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        assert_eq!(read_idx(&path).unwrap(), parsed);
    }

    #[test]
    fn malformed_files_say_what_is_wrong() {
        let good = encode_idx(&[2, 2], &[1, 2, 3, 4]);
        let mut magic = good.clone();
        magic[0] = 7;
        assert!(parse_idx(&magic).unwrap_err().contains("magic"));
        let mut kind = good.clone();
        kind[2] = 0x0d;
        assert!(parse_idx(&kind).unwrap_err().contains("0x0d"));
        assert!(
            parse_idx(&good[..good.len() - 1])
                .unwrap_err()
                .contains("truncated")
        );
        assert!(parse_idx(&good[..6]).unwrap_err().contains("truncated"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.gz");
        std::fs::write(&path, [0x1f, 0x8b, 1, 2, 3]).unwrap();
        let err = read_idx(&path).unwrap_err().to_string();
        assert!(err.contains("broken.gz") && err.contains("gzip"), "{err}");
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gz, bytes).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn a_gzip_file_is_inflated_no_further_than_its_header_declares() {
        // 16 MiB of zeros after a 2×2 array: a gzip bomb of a few kilobytes.
        let mut raw = encode_idx(&[2, 2], &[1, 2, 3, 4]);
        raw.resize(raw.len() + (16 << 20), 0);
        let bomb = gzip(&raw);
        assert!(bomb.len() < 64 << 10, "{}", bomb.len());
        let err = decode_idx(&bomb).unwrap_err();
        assert!(err.contains("run past the 4 bytes"), "{err}");
        // A header that claims 10⁹ images of 28×28 over a short body.
        let mut claim = encode_idx(&[1_000_000_000, 28, 28], &[]);
        claim.extend_from_slice(&[7; 100]);
        for bytes in [claim.clone(), gzip(&claim)] {
            let err = decode_idx(&bytes).unwrap_err();
            assert!(
                err.contains("truncated") && err.contains("784000000000"),
                "{err}"
            );
        }
        // The header itself cut short, and a damaged checksum, inside gzip.
        let err = decode_idx(&gzip(&claim[..9])).unwrap_err();
        assert!(
            err.contains("truncated") && err.contains("3 dimensions"),
            "{err}"
        );
        assert!(
            decode_idx(&gzip(&claim[..3]))
                .unwrap_err()
                .contains("too short")
        );
        let good = encode_idx(&[2, 2], &[1, 2, 3, 4]);
        let mut damaged = gzip(&good);
        let crc_at = damaged.len() - 8;
        damaged[crc_at] ^= 1;
        assert!(decode_idx(&damaged).unwrap_err().contains("gzip"));
        assert_eq!(decode_idx(&gzip(&good)).unwrap(), parse_idx(&good).unwrap());
    }
}
