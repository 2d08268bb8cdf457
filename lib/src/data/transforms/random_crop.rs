//! `RandomCrop` with zero padding, plus the `pad` and `crop` it is made of.

use rand::Rng as _;

use super::{Image, Rng, Transform};
use crate::error::{Error, Result};

/// Zero padding of `amount` pixels on every side (torchvision's `F.pad(img, amount)`).
pub fn pad(image: &Image, amount: usize) -> Image {
    if amount == 0 {
        return image.clone();
    }
    let (c, h, w) = image.dims();
    let mut out = Image::zeros(c, h + 2 * amount, w + 2 * amount);
    for ch in 0..c {
        for y in 0..h {
            let row = &image.plane(ch)[y * w..(y + 1) * w];
            let start = (y + amount) * (w + 2 * amount) + amount;
            out.plane_mut(ch)[start..start + w].copy_from_slice(row);
        }
    }
    out
}

/// The `height x width` window whose top-left corner is `(top, left)` (`F.crop`); an error if
/// it leaves the image.
pub fn crop(image: &Image, top: usize, left: usize, height: usize, width: usize) -> Result<Image> {
    let (c, h, w) = image.dims();
    if top + height > h || left + width > w {
        return Err(Error::shape(
            "crop",
            format!("a {height}x{width} window at ({top}, {left}) leaves the {h}x{w} image"),
        ));
    }
    let mut out = Image::zeros(c, height, width);
    for ch in 0..c {
        for y in 0..height {
            let src = &image.plane(ch)[(top + y) * w + left..][..width];
            out.plane_mut(ch)[y * width..(y + 1) * width].copy_from_slice(src);
        }
    }
    Ok(out)
}

/// Pads by `padding` zeros, then crops `height x width` at a random position — the CIFAR
/// augmentation of seed article 001 (`RandomCrop(32, padding=4)`).
#[derive(Clone, Copy, Debug)]
pub struct RandomCrop {
    pub height: usize,
    pub width: usize,
    pub padding: usize,
}

impl RandomCrop {
    pub fn new(height: usize, width: usize) -> Self {
        Self {
            height,
            width,
            padding: 0,
        }
    }

    pub fn padding(self, padding: usize) -> Self {
        Self { padding, ..self }
    }
}

impl Transform for RandomCrop {
    fn apply(&self, image: Image, rng: &mut Rng) -> Result<Image> {
        let padded = pad(&image, self.padding);
        let (_, h, w) = padded.dims();
        if self.height > h || self.width > w {
            return Err(Error::shape(
                "RandomCrop",
                format!(
                    "crop {}x{} is larger than the padded {h}x{w} image",
                    self.height, self.width
                ),
            ));
        }
        let top = rng.gen_range(0..=h - self.height);
        let left = rng.gen_range(0..=w - self.width);
        crop(&padded, top, left, self.height, self.width)
    }
}
