//! Brightness, contrast, saturation and hue jitter, with torchvision's definitions.

use rand::seq::SliceRandom;
use rand::Rng as _;

use super::{Image, Rng, Transform};
use crate::error::{Error, Result};

/// torchvision's grayscale weights (`rgb_to_grayscale` on tensors).
fn gray(r: f32, g: f32, b: f32) -> f32 {
    0.2989 * r + 0.587 * g + 0.114 * b
}

fn blend(value: f32, other: f32, factor: f32) -> f32 {
    (factor * value + (1.0 - factor) * other).clamp(0.0, 1.0)
}

fn require_rgb(op: &'static str, image: &Image) -> Result<()> {
    if image.channels() == 3 {
        Ok(())
    } else {
        Err(Error::shape(
            op,
            format!("needs an RGB image, got {} channel(s)", image.channels()),
        ))
    }
}

/// `F.adjust_brightness`: `clamp(factor * x)`.
pub fn adjust_brightness(mut image: Image, factor: f32) -> Image {
    for v in image.data_mut() {
        *v = blend(*v, 0.0, factor);
    }
    image
}

/// `F.adjust_contrast`: blend with the mean gray level of the whole image.
pub fn adjust_contrast(mut image: Image, factor: f32) -> Result<Image> {
    let mean = if image.channels() == 3 {
        let (r, g, b) = (image.plane(0), image.plane(1), image.plane(2));
        r.iter()
            .zip(g)
            .zip(b)
            .map(|((&r, &g), &b)| gray(r, g, b))
            .sum::<f32>()
            / r.len() as f32
    } else {
        image.data().iter().sum::<f32>() / image.data().len() as f32
    };
    for v in image.data_mut() {
        *v = blend(*v, mean, factor);
    }
    Ok(image)
}

/// `F.adjust_saturation`: blend each pixel with its own gray level.
pub fn adjust_saturation(mut image: Image, factor: f32) -> Result<Image> {
    require_rgb("adjust_saturation", &image)?;
    let n = image.height() * image.width();
    let data = image.data_mut();
    for i in 0..n {
        let g = gray(data[i], data[n + i], data[2 * n + i]);
        for c in 0..3 {
            data[c * n + i] = blend(data[c * n + i], g, factor);
        }
    }
    Ok(image)
}

/// `F.adjust_hue`: rotate the hue by `factor` turns (`factor` in `[-0.5, 0.5]`), through
/// torchvision's RGB <-> HSV formulas.
pub fn adjust_hue(mut image: Image, factor: f32) -> Result<Image> {
    require_rgb("adjust_hue", &image)?;
    if !(-0.5..=0.5).contains(&factor) {
        return Err(Error::shape(
            "adjust_hue",
            format!("hue factor {factor} is not in [-0.5, 0.5]"),
        ));
    }
    let n = image.height() * image.width();
    let data = image.data_mut();
    for i in 0..n {
        let (r, g, b) = (data[i], data[n + i], data[2 * n + i]);
        let (h, s, v) = rgb_to_hsv(r, g, b);
        let (r, g, b) = hsv_to_rgb((h + factor).rem_euclid(1.0), s, v);
        data[i] = r;
        data[n + i] = g;
        data[2 * n + i] = b;
    }
    Ok(image)
}

/// torchvision's `_rgb2hsv`: hue in `[0, 1)`.
fn rgb_to_hsv(r: f32, g: f32, b: f32) -> (f32, f32, f32) {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let chroma = max - min;
    let s = chroma / if max == 0.0 { 1.0 } else { max };
    let c = if chroma == 0.0 { 1.0 } else { chroma };
    let (rc, gc, bc) = ((max - r) / c, (max - g) / c, (max - b) / c);
    let h = if max == r {
        bc - gc
    } else if max == g {
        2.0 + rc - bc
    } else {
        4.0 + gc - rc
    };
    let h = (h / 6.0 + 1.0).rem_euclid(1.0);
    (if chroma == 0.0 { 0.0 } else { h }, s, max)
}

/// torchvision's `_hsv2rgb`.
fn hsv_to_rgb(h: f32, s: f32, v: f32) -> (f32, f32, f32) {
    let i = (h * 6.0).floor();
    let f = h * 6.0 - i;
    let i = (i as i32).rem_euclid(6);
    let p = (v * (1.0 - s)).clamp(0.0, 1.0);
    let q = (v * (1.0 - s * f)).clamp(0.0, 1.0);
    let t = (v * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0);
    match i {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    }
}

/// torchvision's `ColorJitter(brightness, contrast, saturation, hue)`: each factor drawn
/// uniformly (`[1 - x, 1 + x]`, hue `[-h, h]`), applied in a random order. Zero disables one.
#[derive(Clone, Copy, Debug, Default)]
pub struct ColorJitter {
    pub brightness: f32,
    pub contrast: f32,
    pub saturation: f32,
    pub hue: f32,
}

impl ColorJitter {
    pub fn new(brightness: f32, contrast: f32, saturation: f32, hue: f32) -> Self {
        assert!(
            brightness >= 0.0 && contrast >= 0.0 && saturation >= 0.0,
            "jitter amounts are non-negative"
        );
        assert!((0.0..=0.5).contains(&hue), "hue jitter must be in [0, 0.5]");
        Self {
            brightness,
            contrast,
            saturation,
            hue,
        }
    }
}

impl Transform for ColorJitter {
    fn apply(&self, mut image: Image, rng: &mut Rng) -> Result<Image> {
        let mut order = [0usize, 1, 2, 3];
        order.shuffle(rng);
        let mut factor = |amount: f32| rng.gen_range((1.0 - amount).max(0.0)..=1.0 + amount);
        let factors = [
            factor(self.brightness),
            factor(self.contrast),
            factor(self.saturation),
        ];
        let hue = if self.hue > 0.0 {
            rng.gen_range(-self.hue..=self.hue)
        } else {
            0.0
        };
        for step in order {
            image = match step {
                0 if self.brightness > 0.0 => adjust_brightness(image, factors[0]),
                1 if self.contrast > 0.0 => adjust_contrast(image, factors[1])?,
                2 if self.saturation > 0.0 => adjust_saturation(image, factors[2])?,
                3 if self.hue > 0.0 => adjust_hue(image, hue)?,
                _ => image,
            };
        }
        Ok(image)
    }
}
