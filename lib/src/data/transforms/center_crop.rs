//! `CenterCrop`.

use super::random_crop::{crop, pad};
use super::{Image, Rng, Transform};
use crate::error::Result;

/// The central `height x width` window, as torchvision's `CenterCrop` (top-left at
/// `round((H - h) / 2)`, `round((W - w) / 2)`); an image smaller than the window is first
/// padded with zeros, as torchvision does.
#[derive(Clone, Copy, Debug)]
pub struct CenterCrop {
    pub height: usize,
    pub width: usize,
}

impl CenterCrop {
    pub fn new(height: usize, width: usize) -> Self {
        Self { height, width }
    }
}

impl Transform for CenterCrop {
    fn apply(&self, image: Image, _rng: &mut Rng) -> Result<Image> {
        let (_, h, w) = image.dims();
        let short = self
            .height
            .saturating_sub(h)
            .max(self.width.saturating_sub(w));
        let image = if short > 0 {
            pad(&image, short.div_ceil(2))
        } else {
            image
        };
        let (_, h, w) = image.dims();
        // Python's round() on .5 rounds half to even; torchvision uses int(round(x)).
        let top = round_half_even((h - self.height) as f64 / 2.0);
        let left = round_half_even((w - self.width) as f64 / 2.0);
        crop(&image, top, left, self.height, self.width)
    }
}

fn round_half_even(x: f64) -> usize {
    let r = x.round();
    (if (x - x.trunc() - 0.5).abs() < 1e-12 && r % 2.0 != 0.0 {
        r - 1.0
    } else {
        r
    }) as usize
}
