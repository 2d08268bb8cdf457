//! `Resize`: bilinear resampling to a fixed size.

use super::{Image, Rng, Transform};
use crate::error::Result;

/// Resizes to `height x width` with bilinear interpolation, sampling at pixel centres
/// (`align_corners=False`) without antialiasing: torchvision's
/// `F.resize(img, [h, w], InterpolationMode.BILINEAR, antialias=False)` on a float tensor.
#[derive(Clone, Copy, Debug)]
pub struct Resize {
    pub height: usize,
    pub width: usize,
}

impl Resize {
    pub fn new(height: usize, width: usize) -> Self {
        assert!(height > 0 && width > 0, "resize to an empty image");
        Self { height, width }
    }
}

/// For each output index: the two input indices and the weight of the second.
fn taps(out: usize, input: usize) -> Vec<(usize, usize, f32)> {
    let scale = input as f32 / out as f32;
    (0..out)
        .map(|o| {
            let src = ((o as f32 + 0.5) * scale - 0.5).max(0.0);
            let i0 = (src.floor() as usize).min(input - 1);
            let i1 = (i0 + 1).min(input - 1);
            (i0, i1, src - i0 as f32)
        })
        .collect()
}

pub(crate) fn resize(image: &Image, height: usize, width: usize) -> Image {
    let (channels, in_h, in_w) = image.dims();
    if (in_h, in_w) == (height, width) {
        return image.clone();
    }
    let (rows, cols) = (taps(height, in_h), taps(width, in_w));
    let mut out = Image::zeros(channels, height, width);
    for c in 0..channels {
        let src = image.plane(c);
        let dst = out.plane_mut(c);
        for (y, &(y0, y1, fy)) in rows.iter().enumerate() {
            for (x, &(x0, x1, fx)) in cols.iter().enumerate() {
                let top = src[y0 * in_w + x0] * (1.0 - fx) + src[y0 * in_w + x1] * fx;
                let bottom = src[y1 * in_w + x0] * (1.0 - fx) + src[y1 * in_w + x1] * fx;
                dst[y * width + x] = top * (1.0 - fy) + bottom * fy;
            }
        }
    }
    out
}

impl Transform for Resize {
    fn apply(&self, image: Image, _rng: &mut Rng) -> Result<Image> {
        Ok(resize(&image, self.height, self.width))
    }
}
