//! `RandomAffine`: rotation, scale and translation about the image centre.

use rand::Rng as _;

use super::{Image, Rng, Transform};
use crate::error::Result;

/// How pixels are read between grid points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolation {
    Nearest,
    Bilinear,
}

/// torchvision's `RandomAffine(degrees, translate, scale)`: an angle uniform in
/// `[-degrees, degrees]`, a shift of up to `translate` times the width/height, a zoom uniform
/// in `scale`; pixels that come from outside the image are 0. `RandomAffine::rotation(d)` is
/// `RandomRotation(d)`.
#[derive(Clone, Copy, Debug)]
pub struct RandomAffine {
    pub degrees: f32,
    pub translate: (f32, f32),
    pub scale: (f32, f32),
    pub interpolation: Interpolation,
}

impl RandomAffine {
    pub fn new(degrees: f32) -> Self {
        Self {
            degrees,
            translate: (0.0, 0.0),
            scale: (1.0, 1.0),
            interpolation: Interpolation::Nearest,
        }
    }

    /// Rotation only, like `RandomRotation(degrees)`.
    pub fn rotation(degrees: f32) -> Self {
        Self::new(degrees)
    }

    pub fn translate(self, x: f32, y: f32) -> Self {
        assert!(
            (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y),
            "translate fractions are in [0, 1]"
        );
        Self {
            translate: (x, y),
            ..self
        }
    }

    pub fn scale(self, low: f32, high: f32) -> Self {
        assert!(
            0.0 < low && low <= high,
            "scale range must be positive and ordered"
        );
        Self {
            scale: (low, high),
            ..self
        }
    }

    pub fn interpolation(self, interpolation: Interpolation) -> Self {
        Self {
            interpolation,
            ..self
        }
    }
}

/// Warps `image` by rotating `angle` degrees counter-clockwise, scaling by `scale` and shifting
/// by `(dx, dy)` pixels, all about the centre: each output pixel reads the input at the inverse
/// transform of its centre. Equals torchvision's `F.rotate(img, angle)` and
/// `F.affine(img, -angle, [dx, dy], scale, 0)` (whose angle turns clockwise) on tensors.
pub fn affine(
    image: &Image,
    angle: f32,
    (dx, dy): (f32, f32),
    scale: f32,
    interpolation: Interpolation,
) -> Image {
    let (c, h, w) = image.dims();
    let (cx, cy) = (w as f32 * 0.5, h as f32 * 0.5);
    let (sin, cos) = angle.to_radians().sin_cos();
    let mut out = Image::zeros(c, h, w);
    for y in 0..h {
        for x in 0..w {
            // Output pixel centre relative to the image centre, minus the shift, un-rotated
            // and un-scaled: where it came from.
            let (px, py) = (x as f32 + 0.5 - cx - dx, y as f32 + 0.5 - cy - dy);
            let sx = (cos * px - sin * py) / scale + cx - 0.5;
            let sy = (sin * px + cos * py) / scale + cy - 0.5;
            for ch in 0..c {
                let v = sample(image.plane(ch), h, w, sx, sy, interpolation);
                out.set(ch, y, x, v);
            }
        }
    }
    out
}

fn sample(plane: &[f32], h: usize, w: usize, x: f32, y: f32, interpolation: Interpolation) -> f32 {
    let at = |xi: i64, yi: i64| {
        if xi < 0 || yi < 0 || xi >= w as i64 || yi >= h as i64 {
            0.0
        } else {
            plane[yi as usize * w + xi as usize]
        }
    };
    match interpolation {
        Interpolation::Nearest => at(x.round() as i64, y.round() as i64),
        Interpolation::Bilinear => {
            let (x0, y0) = (x.floor(), y.floor());
            let (fx, fy) = (x - x0, y - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
            let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
            top * (1.0 - fy) + bottom * fy
        }
    }
}

impl Transform for RandomAffine {
    fn apply(&self, image: Image, rng: &mut Rng) -> Result<Image> {
        let angle = if self.degrees > 0.0 {
            rng.gen_range(-self.degrees..=self.degrees)
        } else {
            0.0
        };
        let max_dx = self.translate.0 * image.width() as f32;
        let max_dy = self.translate.1 * image.height() as f32;
        let dx = if max_dx > 0.0 {
            rng.gen_range(-max_dx..=max_dx).round()
        } else {
            0.0
        };
        let dy = if max_dy > 0.0 {
            rng.gen_range(-max_dy..=max_dy).round()
        } else {
            0.0
        };
        let scale = if self.scale.0 < self.scale.1 {
            rng.gen_range(self.scale.0..=self.scale.1)
        } else {
            self.scale.0
        };
        Ok(affine(&image, angle, (dx, dy), scale, self.interpolation))
    }
}
