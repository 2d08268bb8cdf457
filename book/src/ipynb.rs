//! The parts of the Jupyter notebook format (nbformat 4) the book reads.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Deserializer};

use crate::Error;

#[derive(Debug, Deserialize)]
pub struct Notebook {
    pub cells: Vec<Cell>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "cell_type", rename_all = "lowercase")]
pub enum Cell {
    Markdown {
        #[serde(deserialize_with = "multiline")]
        source: String,
    },
    Code {
        #[serde(deserialize_with = "multiline")]
        source: String,
        #[serde(default)]
        outputs: Vec<Output>,
        /// `null` until the cell has run.
        #[serde(default)]
        execution_count: Option<u64>,
    },
    /// Raw cells are for other converters (nbconvert's LaTeX, ...); the book skips them.
    Raw {},
}

#[derive(Debug, Deserialize)]
#[serde(tag = "output_type", rename_all = "snake_case")]
pub enum Output {
    Stream {
        name: String,
        #[serde(deserialize_with = "multiline")]
        text: String,
    },
    DisplayData {
        data: MimeBundle,
    },
    ExecuteResult {
        data: MimeBundle,
    },
    Error {
        ename: String,
        evalue: String,
        #[serde(default)]
        traceback: Vec<String>,
    },
}

/// MIME type -> content. Text types may be stored as a list of lines; binary ones (PNG) as
/// base64 text.
#[derive(Debug, Default, Deserialize)]
pub struct MimeBundle(#[serde(deserialize_with = "mime_map")] pub BTreeMap<String, String>);

impl Notebook {
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::Notebook {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// The first `# ` heading of the first markdown cell: the chapter's title.
    pub fn title(&self) -> Option<String> {
        self.cells.iter().find_map(|cell| match cell {
            Cell::Markdown { source } => source
                .lines()
                .find_map(|line| line.strip_prefix("# "))
                .map(|t| t.trim().to_string()),
            _ => None,
        })
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Text {
    One(String),
    Lines(Vec<String>),
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        match text {
            Text::One(s) => s,
            Text::Lines(lines) => lines.concat(),
        }
    }
}

fn multiline<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Text::deserialize(d).map(String::from)
}

fn mime_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    // JSON outputs (application/json) are objects; the book shows none, so they are skipped.
    let raw = BTreeMap::<String, serde_json::Value>::deserialize(d)?;
    Ok(raw
        .into_iter()
        .filter_map(|(mime, value)| {
            let text = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Array(lines) => lines
                    .iter()
                    .map(|l| l.as_str().unwrap_or_default())
                    .collect(),
                _ => return None,
            };
            Some((mime, text))
        })
        .collect())
}
