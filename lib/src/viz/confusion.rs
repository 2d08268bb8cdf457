//! The confusion matrix as a heatmap with counts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{text, DrawResult, Plot};
use crate::metrics::ConfusionMatrix;

/// Rows are true classes, columns predictions; each cell shows its count, shaded by the share
/// of its row (so a rare class's mistakes show as clearly as a common one's).
#[derive(Clone, Debug)]
pub struct ConfusionHeatmap {
    pub matrix: ConfusionMatrix,
    pub names: Vec<String>,
}

impl ConfusionHeatmap {
    pub fn new(matrix: &ConfusionMatrix, names: &[String]) -> Self {
        let names = (0..matrix.classes())
            .map(|i| names.get(i).cloned().unwrap_or_else(|| i.to_string()))
            .collect();
        Self {
            matrix: matrix.clone(),
            names,
        }
    }
}

impl Plot for ConfusionHeatmap {
    fn size(&self) -> (u32, u32) {
        let side = 160 + 48 * self.matrix.classes() as u32;
        (side + 40, side)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let k = self.matrix.classes();
        if k == 0 {
            return Ok(());
        }
        // A segmented `0..n` has the n + 1 cells 0..=n: `0..k - 1` gives k.
        let mut chart = ChartBuilder::on(root)
            .caption(
                "confusion matrix (rows: true, columns: predicted)",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d((0..k - 1).into_segmented(), (0..k - 1).into_segmented())
            .map_err(text)?;
        let names = self.names.clone();
        let names_y = self.names.clone();
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(k)
            .y_labels(k)
            .x_label_formatter(&move |v| match v {
                SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&move |v| match v {
                // Row 0 at the top, as the matrix is printed.
                SegmentValue::CenterOf(i) if *i < k => names_y[k - 1 - *i].clone(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(text)?;
        for truth in 0..k {
            let row_total = self.matrix.support(truth).max(1) as f64;
            for predicted in 0..k {
                let count = self.matrix.count(truth, predicted);
                let share = count as f64 / row_total;
                let y = k - 1 - truth;
                let shade = (255.0 * (1.0 - share)) as u8;
                let color = if predicted == truth {
                    RGBColor(shade, 255 - (255 - shade) / 3, shade)
                } else {
                    RGBColor(255, shade, shade)
                };
                chart
                    .draw_series([Rectangle::new(
                        [
                            (SegmentValue::Exact(predicted), SegmentValue::Exact(y)),
                            (
                                SegmentValue::Exact(predicted + 1),
                                SegmentValue::Exact(y + 1),
                            ),
                        ],
                        color.filled(),
                    )])
                    .map_err(text)?;
                let ink = if share > 0.6 { WHITE } else { BLACK };
                let (px, py) = chart
                    .backend_coord(&(SegmentValue::Exact(predicted), SegmentValue::Exact(y + 1)));
                let (qx, qy) = chart
                    .backend_coord(&(SegmentValue::Exact(predicted + 1), SegmentValue::Exact(y)));
                root.draw(&Text::new(
                    count.to_string(),
                    (
                        (px + qx) / 2 - 4 * count.to_string().len() as i32,
                        (py + qy) / 2 - 6,
                    ),
                    ("sans-serif", 12).into_font().color(&ink),
                ))
                .map_err(text)?;
            }
        }
        Ok(())
    }
}
