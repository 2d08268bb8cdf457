//! Which digits the course notebooks train on: real MNIST when `shared/data` sits beside the
//! checkout, the built-in synthetic digits otherwise, and `MAPPING_COURSE_DATA` to choose.
//!
//! One rule in one place, so that every chapter says the same thing about its data and the
//! course can be run on the synthetic default on purpose (`MAPPING_COURSE_DATA=synthetic`),
//! even on a machine that has the real files.

use std::fmt;
use std::path::{Path, PathBuf};

use super::DatasetSpec;
use crate::error::{Error, Result};

/// The environment variable that overrides the choice: `synthetic`, `auto` (the search on
/// disk, as when unset), or any dataset spec whose images are 1x28x28 (`mnist:DIR`,
/// `fashion-mnist:DIR`, ...).
pub const COURSE_DATA_ENV: &str = "MAPPING_COURSE_DATA";

/// Where MNIST is looked for, relative to the working directory: from `notebooks/` (where
/// Jupyter starts a notebook's kernel), then from the repository root.
pub const MNIST_CANDIDATES: [&str; 2] = ["../../shared/data/mnist", "../shared/data/mnist"];

/// The digits dataset a chapter uses, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseData {
    pub spec: DatasetSpec,
    /// True for real images (MNIST or another named dataset), false for the synthetic digits.
    pub real: bool,
    /// Why this dataset: shown by `Display`, so every notebook states what it used.
    pub reason: String,
}

impl CourseData {
    /// The course's digits, as chosen by `MAPPING_COURSE_DATA` or found on disk.
    pub fn digits() -> Result<Self> {
        let choice = std::env::var(COURSE_DATA_ENV).ok();
        let candidates = MNIST_CANDIDATES.map(PathBuf::from);
        Self::choose(choice.as_deref(), &candidates)
    }

    /// The rule behind [`CourseData::digits`], with its inputs given.
    pub fn choose(choice: Option<&str>, mnist_candidates: &[PathBuf]) -> Result<Self> {
        match choice
            .map(str::trim)
            .filter(|c| !c.is_empty() && *c != "auto")
        {
            Some("synthetic" | "synthetic-digits") => {
                Ok(Self::synthetic(format!("{COURSE_DATA_ENV}=synthetic")))
            }
            Some(spec) => {
                let parsed: DatasetSpec = spec.parse().map_err(|_| {
                    Error::data(
                        COURSE_DATA_ENV,
                        format!("`{spec}` is not a dataset spec: use synthetic, mnist:DIR or fashion-mnist:DIR"),
                    )
                })?;
                Ok(Self {
                    real: parsed != DatasetSpec::SyntheticDigits,
                    spec: parsed,
                    reason: format!("{COURSE_DATA_ENV}={spec}"),
                })
            }
            None => Ok(match mnist_candidates.iter().find(|dir| has_mnist(dir)) {
                Some(dir) => Self {
                    spec: DatasetSpec::Mnist(dir.clone()),
                    real: true,
                    reason: format!("found in {}", dir.display()),
                },
                None => Self::synthetic(format!(
                    "the default: no MNIST in {}",
                    mnist_candidates
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" or ")
                )),
            }),
        }
    }

    fn synthetic(reason: String) -> Self {
        Self {
            spec: DatasetSpec::SyntheticDigits,
            real: false,
            reason,
        }
    }
}

fn has_mnist(dir: &Path) -> bool {
    dir.join("train-images-idx3-ubyte.gz").is_file()
        || dir.join("train-images-idx3-ubyte").is_file()
}

impl fmt::Display for CourseData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.spec {
            DatasetSpec::SyntheticDigits => "synthetic digits (28x28 drawn shapes)".to_string(),
            DatasetSpec::Mnist(_) => "real MNIST".to_string(),
            other => format!("{other:?}"),
        };
        write!(f, "{what} ({})", self.reason)
    }
}
