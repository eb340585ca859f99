//! A labelled set of grey-scale images read from an MNIST-format folder: pixels in [0, 1], one
//! image per row of a [`Points`], optionally averaged over 2×2 (or k×k) blocks so that CPU-sized
//! runs work at 14×14.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::idx::{IdxArray, read_idx};
use crate::error::{Error, Result};
use crate::math::Points;

/// Where Debian's and Ubuntu's `dataset-fashion-mnist` package puts Fashion-MNIST.
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";
/// The name that stands for [`FASHION_MNIST_DIR`] in `prior.dataset`.
pub const FASHION_MNIST: &str = "fashion_mnist";

const FASHION_CLASSES: [&str; 10] = [
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
];

/// Named sets of classes, for `constraint.classifier.classes`.
const CLASS_GROUPS: [(&str, &[&str]); 6] = [
    ("footwear", &["sandal", "sneaker", "ankle boot"]),
    ("tops", &["t-shirt", "pullover", "coat", "shirt"]),
    ("even", &["0", "2", "4", "6", "8"]),
    ("odd", &["1", "3", "5", "7", "9"]),
    ("small", &["0", "1", "2", "3", "4"]),
    ("large", &["5", "6", "7", "8", "9"]),
];

/// Which half of an MNIST-format folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    fn prefixes(self) -> &'static [&'static str] {
        match self {
            Self::Train => &["train"],
            Self::Test => &["t10k", "test"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Test => "test",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImageSet {
    /// The dataset's name as the user gave it (a folder or `fashion_mnist`).
    pub name: String,
    pub width: usize,
    pub height: usize,
    /// One image per row, row-major pixels in [0, 1].
    pub images: Points,
    pub labels: Vec<u8>,
    pub classes: Vec<String>,
}

impl ImageSet {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn dim(&self) -> usize {
        self.width * self.height
    }

    /// Loads one split of `spec` (a folder, or `fashion_mnist`), cached per process: the app,
    /// the trainer and the metrics all ask for the same arrays.
    pub fn load(spec: &str, split: Split, downsample: usize) -> Result<Arc<ImageSet>> {
        type Cache = Mutex<HashMap<(PathBuf, Split, usize), Arc<ImageSet>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        if downsample == 0 {
            return Err(Error::config(
                "prior.image_downsample",
                "must be at least 1",
            ));
        }
        let folder = folder_of(spec);
        let key = (folder.clone(), split, downsample);
        let cache = CACHE.get_or_init(Default::default);
        if let Some(set) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(set);
        }
        let set = Arc::new(read_folder(spec, &folder, split, downsample)?);
        if let Ok(mut cache) = cache.lock() {
            cache.insert(key, set.clone());
        }
        Ok(set)
    }

    /// Whether `spec` names an MNIST-format folder (or the packaged Fashion-MNIST).
    pub fn is_image_spec(spec: &str) -> bool {
        spec == FASHION_MNIST || find_file(&folder_of(spec), Split::Train, "images").is_ok()
    }

    /// The class indices of `names` (see [`class_set`]).
    pub fn class_set(&self, names: &[String], field: &str) -> Result<Vec<usize>> {
        class_set(&self.classes, &self.name, names, field)
    }
}

/// The indices in `classes` of `names`: class names, indices, or groups (`footwear`, `even`,
/// ...); `field` and `dataset` name the setting and the data in errors.
pub fn class_set(
    classes: &[String],
    dataset: &str,
    names: &[String],
    field: &str,
) -> Result<Vec<usize>> {
    if names.is_empty() {
        return Err(Error::config(field, "names no class"));
    }
    let mut out = Vec::new();
    for name in names {
        let key = name.trim().to_lowercase();
        let members: Vec<String> = match CLASS_GROUPS.iter().find(|(g, _)| *g == key) {
            Some((_, members)) => members.iter().map(|m| m.to_string()).collect(),
            None => vec![key.clone()],
        };
        for member in members {
            let index = classes
                .iter()
                .position(|c| c.to_lowercase() == member)
                .or_else(|| member.parse::<usize>().ok().filter(|&i| i < classes.len()))
                .ok_or_else(|| {
                    Error::config(
                        field,
                        format!(
                            "`{member}`{} is not a class of {dataset} ({}) nor a group ({})",
                            if member == key {
                                String::new()
                            } else {
                                format!(" (of the group `{key}`)")
                            },
                            classes.join(", "),
                            CLASS_GROUPS.map(|(g, _)| g).join(", ")
                        ),
                    )
                })?;
            if !out.contains(&index) {
                out.push(index);
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// The folder a dataset spec names.
pub fn folder_of(spec: &str) -> PathBuf {
    if spec == FASHION_MNIST {
        PathBuf::from(FASHION_MNIST_DIR)
    } else {
        PathBuf::from(spec)
    }
}

/// The first file in `folder` whose name starts with the split's prefix and holds `what`
/// (`images` or `labels`): `train-images-idx3-ubyte.gz`, `t10k-labels.idx1-ubyte`, ...
fn find_file(folder: &Path, split: Split, what: &str) -> Result<PathBuf> {
    let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?;
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            split.prefixes().iter().any(|pre| name.starts_with(pre)) && name.contains(what)
        })
        .collect();
    names.sort();
    names.into_iter().next().ok_or_else(|| {
        Error::bad_file(
            folder,
            format!(
                "no {} {what} file (like {}-{what}-idx{}-ubyte[.gz]) in this folder",
                split.name(),
                split.prefixes()[0],
                if what == "images" { 3 } else { 1 }
            ),
        )
    })
}

fn read_folder(spec: &str, folder: &Path, split: Split, downsample: usize) -> Result<ImageSet> {
    let images_path = find_file(folder, split, "images")?;
    let labels_path = find_file(folder, split, "labels")?;
    let images = read_idx(&images_path)?;
    let labels = read_idx(&labels_path)?;
    let listed = folder.join("classes.txt");
    let classes_txt = if listed.exists() {
        Some(crate::files::read_to_string(&listed)?)
    } else {
        None
    };
    ImageSet::from_arrays(
        spec,
        (images, &images_path),
        (labels, &labels_path),
        classes_txt.as_deref(),
        downsample,
    )
}

impl ImageSet {
    /// A set from the arrays of an images and a labels file (each with its path, which names
    /// it in errors) and the text of the folder's `classes.txt`, if it has one.
    pub fn from_arrays(
        spec: &str,
        (images, images_path): (IdxArray, &Path),
        (labels, labels_path): (IdxArray, &Path),
        classes_txt: Option<&str>,
        downsample: usize,
    ) -> Result<Self> {
        if images.dims.len() != 3 {
            return Err(Error::bad_file(
                images_path,
                format!(
                    "an images file has 3 dimensions (count, rows, columns), this one {:?}",
                    images.dims
                ),
            ));
        }
        if labels.dims.len() != 1 {
            return Err(Error::bad_file(
                labels_path,
                format!(
                    "a labels file has 1 dimension (count), this one {:?}",
                    labels.dims
                ),
            ));
        }
        if images.count() != labels.count() {
            return Err(Error::bad_file(
                labels_path,
                format!(
                    "{} labels for the {} images of {}",
                    labels.count(),
                    images.count(),
                    images_path.display()
                ),
            ));
        }
        if images.count() == 0 {
            return Err(Error::bad_file(images_path, "holds no images"));
        }
        if downsample == 0 {
            return Err(Error::config(
                "prior.image_downsample",
                "must be at least 1",
            ));
        }
        let (height, width) = (images.dims[1], images.dims[2]);
        if height == 0 || width == 0 {
            return Err(Error::bad_file(
                images_path,
                format!("its images are {height}×{width} pixels: empty"),
            ));
        }
        if height % downsample != 0 || width % downsample != 0 {
            return Err(Error::config(
                "prior.image_downsample",
                format!("{downsample} does not divide the {height}×{width} images of {spec}"),
            ));
        }
        let classes = class_names(
            &folder_of(spec),
            spec,
            &labels.data,
            classes_txt,
            labels_path,
        )?;
        let (h, w) = (height / downsample, width / downsample);
        let mut points = Points::with_capacity(images.count(), h * w);
        let norm = 1.0 / (255.0 * (downsample * downsample) as f32);
        let mut row = vec![0f32; h * w];
        for image in images.data.chunks_exact(height * width) {
            row.fill(0.0);
            for (r, line) in image.chunks_exact(width).enumerate() {
                for (c, &v) in line.iter().enumerate() {
                    row[(r / downsample) * w + c / downsample] += v as f32;
                }
            }
            row.iter_mut().for_each(|v| *v *= norm);
            points.push(&row);
        }
        Ok(ImageSet {
            name: spec.to_string(),
            width: w,
            height: h,
            images: points,
            labels: labels.data,
            classes,
        })
    }
}

/// Class names from `classes.txt` in the folder (one per line), Fashion-MNIST's for that
/// dataset, and the label values (`0`, `1`, ...) otherwise.
fn class_names(
    folder: &Path,
    spec: &str,
    labels: &[u8],
    classes_txt: Option<&str>,
    labels_path: &Path,
) -> Result<Vec<String>> {
    let count = labels.iter().copied().max().map_or(0, |m| m as usize + 1);
    let names: Vec<String> = if let Some(listed) = classes_txt {
        listed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    } else if spec == FASHION_MNIST || folder.to_string_lossy().contains("fashion") {
        FASHION_CLASSES.iter().map(|s| s.to_string()).collect()
    } else {
        (0..count.max(1)).map(|i| i.to_string()).collect()
    };
    if count > names.len() {
        return Err(Error::bad_file(
            labels_path,
            format!(
                "label {} is beyond the {} class names",
                count - 1,
                names.len()
            ),
        ));
    }
    Ok(names)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::images::idx::encode_idx;

    /// Writes a small MNIST-format folder: `n` 4×4 images per split whose class is the bright
    /// quadrant (4 classes).
    pub fn write_quadrant_folder(dir: &Path, n: usize) {
        for (prefix, offset) in [("train", 0), ("t10k", 1)] {
            let mut pixels = Vec::new();
            let mut labels = Vec::new();
            for i in 0..n {
                let class = (i + offset) % 4;
                for r in 0..4 {
                    for c in 0..4 {
                        let q = (r / 2) * 2 + c / 2;
                        let v = if q == class {
                            200 + (i % 50) as u8
                        } else {
                            (i % 20) as u8
                        };
                        pixels.push(v);
                    }
                }
                labels.push(class as u8);
            }
            std::fs::write(
                dir.join(format!("{prefix}-images-idx3-ubyte")),
                encode_idx(&[n, 4, 4], &pixels),
            )
            .unwrap();
            std::fs::write(
                dir.join(format!("{prefix}-labels-idx1-ubyte")),
                encode_idx(&[n], &labels),
            )
            .unwrap();
        }
    }

    #[test]
    fn reads_a_folder_and_downsamples_by_block_means() {
        let dir = tempfile::tempdir().unwrap();
        write_quadrant_folder(dir.path(), 12);
        let spec = dir.path().to_string_lossy().to_string();
        assert!(ImageSet::is_image_spec(&spec));
        let full = ImageSet::load(&spec, Split::Train, 1).unwrap();
        assert_eq!((full.len(), full.dim()), (12, 16));
        assert_eq!(full.classes, ["0", "1", "2", "3"]);
        let half = ImageSet::load(&spec, Split::Test, 2).unwrap();
        assert_eq!(half.dim(), 4);
        // Image 0 of the test split is class 1: its bright quadrant is the top right.
        let row = half.images.row(0);
        assert!(row[1] > 0.75 && row[0] < 0.1, "{row:?}");
        assert_eq!(
            half.class_set(&["2".into(), "3".into(), "2".into()], "f")
                .unwrap(),
            vec![2, 3]
        );
        let err = half.class_set(&["footwear".into()], "constraint.classifier.classes");
        assert!(err.unwrap_err().to_string().contains("sandal"));
    }

    #[test]
    fn mismatched_counts_and_missing_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write_quadrant_folder(dir.path(), 8);
        std::fs::write(
            dir.path().join("train-labels-idx1-ubyte"),
            encode_idx(&[7], &[0; 7]),
        )
        .unwrap();
        let spec = dir.path().to_string_lossy().to_string();
        let err = ImageSet::load(&spec, Split::Train, 1)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("train-labels-idx1-ubyte") && err.contains("7 labels for the 8"),
            "{err}"
        );
        let err = ImageSet::load(&spec, Split::Test, 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not divide"), "{err}");
        // Found by the reader fuzzer (tests/fuzz_readers.rs): images of 0 rows or columns
        // made the pixel loop panic (a chunk size of zero).
        for dims in [[3, 0, 4], [3, 4, 0]] {
            let images = crate::images::idx::IdxArray {
                dims: dims.to_vec(),
                data: Vec::new(),
            };
            let labels = crate::images::idx::IdxArray {
                dims: vec![3],
                data: vec![0, 1, 2],
            };
            let err = ImageSet::from_arrays(
                "set",
                (images, Path::new("flat-images")),
                (labels, Path::new("flat-labels")),
                None,
                1,
            )
            .unwrap_err()
            .to_string();
            assert!(
                err.contains("flat-images") && err.contains("empty"),
                "{err}"
            );
        }
        let empty = tempfile::tempdir().unwrap();
        let err = ImageSet::load(&empty.path().to_string_lossy(), Split::Test, 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no test images file"), "{err}");
    }
}
