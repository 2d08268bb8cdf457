//! Rich output in evcxr notebooks: tensors as HTML tables, images as PNG.
//!
//! evcxr shows a value richly when it has an `evcxr_display` method; the prelude brings
//! [`EvcxrDisplay`] into scope so that tensors and images get one. Output goes through
//! [`crate::notebook::display`] (one display each, even several per cell, in the course kernel).

use base64::Engine;
use dfdx::shapes::{Dtype, HasShape, Shape};
use dfdx::tensor::Tensor;
use dfdx::tensor_ops::Device;

use crate::data::Image;
use crate::error::{Error, Result};

/// Encodes `width * height` RGB bytes as PNG.
pub fn png_bytes(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let image = image::RgbImage::from_raw(width, height, rgb.to_vec()).ok_or_else(|| {
        Error::shape(
            "png",
            format!("{} bytes for {width}x{height} RGB", rgb.len()),
        )
    })?;
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| Error::config("png", e.to_string()))?;
    Ok(out.into_inner())
}

/// Shows PNG bytes in a notebook.
pub fn evcxr_png(png: &[u8]) {
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    crate::notebook::display("image/png", data);
}

/// Shows HTML in a notebook.
pub fn evcxr_html(html: &str) {
    crate::notebook::display("text/html", html);
}

/// Values shown per axis before eliding the middle.
const EDGE: usize = 4;

/// Rich display in evcxr.
pub trait EvcxrDisplay {
    fn evcxr_display(&self);
}

impl<S: Shape, E: Dtype, D: Device<E>> EvcxrDisplay for Tensor<S, E, D> {
    fn evcxr_display(&self) {
        evcxr_html(&tensor_html(self));
    }
}

impl EvcxrDisplay for Image {
    fn evcxr_display(&self) {
        let grid = super::ImageGrid::new(vec![self.clone()]).scale(4);
        match super::Plot::to_png(&grid) {
            Ok(png) => evcxr_png(&png),
            Err(e) => eprintln!("{e}"),
        }
    }
}

/// `<table>` of a tensor's last two axes (leading axes at their first index), with its shape,
/// dtype and device, eliding the middle of long axes.
pub fn tensor_html<S: Shape, E: Dtype, D: Device<E>>(t: &Tensor<S, E, D>) -> String {
    let dims: Vec<usize> = t.shape().concrete().into_iter().collect();
    let values: Vec<f64> = t
        .as_vec()
        .into_iter()
        .map(|v| v.to_f64().unwrap_or(f64::NAN))
        .collect();
    let device = std::any::type_name::<D>()
        .rsplit("::")
        .next()
        .unwrap_or("?");
    let mut html = format!(
        "<div><code>Tensor {dims:?} {} on {device}</code>",
        std::any::type_name::<E>()
    );
    let (rows, cols) = match dims.len() {
        0 => (1, 1),
        1 => (1, dims[0]),
        n => (dims[n - 2], dims[n - 1]),
    };
    if dims.len() > 2 {
        html += &format!(
            "<br><small>showing [{}, :, :]</small>",
            vec!["0"; dims.len() - 2].join(", ")
        );
    }
    let pick = |n: usize| -> Vec<Option<usize>> {
        if n <= 2 * EDGE + 1 {
            (0..n).map(Some).collect()
        } else {
            (0..EDGE)
                .map(Some)
                .chain([None])
                .chain((n - EDGE..n).map(Some))
                .collect()
        }
    };
    html += "<table style=\"font-family:monospace\">";
    for r in pick(rows) {
        html += "<tr>";
        for c in pick(cols) {
            let cell = match (r, c) {
                (Some(r), Some(c)) => format!("{:.4}", values[r * cols + c]),
                _ => "…".to_string(),
            };
            html += &format!("<td style=\"text-align:right\">{cell}</td>");
        }
        html += "</tr>";
    }
    html + "</table></div>"
}
