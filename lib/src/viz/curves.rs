//! Loss and accuracy per epoch, training beside validation.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{text, DrawResult, Plot, PALETTE};
use crate::train::History;

/// Two panels: loss and accuracy over the epochs, training and validation.
#[derive(Clone, Debug)]
pub struct TrainingCurves {
    pub history: History,
    pub title: String,
}

impl TrainingCurves {
    pub fn new(history: &History) -> Self {
        Self {
            history: history.clone(),
            title: String::new(),
        }
    }

    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    history: &History,
    title: &str,
    series: [(&str, &str); 2],
) -> DrawResult {
    let epochs: Vec<f64> = history.epochs.iter().map(|e| e.epoch as f64).collect();
    let values: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|(metric, _)| {
            history
                .epochs
                .iter()
                .filter_map(|e| e.get(metric).map(|v| (e.epoch as f64, v)))
                .collect()
        })
        .collect();
    let all = values.iter().flatten().map(|p| p.1);
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo) * 0.08).max(1e-3);
    let last = epochs.last().copied().unwrap_or(1.0).max(2.0);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(32)
        .y_label_area_size(50)
        .build_cartesian_2d(1.0..last, (lo - pad)..(hi + pad))
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(text)?;
    for (i, ((_, label), points)) in series.iter().zip(values).enumerate() {
        let color = PALETTE[i];
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(text)?
            .label(*label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2)));
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
            .map_err(text)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(text)
}

impl Plot for TrainingCurves {
    fn size(&self) -> (u32, u32) {
        (900, 360)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let root = if self.title.is_empty() {
            root.clone()
        } else {
            root.titled(&self.title, ("sans-serif", 20)).map_err(text)?
        };
        let panels = root.split_evenly((1, 2));
        panel(
            &panels[0],
            &self.history,
            "loss",
            [("loss", "train"), ("val_loss", "validation")],
        )?;
        panel(
            &panels[1],
            &self.history,
            "accuracy",
            [("acc", "train"), ("val_acc", "validation")],
        )
    }
}
