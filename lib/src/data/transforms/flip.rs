//! Random horizontal and vertical flips.

use rand::Rng as _;

use super::{probability, Image, Rng, Transform};
use crate::error::Result;

/// Mirrors left-right with probability `p` (`RandomHorizontalFlip(p)`).
#[derive(Clone, Copy, Debug)]
pub struct RandomHorizontalFlip {
    pub p: f64,
}

impl RandomHorizontalFlip {
    pub fn new(p: f64) -> Self {
        Self { p: probability(p) }
    }
}

/// Mirrors top-bottom with probability `p` (`RandomVerticalFlip(p)`).
#[derive(Clone, Copy, Debug)]
pub struct RandomVerticalFlip {
    pub p: f64,
}

impl RandomVerticalFlip {
    pub fn new(p: f64) -> Self {
        Self { p: probability(p) }
    }
}

pub(crate) fn hflip(mut image: Image) -> Image {
    let w = image.width();
    for c in 0..image.channels() {
        for row in image.plane_mut(c).chunks_mut(w) {
            row.reverse();
        }
    }
    image
}

pub(crate) fn vflip(mut image: Image) -> Image {
    let (h, w) = (image.height(), image.width());
    for c in 0..image.channels() {
        let plane = image.plane_mut(c);
        for y in 0..h / 2 {
            let (top, bottom) = plane.split_at_mut((h - 1 - y) * w);
            top[y * w..(y + 1) * w].swap_with_slice(&mut bottom[..w]);
        }
    }
    image
}

impl Transform for RandomHorizontalFlip {
    fn apply(&self, image: Image, rng: &mut Rng) -> Result<Image> {
        Ok(if rng.gen_bool(self.p) {
            hflip(image)
        } else {
            image
        })
    }
}

impl Transform for RandomVerticalFlip {
    fn apply(&self, image: Image, rng: &mut Rng) -> Result<Image> {
        Ok(if rng.gen_bool(self.p) {
            vflip(image)
        } else {
            image
        })
    }
}
