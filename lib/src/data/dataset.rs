//! The `Dataset` trait: a numbered collection of labelled images.

use std::sync::Arc;

use super::Image;
use crate::error::Result;

/// One labelled image.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub image: Image,
    pub label: usize,
}

/// Random access to labelled images, like `torch.utils.data.Dataset`: `len`, `get(i)`, and
/// the class names (label `k` is `classes()[k]`).
///
/// `get` may read and decode a file, so it returns a `Result` whose error names the file;
/// it takes `&self` so that many threads can read at once.
pub trait Dataset: Send + Sync {
    fn len(&self) -> usize;
    fn get(&self, index: usize) -> Result<Sample>;
    fn classes(&self) -> &[String];

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The label of sample `index` without decoding its image where the format allows
    /// (used for stratified splits and histograms).
    fn label(&self, index: usize) -> Result<usize> {
        Ok(self.get(index)?.label)
    }
}

/// How `found`'s class list differs from `expected`'s, or `None` when they are equal.
///
/// A label is a position in its dataset's class list, so labels from two sources (a training and
/// a test split, a checkpoint and the data it is evaluated on) mean the same only when the lists
/// are equal, in the same order.
pub fn class_difference(expected: &[String], found: &[String]) -> Option<String> {
    if expected == found {
        return None;
    }
    let counts = format!("class count {}, expected {}", found.len(), expected.len());
    Some(match expected.iter().zip(found).position(|(e, f)| e != f) {
        Some(i) => format!(
            "class {i} is `{}`, expected `{}` ({counts})",
            found[i], expected[i]
        ),
        None => format!("{counts} (the shorter list is the start of the longer)"),
    })
}

impl<D: Dataset + ?Sized> Dataset for Arc<D> {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn get(&self, index: usize) -> Result<Sample> {
        (**self).get(index)
    }
    fn classes(&self) -> &[String] {
        (**self).classes()
    }
    fn label(&self, index: usize) -> Result<usize> {
        (**self).label(index)
    }
}

impl<D: Dataset + ?Sized> Dataset for Box<D> {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn get(&self, index: usize) -> Result<Sample> {
        (**self).get(index)
    }
    fn classes(&self) -> &[String] {
        (**self).classes()
    }
    fn label(&self, index: usize) -> Result<usize> {
        (**self).label(index)
    }
}

/// The samples of `dataset` at `indices`, in that order (a split, a fold, a subset).
#[derive(Clone)]
pub struct Subset<D> {
    dataset: D,
    indices: Vec<usize>,
}

impl<D: Dataset> Subset<D> {
    /// Panics if an index is out of range: splits are computed from `dataset.len()`.
    pub fn new(dataset: D, indices: Vec<usize>) -> Self {
        let n = dataset.len();
        assert!(
            indices.iter().all(|&i| i < n),
            "subset index out of range (dataset has {n} samples)"
        );
        Self { dataset, indices }
    }

    pub fn indices(&self) -> &[usize] {
        &self.indices
    }
}

impl<D: Dataset> Dataset for Subset<D> {
    fn len(&self) -> usize {
        self.indices.len()
    }
    fn get(&self, index: usize) -> Result<Sample> {
        self.dataset.get(self.indices[index])
    }
    fn classes(&self) -> &[String] {
        self.dataset.classes()
    }
    fn label(&self, index: usize) -> Result<usize> {
        self.dataset.label(self.indices[index])
    }
}
