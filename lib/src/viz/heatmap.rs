//! A matrix of numbers as coloured cells: attention weights, activations, any 2-D map.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};

use super::{text, DrawResult, Plot};
use crate::error::{Error, Result};

/// `rows x cols` values (row-major), row 0 at the top as a matrix is printed, coloured with
/// viridis from the smallest value (dark purple) to the largest (yellow).
#[derive(Clone, Debug)]
pub struct Heatmap {
    pub title: String,
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<f64>,
    /// Side of one cell in pixels.
    pub cell: u32,
}

impl Heatmap {
    pub fn new(title: impl Into<String>, rows: usize, cols: usize, values: &[f64]) -> Result<Self> {
        if rows * cols != values.len() || values.is_empty() {
            return Err(Error::config(
                "heatmap",
                format!("{rows} x {cols} cells but {} values", values.len()),
            ));
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(Error::config(
                "heatmap",
                format!("value {bad} is not finite"),
            ));
        }
        Ok(Self {
            title: title.into(),
            rows,
            cols,
            values: values.to_vec(),
            cell: (320 / rows.max(cols) as u32).clamp(4, 40),
        })
    }

    /// Side of one cell in pixels.
    pub fn cell(mut self, pixels: u32) -> Self {
        self.cell = pixels.max(1);
        self
    }

    fn range(&self) -> (f64, f64) {
        let min = self.values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self
            .values
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (min, max)
    }
}

impl Plot for Heatmap {
    fn size(&self) -> (u32, u32) {
        (
            self.cols as u32 * self.cell + 80,
            self.rows as u32 * self.cell + 80,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let (min, max) = self.range();
        let caption = format!("{} (from {min:.3} to {max:.3})", self.title);
        let mut chart = ChartBuilder::on(root)
            .caption(caption, ("sans-serif", 14))
            .margin(10)
            .x_label_area_size(20)
            .y_label_area_size(30)
            .build_cartesian_2d(0..self.cols, 0..self.rows)
            .map_err(text)?;
        let rows = self.rows;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(self.cols.min(8))
            .y_labels(self.rows.min(8))
            // Row 0 at the top.
            .y_label_formatter(&move |y| rows.saturating_sub(1 + *y).to_string())
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(text)?;
        let span = if max > min { max - min } else { 1.0 };
        chart
            .draw_series(self.values.iter().enumerate().map(|(i, v)| {
                let (r, c) = (i / self.cols, i % self.cols);
                let y = self.rows - 1 - r;
                let color = ViridisRGB.get_color_normalized((v - min) / span, 0.0, 1.0);
                Rectangle::new([(c, y), (c + 1, y + 1)], color.filled())
            }))
            .map_err(text)?;
        Ok(())
    }
}
