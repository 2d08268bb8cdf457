//! CIFAR-10 and CIFAR-100 in their binary release.
//!
//! CIFAR-10: `data_batch_1.bin` ... `data_batch_5.bin` (train) and `test_batch.bin`, records of
//! 1 label byte + 3072 pixel bytes (the red, green and blue 32x32 planes). CIFAR-100:
//! `train.bin` / `test.bin`, records of a coarse and a fine label byte + 3072 pixel bytes.

use std::path::{Path, PathBuf};

use super::mnist::Split;
use super::ByteImages;
use crate::error::{Error, Result};

const PIXELS: usize = 3 * 32 * 32;

/// The CIFAR-10 class names, in label order.
pub const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// CIFAR images in memory as bytes (`3 x 32 x 32`), with their labels.
pub type Cifar = ByteImages;

/// CIFAR-100's label granularity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cifar100Labels {
    /// 20 superclasses.
    Coarse,
    /// 100 classes.
    Fine,
}

impl ByteImages {
    /// CIFAR-10's `split` from `dir` (or `dir/cifar-10-batches-bin`).
    pub fn cifar10(dir: impl AsRef<Path>, split: Split) -> Result<Self> {
        let dir = resolve(dir.as_ref(), "cifar-10-batches-bin");
        let files = cifar10_files(&dir, split);
        let classes = read_names(&dir.join("batches.meta.txt"), 10)
            .unwrap_or_else(|| CIFAR10_CLASSES.iter().map(|s| s.to_string()).collect());
        Self::from_record_files(&files, 1, 0, classes)
    }

    /// CIFAR-100's `split` from `dir` (or `dir/cifar-100-binary`).
    pub fn cifar100(dir: impl AsRef<Path>, split: Split, labels: Cifar100Labels) -> Result<Self> {
        let dir = resolve(dir.as_ref(), "cifar-100-binary");
        let file = cifar100_file(&dir, split);
        let (names_file, count, which) = match labels {
            Cifar100Labels::Coarse => ("coarse_label_names.txt", 20, 0),
            Cifar100Labels::Fine => ("fine_label_names.txt", 100, 1),
        };
        let classes = read_names(&dir.join(names_file), count)
            .unwrap_or_else(|| (0..count).map(|i| format!("class-{i}")).collect());
        Self::from_record_files(&[file], 2, which, classes)
    }

    /// Records with `label_bytes` label bytes before the pixels; the label used is byte `which`.
    fn from_record_files(
        files: &[PathBuf],
        label_bytes: usize,
        which: usize,
        classes: Vec<String>,
    ) -> Result<Self> {
        let (mut pixels, mut labels) = (Vec::new(), Vec::new());
        for file in files {
            let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
            Self::parse_records(
                &bytes,
                file,
                label_bytes,
                which,
                classes.len(),
                &mut pixels,
                &mut labels,
            )?;
        }
        Ok(Self::new(
            pixels,
            labels,
            (3, 32, 32),
            classes,
            files[0].clone(),
        ))
    }

    /// Appends the records of one file's `bytes` (errors name `file`): `label_bytes` label
    /// bytes then 3072 pixel bytes each; the label is byte `which`, below `classes`.
    pub fn parse_records(
        bytes: &[u8],
        file: &Path,
        label_bytes: usize,
        which: usize,
        classes: usize,
        pixels: &mut Vec<u8>,
        labels: &mut Vec<u8>,
    ) -> Result<()> {
        let record = label_bytes + PIXELS;
        if which >= label_bytes {
            return Err(Error::data(
                file,
                format!("label byte {which} of a {label_bytes}-byte label"),
            ));
        }
        if bytes.is_empty() || !bytes.len().is_multiple_of(record) {
            return Err(Error::data(
                file,
                format!("{} bytes is not a whole number of {record}-byte records (truncated or not a CIFAR binary file)", bytes.len()),
            ));
        }
        for (i, r) in bytes.chunks_exact(record).enumerate() {
            let label = r[which];
            if label as usize >= classes {
                return Err(Error::data(file, format!("label {label} at offset {} (record {i}) is not one of the {classes} classes", i * record + which)));
            }
            labels.push(label);
            pixels.extend_from_slice(&r[label_bytes..]);
        }
        Ok(())
    }
}

/// CIFAR-10's batch files of `split` in its (resolved) folder.
fn cifar10_files(dir: &Path, split: Split) -> Vec<PathBuf> {
    match split {
        Split::Train => (1..=5)
            .map(|i| dir.join(format!("data_batch_{i}.bin")))
            .collect(),
        Split::Test => vec![dir.join("test_batch.bin")],
    }
}

/// CIFAR-100's file of `split` in its (resolved) folder.
fn cifar100_file(dir: &Path, split: Split) -> PathBuf {
    dir.join(match split {
        Split::Train => "train.bin",
        Split::Test => "test.bin",
    })
}

/// Whether `dir` holds any file of CIFAR-10's `split` (a split with some files missing is
/// there, and broken, not absent).
pub(crate) fn cifar10_has_split(dir: &Path, split: Split) -> bool {
    let dir = resolve(dir, "cifar-10-batches-bin");
    cifar10_files(&dir, split).iter().any(|f| f.is_file())
}

/// Whether `dir` holds CIFAR-100's file of `split`.
pub(crate) fn cifar100_has_split(dir: &Path, split: Split) -> bool {
    cifar100_file(&resolve(dir, "cifar-100-binary"), split).is_file()
}

fn resolve(dir: &Path, inner: &str) -> PathBuf {
    let nested = dir.join(inner);
    if nested.is_dir() {
        nested
    } else {
        dir.to_path_buf()
    }
}

/// Class names, one per line, if the file exists and has `count` of them.
fn read_names(path: &Path, count: usize) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    (names.len() == count).then_some(names)
}
