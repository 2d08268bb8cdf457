//! `RandomResizedCrop`: a random area and aspect ratio, resized to a fixed size.

use rand::Rng as _;

use super::random_crop::crop;
use super::resize::resize;
use super::{Image, Rng, Transform};
use crate::error::Result;

/// torchvision's `RandomResizedCrop(size, scale=(0.08, 1.0), ratio=(3/4, 4/3))`: up to ten
/// tries to find a window of a random fraction of the area and random (log-uniform) aspect
/// ratio that fits, else the largest central window within the ratio range; then resize.
#[derive(Clone, Copy, Debug)]
pub struct RandomResizedCrop {
    pub height: usize,
    pub width: usize,
    pub scale: (f64, f64),
    pub ratio: (f64, f64),
}

impl RandomResizedCrop {
    pub fn new(height: usize, width: usize) -> Self {
        Self {
            height,
            width,
            scale: (0.08, 1.0),
            ratio: (3.0 / 4.0, 4.0 / 3.0),
        }
    }

    pub fn scale(self, low: f64, high: f64) -> Self {
        assert!(
            0.0 < low && low <= high,
            "scale range must be positive and ordered"
        );
        Self {
            scale: (low, high),
            ..self
        }
    }

    /// The window `(top, left, height, width)` for an image of `h x w`.
    fn window(&self, h: usize, w: usize, rng: &mut Rng) -> (usize, usize, usize, usize) {
        let area = (h * w) as f64;
        let (log_lo, log_hi) = (self.ratio.0.ln(), self.ratio.1.ln());
        for _ in 0..10 {
            let target = area * rng.gen_range(self.scale.0..=self.scale.1);
            let aspect = rng.gen_range(log_lo..=log_hi).exp();
            let cw = (target * aspect).sqrt().round() as usize;
            let ch = (target / aspect).sqrt().round() as usize;
            if 0 < cw && cw <= w && 0 < ch && ch <= h {
                return (rng.gen_range(0..=h - ch), rng.gen_range(0..=w - cw), ch, cw);
            }
        }
        let ratio = w as f64 / h as f64;
        let (ch, cw) = if ratio < self.ratio.0 {
            (((w as f64) / self.ratio.0).round() as usize, w)
        } else if ratio > self.ratio.1 {
            (h, ((h as f64) * self.ratio.1).round() as usize)
        } else {
            (h, w)
        };
        ((h - ch) / 2, (w - cw) / 2, ch, cw)
    }
}

impl Transform for RandomResizedCrop {
    fn apply(&self, image: Image, rng: &mut Rng) -> Result<Image> {
        let (top, left, ch, cw) = self.window(image.height(), image.width(), rng);
        Ok(resize(
            &crop(&image, top, left, ch, cw)?,
            self.height,
            self.width,
        ))
    }
}
