//! Rich output for the course kernel, with evcxr's protocol as the fallback.
//!
//! evcxr collects a cell's rich output into one result keyed by MIME type: two charts in a cell
//! show only the last, and nothing shows before the cell ends. The course kernel instead reads
//! one line per display from the cell's stdout (as it streams) and sends each as Jupyter
//! `display_data`, or `update_display_data` for a display shown before.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Set (to `1`) in the environment of cells run by the course kernel.
pub const KERNEL_DISPLAY_ENV: &str = "MAPPING_KERNEL_DISPLAY";

/// Starts a display line on stdout; the rest of the line is the JSON message.
pub const DISPLAY_LINE_PREFIX: &str = "\u{1e}MAPPING_DISPLAY ";

#[derive(Serialize)]
struct DisplayLine<'a> {
    data: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_id: Option<&'a str>,
    update: bool,
}

fn in_course_kernel() -> bool {
    std::env::var_os(KERNEL_DISPLAY_ENV).is_some_and(|v| v == "1")
}

fn emit(data: &BTreeMap<String, String>, display_id: Option<&str>, update: bool) {
    if in_course_kernel() {
        let line = DisplayLine {
            data,
            display_id,
            update,
        };
        let json = serde_json::to_string(&line).expect("strings serialize");
        println!("{DISPLAY_LINE_PREFIX}{json}");
    } else {
        // evcxr: shown when the cell ends, one value per MIME type.
        for (mime, content) in data {
            println!("EVCXR_BEGIN_CONTENT {mime}\n{content}\nEVCXR_END_CONTENT");
        }
    }
}

/// Shows one output: `data` maps MIME types (`text/html`, `image/svg+xml`, `image/png` as
/// base64, `text/plain`) to content.
pub fn display_mime(data: &BTreeMap<String, String>) {
    emit(data, None, false);
}

/// Shows a single-MIME output.
pub fn display(mime: &str, content: impl Into<String>) {
    display_mime(&BTreeMap::from([(mime.to_string(), content.into())]));
}

/// A display that can be replaced in place, as d2l's `Animator` does with training curves.
#[derive(Clone, Debug)]
pub struct DisplayHandle {
    id: String,
    shown: bool,
}

impl Default for DisplayHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl DisplayHandle {
    pub fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // Unique within the process and across cells (each cell's library has its own counter,
        // hence the time).
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let id = format!("mapping-{nanos:x}-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        Self { id, shown: false }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Shows `content` the first time, then replaces what was shown. Outside the course kernel,
    /// every call shows at cell end and only the last survives.
    pub fn update(&mut self, mime: &str, content: impl Into<String>) {
        let data = BTreeMap::from([(mime.to_string(), content.into())]);
        emit(&data, Some(&self.id), self.shown);
        self.shown = true;
    }
}
