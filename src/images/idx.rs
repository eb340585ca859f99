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

/// Reads an IDX file, gunzipping it first if it starts with the gzip magic bytes.
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let raw = files::read(path)?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| Error::bad_file(path, format!("not a readable gzip file: {e}")))?;
        out
    } else {
        raw
    };
    parse_idx(&bytes).map_err(|message| Error::bad_file(path, message))
}

/// Parses the bytes of an (uncompressed) IDX file; the error is a message without the file name.
pub fn parse_idx(bytes: &[u8]) -> std::result::Result<IdxArray, String> {
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
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(format!(
            "truncated: the header declares {ndims} dimensions but the file has {} bytes",
            bytes.len()
        ));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| format!("dimensions {dims:?} overflow"))?;
    let body = &bytes[header..];
    if body.len() < expected {
        return Err(format!(
            "truncated: dimensions {dims:?} need {expected} bytes of values, the file has {}",
            body.len()
        ));
    }
    if body.len() > expected {
        return Err(format!(
            "{} bytes beyond the {expected} that dimensions {dims:?} declare",
            body.len() - expected
        ));
    }
    Ok(IdxArray {
        dims,
        data: body.to_vec(),
    })
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
}
