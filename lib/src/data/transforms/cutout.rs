//! `Cutout`: a random square of the image set to zero (DeVries & Taylor, 2017).

use rand::Rng as _;

use super::{Image, Rng, Transform};
use crate::error::Result;

/// Zeroes a `size x size` square centred on a random pixel (clipped at the borders), so the
/// network cannot rely on any single part of the object.
#[derive(Clone, Copy, Debug)]
pub struct Cutout {
    pub size: usize,
}

impl Cutout {
    pub fn new(size: usize) -> Self {
        Self { size }
    }
}

impl Transform for Cutout {
    fn apply(&self, mut image: Image, rng: &mut Rng) -> Result<Image> {
        let (c, h, w) = image.dims();
        if h == 0 || w == 0 || self.size == 0 {
            return Ok(image);
        }
        let (cy, cx) = (rng.gen_range(0..h), rng.gen_range(0..w));
        let half = self.size / 2;
        let (y0, y1) = (cy.saturating_sub(half), (cy + self.size - half).min(h));
        let (x0, x1) = (cx.saturating_sub(half), (cx + self.size - half).min(w));
        for ch in 0..c {
            let plane = image.plane_mut(ch);
            for y in y0..y1 {
                plane[y * w + x0..y * w + x1].fill(0.0);
            }
        }
        Ok(image)
    }
}
