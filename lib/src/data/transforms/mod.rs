//! Transforms: small seeded steps from a decoded image to what the network sees.
//!
//! Each transform is one type with torchvision's name and meaning; they work on `[0, 1]` float
//! images (`C x H x W`), like torchvision's tensor transforms. Decoding already does what
//! `ToTensor` does, so a pipeline reads `[augmentations..., Normalize]`:
//!
//! ```
//! use mapping::data::transforms::*;
//! let train = Compose::new()
//!     .then(RandomCrop::new(32, 32).padding(4))
//!     .then(RandomHorizontalFlip::new(0.5))
//!     .then(Normalize::cifar10());
//! # assert_eq!(train.len(), 3);
//! ```

mod affine;
mod center_crop;
mod color_jitter;
mod cutout;
mod flip;
mod noise;
mod normalize;
mod random_crop;
mod random_resized_crop;
mod resize;

pub use affine::{affine, Interpolation, RandomAffine};
pub use center_crop::CenterCrop;
pub use color_jitter::{
    adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation, ColorJitter,
};
pub use cutout::Cutout;
pub use flip::{RandomHorizontalFlip, RandomVerticalFlip};
pub use noise::{GaussianNoise, SaltAndPepper};
pub use normalize::Normalize;
pub use random_crop::{crop, pad, RandomCrop};
pub use random_resized_crop::RandomResizedCrop;
pub use resize::Resize;

use super::rng::Rng;
use super::Image;
use crate::error::Result;

/// One step of a pipeline. `rng` is this sample's own generator (see [`crate::data::rng`]):
/// draw every random choice from it and the pipeline stays reproducible on any thread count.
pub trait Transform: Send + Sync {
    fn apply(&self, image: Image, rng: &mut Rng) -> Result<Image>;
}

/// Transforms applied in order, like `torchvision.transforms.Compose`.
#[derive(Default)]
pub struct Compose {
    steps: Vec<Box<dyn Transform>>,
}

impl Compose {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a step.
    pub fn then(mut self, step: impl Transform + 'static) -> Self {
        self.steps.push(Box::new(step));
        self
    }

    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn apply(&self, mut image: Image, rng: &mut Rng) -> Result<Image> {
        for step in &self.steps {
            image = step.apply(image, rng)?;
        }
        Ok(image)
    }
}

impl Transform for Compose {
    fn apply(&self, image: Image, rng: &mut Rng) -> Result<Image> {
        Compose::apply(self, image, rng)
    }
}

/// A probability in `[0, 1]`, checked where a transform is built.
fn probability(p: f64) -> f64 {
    assert!((0.0..=1.0).contains(&p), "probability {p} is not in [0, 1]");
    p
}
