//! Bars per class (precision, recall, F1, support) and simple line charts (learning rates).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{text, DrawResult, Plot, PALETTE};

/// One bar per class, e.g. each class's F1.
#[derive(Clone, Debug)]
pub struct ClassBars {
    pub title: String,
    pub names: Vec<String>,
    pub values: Vec<f64>,
}

impl ClassBars {
    pub fn new(title: impl Into<String>, names: &[String], values: &[f64]) -> Self {
        Self {
            title: title.into(),
            names: (0..values.len())
                .map(|i| names.get(i).cloned().unwrap_or_else(|| i.to_string()))
                .collect(),
            values: values.to_vec(),
        }
    }
}

impl Plot for ClassBars {
    fn size(&self) -> (u32, u32) {
        (160 + 60 * self.values.len() as u32, 360)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let n = self.values.len();
        let top = self.values.iter().cloned().fold(0.0f64, f64::max).max(1e-9) * 1.1;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(60)
            .y_label_area_size(50)
            .build_cartesian_2d((0..n).into_segmented(), 0.0..top)
            .map_err(text)?;
        let names = self.names.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&move |seg| match seg {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                    names.get(*i).cloned().unwrap_or_default()
                }
                SegmentValue::Last => String::new(),
            })
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(text)?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(PALETTE[0].filled())
                    .margin(6)
                    .data(self.values.iter().enumerate().map(|(i, &v)| (i, v))),
            )
            .map_err(text)?;
        Ok(())
    }
}

/// Named series of `(x, y)` points: learning-rate schedules, optimizer comparisons.
#[derive(Clone, Debug)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub series: Vec<(String, Vec<(f64, f64)>)>,
}

impl LineChart {
    pub fn new(title: impl Into<String>, x_label: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            series: Vec::new(),
        }
    }

    /// Adds a series with x = 0, 1, 2, ...
    pub fn series(mut self, name: impl Into<String>, ys: &[f64]) -> Self {
        let points = ys.iter().enumerate().map(|(i, &y)| (i as f64, y)).collect();
        self.series.push((name.into(), points));
        self
    }
}

impl Plot for LineChart {
    fn size(&self) -> (u32, u32) {
        (640, 380)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let points = self.series.iter().flat_map(|s| s.1.iter());
        let (mut x_max, mut lo, mut hi) = (1.0f64, f64::INFINITY, f64::NEG_INFINITY);
        for &(x, y) in points {
            x_max = x_max.max(x);
            if y.is_finite() {
                lo = lo.min(y);
                hi = hi.max(y);
            }
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let pad = ((hi - lo) * 0.08).max(1e-9);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(32)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_max, (lo - pad)..(hi + pad))
            .map_err(text)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(text)?;
        for (i, (name, points)) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(text)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2))
                });
        }
        if self.series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font(("sans-serif", 12))
                .draw()
                .map_err(text)?;
        }
        Ok(())
    }
}
