//! Pixel noise: Gaussian, and salt-and-pepper.

use rand::Rng as _;
use rand_distr::{Distribution, Normal};

use super::{probability, Image, Rng, Transform};
use crate::error::Result;

/// Adds `N(0, std^2)` noise to every value, then clamps to `[0, 1]`.
#[derive(Clone, Copy, Debug)]
pub struct GaussianNoise {
    pub std: f32,
}

impl GaussianNoise {
    pub fn new(std: f32) -> Self {
        assert!(
            std >= 0.0 && std.is_finite(),
            "noise std must be finite and non-negative"
        );
        Self { std }
    }
}

impl Transform for GaussianNoise {
    fn apply(&self, mut image: Image, rng: &mut Rng) -> Result<Image> {
        let normal = Normal::new(0.0, self.std).expect("checked in new");
        for v in image.data_mut() {
            *v = (*v + normal.sample(rng)).clamp(0.0, 1.0);
        }
        Ok(image)
    }
}

/// Sets a fraction `amount` of the pixels (all channels) to black or white, half each.
#[derive(Clone, Copy, Debug)]
pub struct SaltAndPepper {
    pub amount: f64,
}

impl SaltAndPepper {
    pub fn new(amount: f64) -> Self {
        Self {
            amount: probability(amount),
        }
    }
}

impl Transform for SaltAndPepper {
    fn apply(&self, mut image: Image, rng: &mut Rng) -> Result<Image> {
        let (c, h, w) = image.dims();
        for i in 0..h * w {
            if rng.gen_bool(self.amount) {
                let value = if rng.gen_bool(0.5) { 1.0 } else { 0.0 };
                for ch in 0..c {
                    image.plane_mut(ch)[i] = value;
                }
            }
        }
        Ok(image)
    }
}
