//! k-fold cross-validation: train and score on each fold, report the mean and spread.

use crate::data::{stratified_k_fold, Fold};
use crate::error::Result;

/// The score of every fold, with their mean and standard deviation (population, `ddof=0`, as
/// `numpy.std` on scikit-learn's `cross_val_score`).
#[derive(Clone, Debug, PartialEq)]
pub struct CrossValidation {
    pub scores: Vec<f64>,
    pub mean: f64,
    pub std: f64,
}

impl CrossValidation {
    pub fn from_scores(scores: Vec<f64>) -> Self {
        let n = scores.len().max(1) as f64;
        let mean = scores.iter().sum::<f64>() / n;
        let std = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n).sqrt();
        Self { scores, mean, std }
    }
}

/// Stratified k-fold over `labels` (seeded): `score` trains on `fold.train`, evaluates on
/// `fold.validation` and returns the score.
pub fn cross_validate(
    labels: &[usize],
    k: usize,
    seed: u64,
    mut score: impl FnMut(usize, &Fold) -> Result<f64>,
) -> Result<CrossValidation> {
    let scores = stratified_k_fold(labels, k, seed)
        .iter()
        .enumerate()
        .map(|(i, fold)| score(i, fold))
        .collect::<Result<_>>()?;
    Ok(CrossValidation::from_scores(scores))
}
