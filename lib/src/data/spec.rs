//! Dataset specs as the CLI and notebooks write them: `synthetic`, `synthetic-digits`, `mnist:DIR`,
//! `fashion-mnist:DIR`, `cifar10:DIR`, `cifar100:DIR`, `folder:DIR`, `shards:DIR`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::{
    cifar, mnist, Cifar, Cifar100Labels, Dataset, ImageFolder, Mnist, Shards, Split, Synthetic,
    SyntheticConfig,
};
use crate::error::{Error, Result};

/// Which dataset, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatasetSpec {
    /// The built-in drawn shapes (50,000 train / 10,000 test, 32x32 colour).
    Synthetic,
    /// The built-in drawn shapes at MNIST's size (60,000 train / 10,000 test, 28x28 grey).
    SyntheticDigits,
    Mnist(PathBuf),
    FashionMnist(PathBuf),
    Cifar10(PathBuf),
    Cifar100(PathBuf),
    /// `DIR/train/<class>/...` and `DIR/test/<class>/...`, or `DIR/<class>/...` (one split).
    Folder(PathBuf),
    /// `DIR/train` and `DIR/test` shard folders, or one shard folder.
    Shards(PathBuf),
}

impl FromStr for DatasetSpec {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Self> {
        if spec == "synthetic" {
            return Ok(Self::Synthetic);
        }
        if spec == "synthetic-digits" {
            return Ok(Self::SyntheticDigits);
        }
        let (kind, dir) = spec.split_once(':').ok_or_else(|| bad_spec(spec))?;
        let dir = PathBuf::from(dir);
        Ok(match kind {
            "mnist" => Self::Mnist(dir),
            "fashion-mnist" => Self::FashionMnist(dir),
            "cifar10" => Self::Cifar10(dir),
            "cifar100" => Self::Cifar100(dir),
            "folder" => Self::Folder(dir),
            "shards" => Self::Shards(dir),
            _ => return Err(bad_spec(spec)),
        })
    }
}

fn bad_spec(spec: &str) -> Error {
    Error::data(
        spec,
        "not a dataset spec: use synthetic, synthetic-digits, mnist:DIR, fashion-mnist:DIR, cifar10:DIR, cifar100:DIR, folder:DIR or shards:DIR",
    )
}

impl DatasetSpec {
    /// Whether this data has `split` on disk at all. A split that is there but cannot be read
    /// counts as there: opening it gives its error rather than a stand-in.
    pub fn has_split(&self, split: Split) -> bool {
        match self {
            Self::Synthetic | Self::SyntheticDigits => true,
            Self::Mnist(dir) | Self::FashionMnist(dir) => mnist::has_split(dir, split),
            Self::Cifar10(dir) => cifar::cifar10_has_split(dir, split),
            Self::Cifar100(dir) => cifar::cifar100_has_split(dir, split),
            Self::Folder(dir) | Self::Shards(dir) => {
                split_folder(dir, split).is_ok_and(|folder| folder.is_dir())
            }
        }
    }

    /// The test split, or `None` where the data has none on disk (see [`Self::has_split`]).
    /// A test split that is there but broken is an error, never quietly replaced.
    pub fn open_test(&self) -> Result<Option<Box<dyn Dataset>>> {
        if !self.has_split(Split::Test) {
            return Ok(None);
        }
        self.open(Split::Test).map(Some)
    }

    /// Opens one split. For folders and shards without `train`/`test` sub-folders, the
    /// whole folder is the training split and there is no test split.
    pub fn open(&self, split: Split) -> Result<Box<dyn Dataset>> {
        Ok(match self {
            Self::Synthetic => {
                let (len, seed) = if split == Split::Train {
                    (50_000, 1)
                } else {
                    (10_000, 2)
                };
                Box::new(Synthetic::new(SyntheticConfig::cifar_like(len, seed))?)
            }
            Self::SyntheticDigits => {
                let (len, seed) = if split == Split::Train {
                    (60_000, 1)
                } else {
                    (10_000, 2)
                };
                Box::new(Synthetic::new(SyntheticConfig::mnist_like(len, seed))?)
            }
            Self::Mnist(dir) => Box::new(Mnist::open(dir, split)?),
            Self::FashionMnist(dir) => Box::new(Mnist::open_fashion(dir, split)?),
            Self::Cifar10(dir) => Box::new(Cifar::cifar10(dir, split)?),
            Self::Cifar100(dir) => Box::new(Cifar::cifar100(dir, split, Cifar100Labels::Fine)?),
            Self::Folder(dir) => Box::new(ImageFolder::open(split_folder(dir, split)?)?),
            Self::Shards(dir) => Box::new(Shards::open(split_folder(dir, split)?)?),
        })
    }
}

/// Where a folder or shard layout keeps `split`: its `train` or `test` sub-folder, or, without a
/// `test` sub-folder, the folder itself as the training split; an error when the layout has no
/// such split.
fn split_folder(dir: &Path, split: Split) -> Result<PathBuf> {
    let name = match split {
        Split::Train => "train",
        Split::Test => "test",
    };
    let sub = dir.join(name);
    if sub.is_dir() {
        Ok(sub)
    } else if split == Split::Train && !dir.join("test").is_dir() {
        Ok(dir.to_path_buf())
    } else {
        Err(Error::data(dir, format!("no `{name}` split here")))
    }
}

/// What `mapping data inspect` prints for one split.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitSummary {
    pub split: Split,
    pub len: usize,
    pub classes: Vec<String>,
    /// Samples per class, in label order.
    pub histogram: Vec<usize>,
    /// `(channels, height, width)` of the first image.
    pub first_image: Option<(usize, usize, usize)>,
}

/// Counts, classes, label histogram and first image size of a dataset.
pub fn summarize(dataset: &dyn Dataset, split: Split) -> Result<SplitSummary> {
    let classes = dataset.classes().to_vec();
    let mut histogram = vec![0usize; classes.len()];
    for i in 0..dataset.len() {
        let label = dataset.label(i)?;
        *histogram.get_mut(label).ok_or_else(|| {
            Error::data(
                "<dataset>",
                format!("sample {i} has label {label} of {} classes", classes.len()),
            )
        })? += 1;
    }
    let first_image = if dataset.is_empty() {
        None
    } else {
        Some(dataset.get(0)?.image.dims())
    };
    Ok(SplitSummary {
        split,
        len: dataset.len(),
        classes,
        histogram,
        first_image,
    })
}

impl std::fmt::Display for SplitSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = self
            .first_image
            .map_or("-".to_string(), |(c, h, w)| format!("{c}x{h}x{w}"));
        writeln!(
            f,
            "{:?}: {} images, {} classes, first image {size} (CxHxW)",
            self.split,
            self.len,
            self.classes.len()
        )?;
        let widest = self.histogram.iter().max().copied().unwrap_or(0).max(1);
        for (label, (class, &count)) in self.classes.iter().zip(&self.histogram).enumerate() {
            let bar = "#".repeat((count * 40).div_ceil(widest));
            writeln!(f, "  {label:>3} {class:<20} {count:>8}  {bar}")?;
        }
        Ok(())
    }
}
