//! Image data: datasets, transforms and a parallel loader.
//!
//! Data flows one way: a [`Dataset`] yields `(Image, label)` samples, a [`Compose`]d list of
//! transforms turns each image into what the network sees, and the [`Loader`] builds shuffled
//! batches in parallel, ahead of the training loop but never more than a few batches ahead.
//! Images travel as `f32` planes (`C x H x W`, values in `[0, 1]` until normalised), the
//! layout PyTorch's `ToTensor` produces.

mod archive;
mod byte_images;
mod cifar;
mod course;
mod dataset;
pub mod download;
mod files;
mod folder;
mod image;
mod loader;
mod mnist;
pub mod rng;
mod shards;
mod spec;
mod split;
mod synthetic;
pub mod transforms;

pub use self::image::Image;
pub use archive::extract_tar_gz;
pub use byte_images::ByteImages;
pub use cifar::{Cifar, Cifar100Labels, CIFAR10_CLASSES};
pub use course::{CourseData, COURSE_DATA_ENV, MNIST_CANDIDATES};
pub use dataset::{class_difference, Dataset, Sample, Subset};
pub use files::read_maybe_gz;
pub use folder::{read_image, BadImagePolicy, ImageFolder};
pub use loader::{Batch, Batches, Loader, LoaderConfig};
pub use mnist::{Mnist, Split};
pub use shards::{pack_image_folder, parse_record, PackReport, Shards, SHARD_MAGIC};
pub use spec::{summarize, DatasetSpec, SplitSummary};
pub use split::{stratified_k_fold, train_val_split, Fold};
pub use synthetic::{Synthetic, SyntheticConfig, SYNTHETIC_CLASSES};
pub use transforms::{Compose, Transform};
