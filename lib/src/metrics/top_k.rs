//! Top-k accuracy: the true class among the `k` highest scores.

use crate::error::{Error, Result};

/// The fraction of rows of `scores` (`truth.len()` rows of `classes` scores each, row-major)
/// whose true class is among the `k` largest scores. Ties count against the sample: a class
/// ranks above the truth if its score is higher, or equal with a smaller index (scikit-learn's
/// stable order).
pub fn top_k_accuracy(scores: &[f32], truth: &[usize], classes: usize, k: usize) -> Result<f64> {
    if classes == 0 || scores.len() != truth.len() * classes {
        return Err(Error::shape(
            "top_k_accuracy",
            format!(
                "{} scores for {} samples of {classes} classes",
                scores.len(),
                truth.len()
            ),
        ));
    }
    let mut hits = 0usize;
    for (i, (row, &t)) in scores.chunks(classes).zip(truth).enumerate() {
        if t >= classes {
            return Err(Error::shape(
                "top_k_accuracy",
                format!("sample {i}: label {t} is not one of {classes} classes"),
            ));
        }
        let above = row
            .iter()
            .enumerate()
            .filter(|&(c, &s)| s > row[t] || (s == row[t] && c < t))
            .count();
        hits += usize::from(above < k);
    }
    Ok(if truth.is_empty() {
        0.0
    } else {
        hits as f64 / truth.len() as f64
    })
}
