//! MNIST and Fashion-MNIST in the IDX format, gzipped or raw.
//!
//! IDX: a 4-byte magic number (`0, 0, type, dims`; type `0x08` = unsigned bytes), one
//! big-endian `u32` per dimension, then the data. Images are `N x 28 x 28`, labels `N`.

use std::path::Path;

use super::files::{find_file, read_maybe_gz};
use super::ByteImages;
use crate::error::{Error, Result};

/// Which part of a dataset: the training set or the test set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const FASHION: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Handwritten digits (or Fashion-MNIST's clothes), in memory as bytes: `1 x H x W` images.
pub type Mnist = ByteImages;

/// A parsed IDX header: the dimensions and where the data starts.
fn idx_header(bytes: &[u8], path: &Path, dims_expected: usize) -> Result<(Vec<usize>, usize)> {
    if bytes.len() < 4 {
        return Err(Error::data(
            path,
            format!("{} bytes: too short for an IDX header", bytes.len()),
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(Error::data(
            path,
            format!(
                "bad magic number {:02x}{:02x}{:02x}{:02x}: not an IDX file",
                bytes[0], bytes[1], bytes[2], bytes[3]
            ),
        ));
    }
    if bytes[2] != 0x08 {
        return Err(Error::data(
            path,
            format!(
                "IDX element type 0x{:02x} at offset 2, expected 0x08 (unsigned bytes)",
                bytes[2]
            ),
        ));
    }
    let dims = bytes[3] as usize;
    if dims != dims_expected {
        return Err(Error::data(
            path,
            format!("IDX file has {dims} dimension(s) at offset 3, expected {dims_expected}"),
        ));
    }
    let start = 4 + 4 * dims;
    if bytes.len() < start {
        return Err(Error::data(
            path,
            format!(
                "truncated IDX header: {} bytes, the header needs {start}",
                bytes.len()
            ),
        ));
    }
    let sizes: Vec<usize> = bytes[4..start]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let expected = sizes.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    match expected {
        Some(n) if bytes.len() - start == n => Ok((sizes, start)),
        Some(n) => Err(Error::data(
            path,
            format!("the header promises {sizes:?} = {n} bytes of data after offset {start}, the file has {}{}", bytes.len() - start, if bytes.len() - start < n { " (truncated)" } else { "" }),
        )),
        None => Err(Error::data(path, format!("IDX dimensions {sizes:?} overflow"))),
    }
}

/// The names `split`'s images file and labels file go by: the canonical ones, and with a dot as
/// some mirrors write them (each also found with `.gz`).
fn file_names(split: Split) -> [[String; 2]; 2] {
    let prefix = match split {
        Split::Train => "train",
        Split::Test => "t10k",
    };
    [
        [
            format!("{prefix}-images-idx3-ubyte"),
            format!("{prefix}-images.idx3-ubyte"),
        ],
        [
            format!("{prefix}-labels-idx1-ubyte"),
            format!("{prefix}-labels.idx1-ubyte"),
        ],
    ]
}

/// Whether `dir` holds any file of MNIST's (or Fashion-MNIST's) `split`: a test split with one
/// file missing is there, and broken, not absent.
pub(crate) fn has_split(dir: &Path, split: Split) -> bool {
    file_names(split)
        .iter()
        .any(|names| find_file(dir, &names.each_ref().map(String::as_str)).is_ok())
}

impl ByteImages {
    /// The MNIST `split` in `dir` (the four canonical files, `.gz` or not).
    pub fn open(dir: impl AsRef<Path>, split: Split) -> Result<Self> {
        Self::open_with_classes(dir.as_ref(), split, &DIGITS)
    }

    /// Fashion-MNIST, the same format with clothes for classes.
    pub fn open_fashion(dir: impl AsRef<Path>, split: Split) -> Result<Self> {
        Self::open_with_classes(dir.as_ref(), split, &FASHION)
    }

    fn open_with_classes(dir: &Path, split: Split, classes: &[&str]) -> Result<Self> {
        let [image_names, label_names] = file_names(split);
        let images = find_file(dir, &image_names.each_ref().map(String::as_str))?;
        let labels = find_file(dir, &label_names.each_ref().map(String::as_str))?;
        Self::from_files(&images, &labels, classes)
    }

    /// From an images file and a labels file; every label must name one of `classes`.
    pub fn from_files(images: &Path, labels: &Path, classes: &[&str]) -> Result<Self> {
        Self::from_bytes(
            (&read_maybe_gz(images)?, images),
            (&read_maybe_gz(labels)?, labels),
            classes,
        )
    }

    /// From the (decompressed) bytes of the two IDX files, each with the path its errors name.
    pub fn from_bytes(
        (image_bytes, images): (&[u8], &Path),
        (label_bytes, labels): (&[u8], &Path),
        classes: &[&str],
    ) -> Result<Self> {
        let (dims, start) = idx_header(image_bytes, images, 3)?;
        let (label_dims, label_start) = idx_header(label_bytes, labels, 1)?;
        if label_dims[0] != dims[0] {
            return Err(Error::data(
                labels,
                format!(
                    "{} labels for {} images in {}",
                    label_dims[0],
                    dims[0],
                    images.display()
                ),
            ));
        }
        let label_values = label_bytes[label_start..].to_vec();
        if let Some((i, &bad)) = label_values
            .iter()
            .enumerate()
            .find(|(_, &l)| l as usize >= classes.len())
        {
            return Err(Error::data(
                labels,
                format!(
                    "label {bad} at offset {} (sample {i}) is not one of the {} classes",
                    label_start + i,
                    classes.len()
                ),
            ));
        }
        Ok(Self::new(
            image_bytes[start..].to_vec(),
            label_values,
            (1, dims[1], dims[2]),
            classes.iter().map(|s| s.to_string()).collect(),
            images.to_path_buf(),
        ))
    }
}
