//! The built-in synthetic dataset: drawn shapes and textures, generated from a seed.
//!
//! It is the course's offline default: no files, any size, the same pictures on every machine.
//! Ten classes of figures drawn at a random position, size and tilt, in a random colour on a
//! random background with a gradient and pixel noise — easy for a CNN to learn well, hard for
//! anything that only looks at colours or single pixels.

use std::f32::consts::PI;
use std::path::PathBuf;

use rand::Rng as _;

use super::rng::{purpose, stream};
use super::{Dataset, Image, Sample};
use crate::error::{Error, Result};

/// The class names, in label order.
pub const SYNTHETIC_CLASSES: [&str; 10] = [
    "circle",
    "square",
    "triangle",
    "cross",
    "ring",
    "horizontal-stripes",
    "vertical-stripes",
    "diagonal-stripes",
    "checkerboard",
    "dots",
];

/// Size and appearance of a [`Synthetic`] dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticConfig {
    /// Number of samples.
    pub len: usize,
    /// Side of the square images (28 for MNIST-like, 32 for CIFAR-like).
    pub side: usize,
    /// 3 for colour, 1 for grayscale.
    pub channels: usize,
    /// Standard deviation of the Gaussian pixel noise.
    pub noise: f32,
    pub seed: u64,
}

impl SyntheticConfig {
    /// 32x32 colour images, CIFAR-like.
    pub fn cifar_like(len: usize, seed: u64) -> Self {
        Self {
            len,
            side: 32,
            channels: 3,
            noise: 0.08,
            seed,
        }
    }

    /// 28x28 grayscale images, MNIST-like.
    pub fn mnist_like(len: usize, seed: u64) -> Self {
        Self {
            len,
            side: 28,
            channels: 1,
            noise: 0.08,
            seed,
        }
    }
}

/// Deterministic drawn figures: sample `i` is always the same picture for the same config.
#[derive(Clone, Debug)]
pub struct Synthetic {
    config: SyntheticConfig,
    classes: Vec<String>,
}

impl Synthetic {
    pub fn new(config: SyntheticConfig) -> Result<Self> {
        if config.side < 8 || !(config.channels == 1 || config.channels == 3) {
            return Err(Error::data(
                PathBuf::from("<synthetic>"),
                format!(
                    "images must be at least 8x8 with 1 or 3 channels, not {}x{}x{}",
                    config.channels, config.side, config.side
                ),
            ));
        }
        Ok(Self {
            config,
            classes: SYNTHETIC_CLASSES.iter().map(|s| s.to_string()).collect(),
        })
    }

    pub fn config(&self) -> &SyntheticConfig {
        &self.config
    }

    /// Labels cycle through the classes, so every class has `len / 10` samples (±1).
    fn label_of(index: usize) -> usize {
        index % SYNTHETIC_CLASSES.len()
    }

    fn draw(&self, index: usize) -> Image {
        let cfg = &self.config;
        let label = Self::label_of(index);
        let mut rng = stream(cfg.seed, purpose(0x5359_4e54, 0), index as u64);
        let side = cfg.side as f32;
        // Figure placement: centre within the middle 60%, half-size 22-40% of the side.
        let cx = side * rng.gen_range(0.3..0.7);
        let cy = side * rng.gen_range(0.3..0.7);
        let half = side * rng.gen_range(0.22..0.40);
        let tilt = rng.gen_range(-0.26f32..0.26); // +-15 degrees
        let period = rng.gen_range(3.0f32..5.0);
        let (background, foreground) = contrasting_colours(&mut rng);
        let gradient = [rng.gen_range(-0.15f32..0.15), rng.gen_range(-0.15f32..0.15)];
        let (sin, cos) = tilt.sin_cos();
        let normal = rand_distr::Normal::new(0.0f32, cfg.noise.max(0.0)).expect("finite noise");

        let mut rgb = Image::zeros(3, cfg.side, cfg.side);
        for y in 0..cfg.side {
            for x in 0..cfg.side {
                let (dx, dy) = ((x as f32 + 0.5 - cx) / half, (y as f32 + 0.5 - cy) / half);
                let (u, v) = (cos * dx + sin * dy, -sin * dx + cos * dy);
                let shade =
                    gradient[0] * (x as f32 / side - 0.5) + gradient[1] * (y as f32 / side - 0.5);
                let colour = if covers(label, u, v, period) {
                    foreground
                } else {
                    background
                };
                for (c, &value) in colour.iter().enumerate() {
                    let noisy = value + shade + rng.sample(normal);
                    rgb.set(c, y, x, noisy.clamp(0.0, 1.0));
                }
            }
        }
        if cfg.channels == 1 {
            to_gray(&rgb)
        } else {
            rgb
        }
    }
}

/// Whether shape-local point `(u, v)` (the figure spans about `[-1, 1]`) is inked for `label`.
fn covers(label: usize, u: f32, v: f32, period: f32) -> bool {
    let r2 = u * u + v * v;
    let in_box = u.abs().max(v.abs()) <= 0.9;
    let band = |t: f32| ((t + 2.0) * period / 2.0).floor() as i32 % 2 == 0;
    match label {
        0 => r2 <= 1.0,
        1 => u.abs().max(v.abs()) <= 0.8,
        2 => (-0.8..=0.7).contains(&v) && u.abs() <= 0.9 * (v + 0.8) / 1.5,
        3 => (u.abs() <= 0.25 && v.abs() <= 0.9) || (v.abs() <= 0.25 && u.abs() <= 0.9),
        4 => (0.5..=1.0).contains(&r2),
        5 => in_box && band(v),
        6 => in_box && band(u),
        7 => in_box && band((u + v) / std::f32::consts::SQRT_2),
        8 => in_box && (band(u) ^ band(v)),
        9 => {
            let cell = |t: f32| ((t + 1.0) * period / 2.0).fract() - 0.5;
            in_box && cell(u).powi(2) + cell(v).powi(2) <= 0.09
        }
        _ => unreachable!("10 classes"),
    }
}

/// A background and a figure colour whose brightness differs by at least 0.3.
fn contrasting_colours(rng: &mut super::rng::Rng) -> ([f32; 3], [f32; 3]) {
    loop {
        let a = hsv_to_rgb(
            rng.gen_range(0.0..2.0 * PI),
            rng.gen_range(0.0..1.0),
            rng.gen_range(0.1..1.0),
        );
        let b = hsv_to_rgb(
            rng.gen_range(0.0..2.0 * PI),
            rng.gen_range(0.0..1.0),
            rng.gen_range(0.1..1.0),
        );
        if (luma(&a) - luma(&b)).abs() >= 0.3 {
            return (a, b);
        }
    }
}

fn hsv_to_rgb(hue: f32, saturation: f32, value: f32) -> [f32; 3] {
    let h = hue / (PI / 3.0);
    let c = value * saturation;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = value - c;
    [r + m, g + m, b + m]
}

/// ITU-R 601 luma, the weights of PIL's and torchvision's `rgb_to_grayscale`.
fn luma(rgb: &[f32; 3]) -> f32 {
    0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
}

fn to_gray(rgb: &Image) -> Image {
    let (r, g, b) = (rgb.plane(0), rgb.plane(1), rgb.plane(2));
    let data = r
        .iter()
        .zip(g)
        .zip(b)
        .map(|((&r, &g), &b)| luma(&[r, g, b]))
        .collect();
    Image::new(1, rgb.height(), rgb.width(), data)
}

impl Dataset for Synthetic {
    fn len(&self) -> usize {
        self.config.len
    }

    fn get(&self, index: usize) -> Result<Sample> {
        if index >= self.config.len {
            return Err(Error::data(
                "<synthetic>",
                format!("index {index} out of range: {} samples", self.config.len),
            ));
        }
        Ok(Sample {
            image: self.draw(index),
            label: Self::label_of(index),
        })
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn label(&self, index: usize) -> Result<usize> {
        Ok(Self::label_of(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_pictures() {
        let a = Synthetic::new(SyntheticConfig::cifar_like(50, 7)).unwrap();
        let b = Synthetic::new(SyntheticConfig::cifar_like(50, 7)).unwrap();
        let c = Synthetic::new(SyntheticConfig::cifar_like(50, 8)).unwrap();
        for i in [0, 13, 49] {
            assert_eq!(a.get(i).unwrap(), b.get(i).unwrap());
            assert_ne!(a.get(i).unwrap().image, c.get(i).unwrap().image);
        }
        assert!(a.get(50).is_err());
    }

    #[test]
    fn images_have_the_configured_shape_range_and_balanced_labels() {
        let gray = Synthetic::new(SyntheticConfig::mnist_like(40, 1)).unwrap();
        let mut counts = [0usize; 10];
        for i in 0..gray.len() {
            let s = gray.get(i).unwrap();
            assert_eq!(s.image.dims(), (1, 28, 28));
            assert!(s.image.data().iter().all(|v| (0.0..=1.0).contains(v)));
            counts[s.label] += 1;
        }
        assert_eq!(counts, [4; 10]);
    }

    #[test]
    fn every_class_draws_a_figure_on_a_background() {
        // The background gradient moves a pixel by at most 0.15, so a difference above 0.2
        // from the corner pixel is the other colour: both colours must cover a real area.
        let data = Synthetic::new(SyntheticConfig {
            noise: 0.0,
            ..SyntheticConfig::cifar_like(10, 3)
        })
        .unwrap();
        for i in 0..10 {
            let img = data.get(i).unwrap().image;
            let other = (0..32 * 32)
                .filter(|&p| (0..3).any(|c| (img.plane(c)[p] - img.plane(c)[0]).abs() > 0.2))
                .count();
            assert!(
                (30..32 * 32 - 30).contains(&other),
                "class {i}: {other} of 1024 pixels in the second colour"
            );
        }
    }
}
