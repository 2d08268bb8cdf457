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

/// The predicted class of each row of `scores` (`classes` scores per row): the index of the
/// largest score, the first one on ties.
pub fn predictions(scores: &[f32], classes: usize) -> Vec<usize> {
    assert!(
        classes > 0 && scores.len().is_multiple_of(classes),
        "scores are rows of {classes} classes"
    );
    scores
        .chunks(classes)
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |best, (c, &s)| {
                    if s > best.1 {
                        (c, s)
                    } else {
                        best
                    }
                })
                .0
        })
        .collect()
}
