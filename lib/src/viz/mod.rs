//! Charts with plotters: every chart draws itself once, generically, and renders to SVG (for
//! the book and notebooks) or PNG (with an embedded DejaVu font, so no system font libraries
//! are needed), and shows inline in evcxr.
//!
//! ```no_run
//! # use mapping::viz::*;
//! # let history = mapping::train::History::default();
//! let chart = TrainingCurves::new(&history);
//! chart.save("runs/demo/curves")?; // curves.svg and curves.png
//! chart.evcxr_display();            // inline in a notebook
//! # Ok::<(), mapping::Error>(())
//! ```

mod bars;
mod confusion;
mod curves;
mod display;
mod heatmap;
mod image_grid;

pub use bars::{ClassBars, LineChart};
pub use confusion::ConfusionHeatmap;
pub use curves::TrainingCurves;
pub use display::{evcxr_html, evcxr_png, png_bytes, tensor_html, EvcxrDisplay};
pub use heatmap::Heatmap;
pub use image_grid::{feature_maps, filter_grid, ImageGrid};

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// Drawing errors of any backend, as text (plotters' error type depends on the backend).
pub type DrawResult = std::result::Result<(), String>;

/// A chart: its size and how to draw it on any plotters backend.
pub trait Plot {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult;

    /// The chart as an SVG document.
    fn to_svg(&self) -> Result<String> {
        // Text layout measures glyphs even for SVG.
        ensure_font();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size()).into_drawing_area();
            root.fill(&WHITE).map_err(draw_error)?;
            self.draw(&root).map_err(|e| Error::config("plot", e))?;
            root.present().map_err(draw_error)?;
        }
        Ok(svg)
    }

    /// The chart as an RGB bitmap, `width * height * 3` bytes.
    fn to_rgb(&self) -> Result<Vec<u8>> {
        ensure_font();
        let (w, h) = self.size();
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            self.draw(&root).map_err(|e| Error::config("plot", e))?;
            root.present().map_err(draw_error)?;
        }
        Ok(rgb)
    }

    /// The chart as PNG bytes.
    fn to_png(&self) -> Result<Vec<u8>> {
        let (w, h) = self.size();
        png_bytes(&self.to_rgb()?, w, h)
    }

    /// Writes `stem.svg` and `stem.png`.
    fn save(&self, stem: impl AsRef<Path>) -> Result<()> {
        let stem = stem.as_ref();
        if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let svg = stem.with_extension("svg");
        std::fs::write(&svg, self.to_svg()?).map_err(|e| Error::io(&svg, e))?;
        let png = stem.with_extension("png");
        std::fs::write(&png, self.to_png()?).map_err(|e| Error::io(&png, e))
    }

    /// Shows the chart inline in a notebook (as SVG); evcxr calls this for a cell's value.
    fn evcxr_display(&self) {
        match self.to_svg() {
            Ok(svg) => crate::notebook::display("image/svg+xml", svg),
            Err(e) => eprintln!("{e}"),
        }
    }

    /// Shows the chart now, so that one cell can show several.
    fn show(&self) {
        self.evcxr_display();
    }
}

pub(crate) fn draw_error(e: impl std::fmt::Debug) -> Error {
    Error::config("plot", format!("{e:?}"))
}

/// `?` for plotters results inside [`Plot::draw`].
pub(crate) fn text<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Bitmap text needs a font; register the embedded one for the family the charts use.
pub(crate) fn ensure_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Series colours, colour-blind safe (Okabe–Ito).
pub(crate) const PALETTE: [RGBColor; 4] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
];
