//! `mapping-book`: the course's executed notebooks -> the mdBook's chapters.
//!
//! The notebooks are the single source of the prose; this writes `SUMMARY.md` and one page
//! per chapter (code, printed output, tables, charts as image files) into the book's source
//! folder, next to the hand-written introduction. `mdbook build book` does the rest.

mod chapter;
mod ipynb;
mod math;

use std::path::{Path, PathBuf};

use clap::Parser;

use crate::ipynb::{Cell, Notebook};

#[derive(Parser)]
#[command(about = "Turns the executed course notebooks into the mdBook's chapters")]
struct Args {
    /// The committed notebooks: which chapters there are, in file-name order.
    #[arg(long, default_value = "notebooks")]
    chapters: PathBuf,
    /// Where the executed copies are (tests/notebooks/run.py --out).
    #[arg(long, default_value = "target/notebooks")]
    executed: PathBuf,
    /// The mdBook's source folder; `SUMMARY.md` and `chapters/` in it are rewritten.
    #[arg(long, default_value = "book/content")]
    out: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a notebook: {message}")]
    Notebook { path: PathBuf, message: String },
    #[error("{path}: cell {cell}: {message}")]
    Cell {
        path: PathBuf,
        cell: usize,
        message: String,
    },
    #[error("{0}: no chapters (*.ipynb) here")]
    NoChapters(PathBuf),
}

impl Error {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn main() {
    let args = Args::parse();
    match build(&args) {
        Ok(pages) => println!(
            "wrote {pages} chapters to {}",
            args.out.join("chapters").display()
        ),
        Err(e) => {
            eprintln!("mapping-book: {e}");
            std::process::exit(1);
        }
    }
}

fn build(args: &Args) -> Result<usize, Error> {
    let mut stems: Vec<String> = std::fs::read_dir(&args.chapters)
        .map_err(|e| Error::io(&args.chapters, e))?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "ipynb").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    stems.sort();
    if stems.is_empty() {
        return Err(Error::NoChapters(args.chapters.clone()));
    }
    let pages = args.out.join("chapters");
    if pages.exists() {
        std::fs::remove_dir_all(&pages).map_err(|e| Error::io(&pages, e))?;
    }
    let images = pages.join("img");
    std::fs::create_dir_all(&images).map_err(|e| Error::io(&images, e))?;

    let mut summary = String::from("# Summary\n\n[Introduction](introduction.md)\n\n");
    for stem in &stems {
        let path = args.executed.join(format!("{stem}.ipynb"));
        let notebook = Notebook::read(&path)?;
        check_executed(&notebook, &path)?;
        let chapter = chapter::convert(&notebook, stem).map_err(|e| Error::Cell {
            path: path.clone(),
            cell: e.cell,
            message: e.message,
        })?;
        let page = pages.join(format!("{stem}.md"));
        std::fs::write(&page, &chapter.markdown).map_err(|e| Error::io(&page, e))?;
        for (name, bytes) in &chapter.images {
            let file = images.join(name);
            std::fs::write(&file, bytes).map_err(|e| Error::io(&file, e))?;
        }
        summary.push_str(&format!("- [{}](chapters/{stem}.md)\n", chapter.title));
    }
    let summary_path = args.out.join("SUMMARY.md");
    std::fs::write(&summary_path, summary).map_err(|e| Error::io(&summary_path, e))?;
    Ok(stems.len())
}

/// A page from a notebook that never ran would show code without results: refuse it.
fn check_executed(notebook: &Notebook, path: &Path) -> Result<(), Error> {
    for (cell, c) in notebook.cells.iter().enumerate() {
        if let Cell::Code {
            source,
            execution_count: None,
            ..
        } = c
        {
            if !source.trim().is_empty() {
                return Err(Error::Cell {
                    path: path.to_path_buf(),
                    cell,
                    message: "not executed (run tests/notebooks/run.py first)".into(),
                });
            }
        }
    }
    Ok(())
}
