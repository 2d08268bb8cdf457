//! `Normalize`: per-channel `(x - mean) / std`.

use super::{Image, Rng, Transform};
use crate::error::{Error, Result};

/// `(x - mean[c]) / std[c]` for each channel `c`, like `transforms.Normalize`.
#[derive(Clone, Debug)]
pub struct Normalize {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Normalize {
    pub fn new(mean: &[f32], std: &[f32]) -> Self {
        assert_eq!(mean.len(), std.len(), "one mean and one std per channel");
        assert!(std.iter().all(|&s| s > 0.0), "std must be positive");
        Self {
            mean: mean.to_vec(),
            std: std.to_vec(),
        }
    }

    /// The ImageNet statistics every torchvision model expects (seed article 002, §3.2.1).
    pub fn imagenet() -> Self {
        Self::new(&[0.485, 0.456, 0.406], &[0.229, 0.224, 0.225])
    }

    /// CIFAR-10's training-set statistics.
    pub fn cifar10() -> Self {
        Self::new(&[0.4914, 0.4822, 0.4465], &[0.2470, 0.2435, 0.2616])
    }

    /// MNIST's training-set statistics.
    pub fn mnist() -> Self {
        Self::new(&[0.1307], &[0.3081])
    }
}

impl Transform for Normalize {
    fn apply(&self, mut image: Image, _rng: &mut Rng) -> Result<Image> {
        if image.channels() != self.mean.len() {
            return Err(Error::shape(
                "Normalize",
                format!(
                    "{} channel statistics for a {}-channel image",
                    self.mean.len(),
                    image.channels()
                ),
            ));
        }
        for c in 0..image.channels() {
            let (mean, std) = (self.mean[c], self.std[c]);
            for v in image.plane_mut(c) {
                *v = (*v - mean) / std;
            }
        }
        Ok(image)
    }
}
