//! Images held in memory as bytes: what the MNIST and CIFAR readers produce.

use std::path::PathBuf;

use super::{Dataset, Image, Sample};
use crate::error::{Error, Result};

/// Planar image bytes (`C x H x W` per image, back to back) with one label per image. The
/// readers ([`Mnist`](super::Mnist), [`Cifar`](super::Cifar)) are constructors of this type.
#[derive(Clone, Debug)]
pub struct ByteImages {
    pixels: Vec<u8>,
    labels: Vec<u8>,
    dims: (usize, usize, usize),
    classes: Vec<String>,
    /// The file errors name.
    source: PathBuf,
}

impl ByteImages {
    /// Panics if the lengths disagree: the readers check their input before calling this.
    pub(crate) fn new(
        pixels: Vec<u8>,
        labels: Vec<u8>,
        dims: (usize, usize, usize),
        classes: Vec<String>,
        source: PathBuf,
    ) -> Self {
        assert_eq!(
            pixels.len(),
            labels.len() * dims.0 * dims.1 * dims.2,
            "one image per label"
        );
        Self {
            pixels,
            labels,
            dims,
            classes,
            source,
        }
    }

    /// The raw bytes of image `index` (`C x H x W`), for checksums and displays.
    pub fn pixels(&self, index: usize) -> &[u8] {
        let n = self.dims.0 * self.dims.1 * self.dims.2;
        &self.pixels[index * n..(index + 1) * n]
    }

    /// `(channels, height, width)` of every image.
    pub fn image_dims(&self) -> (usize, usize, usize) {
        self.dims
    }

    fn check(&self, index: usize) -> Result<()> {
        if index < self.labels.len() {
            Ok(())
        } else {
            Err(Error::data(
                &self.source,
                format!("index {index} out of range: {} images", self.labels.len()),
            ))
        }
    }
}

impl Dataset for ByteImages {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn get(&self, index: usize) -> Result<Sample> {
        self.check(index)?;
        let (c, h, w) = self.dims;
        Ok(Sample {
            image: Image::from_chw_u8(c, h, w, self.pixels(index)),
            label: self.labels[index] as usize,
        })
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn label(&self, index: usize) -> Result<usize> {
        self.check(index)?;
        Ok(self.labels[index] as usize)
    }
}
