//! One executed notebook -> one book chapter: markdown with the cell outputs inline, and the
//! image files its charts become.

use base64::Engine;

use crate::ipynb::{Cell, MimeBundle, Notebook, Output};
use crate::math::render_markdown_math;

/// A chapter's markdown and the images it links to (`img/<name>`).
#[derive(Debug, Default)]
pub struct Chapter {
    pub title: String,
    pub markdown: String,
    pub images: Vec<(String, Vec<u8>)>,
}

/// What went wrong in which cell (the caller adds the file name).
#[derive(Debug)]
pub struct CellError {
    pub cell: usize,
    pub message: String,
}

pub fn convert(notebook: &Notebook, stem: &str) -> Result<Chapter, CellError> {
    let mut chapter = Chapter {
        title: notebook.title().unwrap_or_else(|| stem.to_string()),
        ..Chapter::default()
    };
    for (index, cell) in notebook.cells.iter().enumerate() {
        let fail = |message: String| CellError {
            cell: index,
            message,
        };
        match cell {
            Cell::Markdown { source } => {
                let rendered = render_markdown_math(source).map_err(|e| {
                    fail(format!(
                        "formula `{}` does not parse: {}",
                        e.latex, e.message
                    ))
                })?;
                chapter.markdown.push_str(rendered.trim_end());
                chapter.markdown.push_str("\n\n");
            }
            Cell::Raw {} => {}
            Cell::Code {
                source, outputs, ..
            } => {
                if source.trim().is_empty() {
                    continue;
                }
                chapter.markdown.push_str("```rust\n");
                chapter.markdown.push_str(source.trim_end());
                chapter.markdown.push_str("\n```\n\n");
                for output in merge_streams(outputs) {
                    chapter.push_output(stem, index, &output).map_err(fail)?;
                }
            }
        }
    }
    Ok(chapter)
}

/// Outputs as the book shows them; consecutive stream chunks (one per printed line, as the
/// kernel streams them) become one block.
enum Shown<'a> {
    Text { class: &'static str, text: String },
    Rich(&'a MimeBundle),
}

fn merge_streams(outputs: &[Output]) -> Vec<Shown<'_>> {
    let mut shown: Vec<Shown> = Vec::new();
    for output in outputs {
        match output {
            Output::Stream { name, text } => {
                let class = if name == "stderr" { "stderr" } else { "stdout" };
                match shown.last_mut() {
                    Some(Shown::Text {
                        class: last,
                        text: joined,
                    }) if *last == class => joined.push_str(text),
                    _ => shown.push(Shown::Text {
                        class,
                        text: text.clone(),
                    }),
                }
            }
            Output::DisplayData { data } | Output::ExecuteResult { data } => {
                shown.push(Shown::Rich(data))
            }
            Output::Error {
                ename,
                evalue,
                traceback,
            } => {
                let mut text = format!("{ename}: {evalue}");
                for line in traceback {
                    text.push('\n');
                    text.push_str(line);
                }
                shown.push(Shown::Text {
                    class: "error",
                    text,
                });
            }
        }
    }
    shown
}

impl Chapter {
    fn push_output(&mut self, stem: &str, cell: usize, output: &Shown) -> Result<(), String> {
        match output {
            Shown::Text { class, text } => self.push_pre(class, text),
            Shown::Rich(bundle) => {
                let data = &bundle.0;
                if let Some(svg) = data.get("image/svg+xml") {
                    self.push_image(stem, cell, "svg", svg.as_bytes().to_vec());
                } else if let Some(png) = data.get("image/png") {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(png.split_whitespace().collect::<String>())
                        .map_err(|e| format!("image/png output is not base64: {e}"))?;
                    self.push_image(stem, cell, "png", bytes);
                } else if let Some(html) = data.get("text/html") {
                    // An HTML block ends at a blank line: keep the output's lines together.
                    let joined: Vec<&str> = html.lines().filter(|l| !l.trim().is_empty()).collect();
                    self.markdown.push_str("<div class=\"output rich\">\n");
                    self.markdown.push_str(&joined.join("\n"));
                    self.markdown.push_str("\n</div>\n\n");
                } else if let Some(text) = data.get("text/plain") {
                    self.push_pre("result", text);
                }
            }
        }
        Ok(())
    }

    fn push_pre(&mut self, class: &str, text: &str) {
        let text = strip_ansi(text);
        let text = text.trim_end();
        if text.is_empty() {
            return;
        }
        self.markdown.push_str(&format!(
            "<pre class=\"output {class}\">{}</pre>\n\n",
            escape_html(text)
        ));
    }

    fn push_image(&mut self, stem: &str, cell: usize, extension: &str, bytes: Vec<u8>) {
        let name = format!("{stem}-{:03}-{}.{extension}", cell, self.images.len());
        self.markdown.push_str(&format!(
            "<div class=\"output figure\"><img src=\"img/{name}\" alt=\"output of cell {cell}\"></div>\n\n"
        ));
        self.images.push((name, bytes));
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Terminal colour codes (compiler errors, progress bars) mean nothing in a page.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notebook(json: &str) -> Notebook {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn cells_and_outputs_become_markdown_and_image_files() {
        let nb = notebook(
            r##"{"cells": [
              {"cell_type": "markdown", "source": ["# 02 · Convolution\n", "size $W$"], "metadata": {}},
              {"cell_type": "code", "source": "let x = 1;", "metadata": {}, "execution_count": 1, "outputs": [
                {"output_type": "stream", "name": "stdout", "text": ["epoch 1 <ok>\n"]},
                {"output_type": "stream", "name": "stdout", "text": "epoch 2\n"},
                {"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": "<svg/>", "text/plain": "chart"}},
                {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0K\nGgo=", "text/plain": "image"}},
                {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/html": "<table>\n\n<tr></tr></table>", "text/plain": "t"}},
                {"output_type": "error", "ename": "Error", "evalue": "mismatched types", "traceback": ["\u001b[31mexpected\u001b[0m 4096"]}
              ]}
            ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"##,
        );
        let chapter = convert(&nb, "02-convolution").unwrap();
        assert_eq!(chapter.title, "02 · Convolution");
        let md = &chapter.markdown;
        assert!(md.contains("<math"), "{md}");
        assert!(md.contains("```rust\nlet x = 1;\n```"), "{md}");
        // Two stream chunks, one block, escaped.
        assert!(
            md.contains("<pre class=\"output stdout\">epoch 1 &lt;ok&gt;\nepoch 2</pre>"),
            "{md}"
        );
        assert!(md.contains("img/02-convolution-001-0.svg"), "{md}");
        assert!(md.contains("img/02-convolution-001-1.png"), "{md}");
        assert!(md.contains("<table>\n<tr></tr></table>"), "{md}");
        assert!(
            md.contains("Error: mismatched types\nexpected 4096"),
            "{md}"
        );
        assert_eq!(
            chapter.images[0],
            ("02-convolution-001-0.svg".into(), b"<svg/>".to_vec())
        );
        assert_eq!(&chapter.images[1].1[..4], b"\x89PNG");
    }

    #[test]
    fn a_bad_formula_names_its_cell() {
        let nb = notebook(
            r#"{"cells": [{"cell_type": "markdown", "source": "ok", "metadata": {}},
                          {"cell_type": "markdown", "source": "$\\frac{1}$", "metadata": {}}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#,
        );
        let err = convert(&nb, "x").unwrap_err();
        assert_eq!(err.cell, 1);
        assert!(err.message.contains("\\frac{1}"), "{}", err.message);
    }
}
