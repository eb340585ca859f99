//! Writing files so that a crash or a full disk never leaves a half-written file behind: write
//! a temporary file in the same folder, flush it to disk, then rename it over the target.
//! Reading them back, images included, within bounds that a small file cannot talk past.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

pub fn read_to_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// The widest and tallest image read from a user's file.
pub const MAX_IMAGE_SIDE: u32 = 4096;
/// The most memory an image decoder may hold, its pixels included: a 4096² grey image fits.
/// A PNG of a few kilobytes can declare 10⁵ × 10⁵ pixels (zlib packs a blank image a
/// thousandfold); without this, decoding it would allocate gigabytes before noticing.
pub const MAX_IMAGE_ALLOC: u64 = 32 << 20;

/// Decodes the bytes of an image file (PNG, the one format compiled in), refusing one wider
/// or taller than `max_side` (at most [`MAX_IMAGE_SIDE`]) or one whose decoding needs more than
/// [`MAX_IMAGE_ALLOC`] bytes, before its pixels are allocated. `origin` names the file.
pub fn decode_image(bytes: &[u8], origin: &Path, max_side: u32) -> Result<image::DynamicImage> {
    let max_side = max_side.min(MAX_IMAGE_SIDE);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(max_side);
    limits.max_image_height = Some(max_side);
    limits.max_alloc = Some(MAX_IMAGE_ALLOC);
    let reader = || -> Result<image::ImageReader<std::io::Cursor<&[u8]>>> {
        let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| Error::io(origin, e))?;
        if reader.format().is_none() {
            return Err(Error::bad_file(
                origin,
                "not a readable image: its first bytes are not those of a PNG file",
            ));
        }
        reader.limits(limits.clone());
        Ok(reader)
    };
    let unreadable =
        |e: image::ImageError| Error::bad_file(origin, format!("not a readable image: {e}"));
    // The header first, so that a refusal names the size the file claims.
    let (width, height) = match reader()?.into_dimensions() {
        Ok(size) => size,
        Err(image::ImageError::Limits(_)) => {
            return Err(Error::bad_file(
                origin,
                format!(
                    "the image is larger than this app reads (at most {max_side}×{max_side} \
                     pixels)"
                ),
            ));
        }
        Err(e) => return Err(unreadable(e)),
    };
    if width > max_side || height > max_side {
        return Err(Error::bad_file(
            origin,
            format!("the image is {width}×{height} pixels; at most {max_side}×{max_side} are read"),
        ));
    }
    match reader()?.decode() {
        Ok(image) => Ok(image),
        Err(image::ImageError::Limits(e)) => Err(Error::bad_file(
            origin,
            format!(
                "decoding this {width}×{height} image needs more than the {} MiB this app \
                 allows an image ({e}); save it as 8-bit grey or make it smaller",
                MAX_IMAGE_ALLOC >> 20
            ),
        )),
        Err(e) => Err(unreadable(e)),
    }
}

/// Resolves a path from a config: as given when it exists or is absolute, else relative to the
/// config file's folder.
pub fn resolve_path(path: &str, base_dir: Option<&Path>) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() || p.exists() {
        return p;
    }
    match base_dir {
        Some(base) => base.join(p),
        None => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A PNG that declares `width`×`height` 8-bit pixels of `colour` (0 grey, 6 RGBA) and
    /// holds none: a few dozen bytes.
    fn png_claiming(width: u32, height: u32, colour: u8) -> Vec<u8> {
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, colour, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        // An empty zlib stream as the pixel data.
        let empty_zlib = [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];
        for (kind, data) in [(b"IHDR", &ihdr[..]), (b"IDAT", &empty_zlib), (b"IEND", &[])] {
            let mut chunk = kind.to_vec();
            chunk.extend_from_slice(data);
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(&chunk);
            out.extend_from_slice(&crc32(&chunk).to_be_bytes());
        }
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn an_image_that_claims_a_huge_size_is_refused_by_name() {
        let origin = Path::new("huge.png");
        let err = decode_image(&png_claiming(100_000, 100_000, 0), origin, MAX_IMAGE_SIDE)
            .unwrap_err()
            .to_string();
        assert!(err.contains("huge.png") && err.contains("4096"), "{err}");
        // Within the sides, but 4096² RGBA is 64 MiB of pixels.
        let err = decode_image(&png_claiming(4096, 4096, 6), origin, MAX_IMAGE_SIDE)
            .unwrap_err()
            .to_string();
        assert!(err.contains("huge.png") && err.contains("32 MiB"), "{err}");
        let err = decode_image(b"hello", Path::new("notes.png"), 64)
            .unwrap_err()
            .to_string();
        assert!(err.contains("notes.png") && err.contains("PNG"), "{err}");
    }
}
