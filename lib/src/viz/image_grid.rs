//! Images in a grid with captions; right and wrong predictions framed green and red. Also conv
//! filters and feature maps, which are images too.

use base64::Engine;
use dfdx::shapes::{Dtype, HasShape, Shape};
use dfdx::tensor::Tensor;
use dfdx::tensor_ops::Device;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{png_bytes, text, DrawResult, Plot};
use crate::data::Image;
use crate::error::{Error, Result};

const CAPTION: u32 = 18;
const GAP: u32 = 6;

/// A grid of images (values in [0, 1], 1 or 3 channels), each with a caption and an optional
/// verdict (`Some(true)`: a right prediction, framed green; `Some(false)`: wrong, red).
#[derive(Clone, Debug)]
pub struct ImageGrid {
    pub images: Vec<Image>,
    pub captions: Vec<String>,
    pub verdicts: Vec<Option<bool>>,
    pub columns: usize,
    /// Screen pixels per image pixel.
    pub scale: u32,
}

impl ImageGrid {
    pub fn new(images: Vec<Image>) -> Self {
        let n = images.len();
        Self {
            images,
            captions: vec![String::new(); n],
            verdicts: vec![None; n],
            columns: 8,
            scale: 3,
        }
    }

    pub fn captions(mut self, captions: Vec<String>) -> Self {
        self.captions = captions;
        self
    }

    /// Marks each image as a right (`true`) or wrong prediction.
    pub fn verdicts(mut self, verdicts: Vec<bool>) -> Self {
        self.verdicts = verdicts.into_iter().map(Some).collect();
        self
    }

    pub fn columns(mut self, columns: usize) -> Self {
        self.columns = columns.max(1);
        self
    }

    pub fn scale(mut self, scale: u32) -> Self {
        self.scale = scale.max(1);
        self
    }

    fn cell(&self) -> (u32, u32) {
        let (h, w) = self
            .images
            .iter()
            .fold((1, 1), |(h, w), im| (h.max(im.height()), w.max(im.width())));
        (
            w as u32 * self.scale + GAP,
            h as u32 * self.scale + CAPTION + GAP,
        )
    }

    fn origin(&self, index: usize) -> (i32, i32) {
        let (cw, ch) = self.cell();
        let (row, col) = (index / self.columns, index % self.columns);
        (
            (col as u32 * cw + GAP / 2) as i32,
            (row as u32 * ch + GAP / 2) as i32,
        )
    }

    fn frame(&self, index: usize) -> Option<RGBColor> {
        match self.verdicts.get(index).copied().flatten() {
            Some(true) => Some(RGBColor(0, 150, 60)),
            Some(false) => Some(RGBColor(210, 30, 30)),
            None => None,
        }
    }
}

/// The image's RGB bytes (gray repeated), values clamped to [0, 1].
fn rgb_bytes(image: &Image) -> Vec<u8> {
    let (c, h, w) = image.dims();
    let data = image.data();
    let mut out = Vec::with_capacity(h * w * 3);
    for i in 0..h * w {
        for ch in 0..3 {
            let v = data[(ch.min(c - 1)) * h * w + i];
            out.push((v.clamp(0.0, 1.0) * 255.0).round() as u8);
        }
    }
    out
}

impl Plot for ImageGrid {
    fn size(&self) -> (u32, u32) {
        let (cw, ch) = self.cell();
        let columns = self.columns.min(self.images.len().max(1));
        let rows = self.images.len().div_ceil(self.columns).max(1);
        (cw * columns as u32, ch * rows as u32)
    }

    /// Pixel by pixel (for the bitmap); the SVG embeds each image as a PNG instead.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let s = self.scale as i32;
        for (index, image) in self.images.iter().enumerate() {
            let (x0, y0) = self.origin(index);
            let rgb = rgb_bytes(image);
            let (h, w) = (image.height(), image.width());
            for y in 0..h {
                for x in 0..w {
                    let p = &rgb[(y * w + x) * 3..][..3];
                    let (px, py) = (x0 + x as i32 * s, y0 + y as i32 * s);
                    root.draw(&Rectangle::new(
                        [(px, py), (px + s, py + s)],
                        RGBColor(p[0], p[1], p[2]).filled(),
                    ))
                    .map_err(text)?;
                }
            }
            if let Some(color) = self.frame(index) {
                let (x1, y1) = (x0 + w as i32 * s, y0 + h as i32 * s);
                root.draw(&Rectangle::new(
                    [(x0 - 2, y0 - 2), (x1 + 1, y1 + 1)],
                    color.stroke_width(2),
                ))
                .map_err(text)?;
            }
            let caption = &self.captions.get(index).cloned().unwrap_or_default();
            let color = self.frame(index).unwrap_or(BLACK);
            root.draw(&Text::new(
                caption.clone(),
                (x0, y0 + h as i32 * s + 3),
                ("sans-serif", 12).into_font().color(&color),
            ))
            .map_err(text)?;
        }
        Ok(())
    }

    fn to_svg(&self) -> Result<String> {
        let (width, height) = self.size();
        let s = self.scale;
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        );
        for (index, image) in self.images.iter().enumerate() {
            let (x0, y0) = self.origin(index);
            let (w, h) = (image.width() as u32, image.height() as u32);
            let png = png_bytes(&rgb_bytes(image), w, h)?;
            let data = base64::engine::general_purpose::STANDARD.encode(png);
            svg += &format!(
                "<image x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" \
                 style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{data}\"/>",
                w * s,
                h * s
            );
            let color = self.frame(index);
            if let Some(RGBColor(r, g, b)) = color {
                svg += &format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" \
                     stroke=\"rgb({r},{g},{b})\" stroke-width=\"2\"/>",
                    x0 - 1,
                    y0 - 1,
                    w * s + 2,
                    h * s + 2
                );
            }
            let RGBColor(r, g, b) = color.unwrap_or(BLACK);
            let caption = self.captions.get(index).cloned().unwrap_or_default();
            svg += &format!(
                "<text x=\"{x0}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"12\" \
                 fill=\"rgb({r},{g},{b})\">{}</text>",
                y0 + (h * s) as i32 + 14,
                escape(&caption)
            );
        }
        Ok(svg + "</svg>")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Min-max scales values to [0, 1] (a constant map becomes mid-gray).
fn stretch(values: &[f32]) -> Vec<f32> {
    let (lo, hi) = values
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    if hi - lo <= f32::EPSILON {
        return vec![0.5; values.len()];
    }
    values.iter().map(|v| (v - lo) / (hi - lo)).collect()
}

/// A conv layer's filters `(out, in, k, k)` as images: RGB when the layer reads 3 channels,
/// otherwise the mean over input channels; each filter stretched to [0, 1] on its own.
pub fn filter_grid<E: Dtype, D: Device<E>, S: Shape>(
    weight: &Tensor<S, E, D>,
) -> Result<ImageGrid> {
    let dims = weight.shape().concrete();
    let dims: Vec<usize> = dims.into_iter().collect();
    let [out, inp, kh, kw] = dims[..] else {
        return Err(Error::shape(
            "filter_grid",
            format!("expected (out, in, k, k), got {dims:?}"),
        ));
    };
    let values: Vec<f32> = weight
        .as_vec()
        .into_iter()
        .map(|v| v.to_f32().unwrap_or(0.0))
        .collect();
    let per_filter = inp * kh * kw;
    let images = (0..out)
        .map(|o| {
            let filter = &values[o * per_filter..][..per_filter];
            if inp == 3 {
                Image::new(3, kh, kw, stretch(filter))
            } else {
                let mean: Vec<f32> = (0..kh * kw)
                    .map(|i| (0..inp).map(|c| filter[c * kh * kw + i]).sum::<f32>() / inp as f32)
                    .collect();
                Image::new(1, kh, kw, stretch(&mean))
            }
        })
        .collect();
    let captions = (0..out).map(|o| format!("#{o}")).collect();
    Ok(ImageGrid::new(images).captions(captions).scale(8))
}

/// One image's activations `(C, H, W)` as `C` gray maps, each stretched to [0, 1].
pub fn feature_maps<E: Dtype, D: Device<E>, S: Shape>(
    activations: &Tensor<S, E, D>,
) -> Result<ImageGrid> {
    let dims: Vec<usize> = activations.shape().concrete().into_iter().collect();
    let [c, h, w] = dims[..] else {
        return Err(Error::shape(
            "feature_maps",
            format!("expected (C, H, W), got {dims:?}"),
        ));
    };
    let values: Vec<f32> = activations
        .as_vec()
        .into_iter()
        .map(|v| v.to_f32().unwrap_or(0.0))
        .collect();
    let images = (0..c)
        .map(|i| Image::new(1, h, w, stretch(&values[i * h * w..][..h * w])))
        .collect();
    let captions = (0..c).map(|i| format!("ch {i}")).collect();
    Ok(ImageGrid::new(images).captions(captions).scale(2))
}
