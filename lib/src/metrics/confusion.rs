//! The confusion matrix, and precision, recall and F1 computed from it.

use crate::error::{Error, Result};

/// How per-class scores combine into one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Average {
    /// The plain mean over classes: every class counts the same.
    Macro,
    /// From the summed counts over all classes (for single-label data: the accuracy).
    Micro,
    /// The mean over classes weighted by their number of true samples (support).
    Weighted,
}

/// `counts[t][p]`: how many samples of true class `t` were predicted as `p` (rows are the truth,
/// as in scikit-learn's `confusion_matrix`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    classes: usize,
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    pub fn new(classes: usize) -> Self {
        Self {
            classes,
            counts: vec![0; classes * classes],
        }
    }

    /// From paired true and predicted labels, every one below `classes`.
    pub fn from_labels(truth: &[usize], predicted: &[usize], classes: usize) -> Result<Self> {
        if truth.len() != predicted.len() {
            return Err(Error::shape(
                "confusion_matrix",
                format!(
                    "{} true labels, {} predictions",
                    truth.len(),
                    predicted.len()
                ),
            ));
        }
        let mut matrix = Self::new(classes);
        for (i, (&t, &p)) in truth.iter().zip(predicted).enumerate() {
            if t >= classes || p >= classes {
                return Err(Error::shape(
                    "confusion_matrix",
                    format!(
                        "sample {i}: label {t} / prediction {p} is not one of {classes} classes"
                    ),
                ));
            }
            matrix.add(t, p);
        }
        Ok(matrix)
    }

    /// Counts one sample. Panics on a class out of range (use `from_labels` for unchecked input).
    pub fn add(&mut self, truth: usize, predicted: usize) {
        assert!(
            truth < self.classes && predicted < self.classes,
            "class out of range"
        );
        self.counts[truth * self.classes + predicted] += 1;
    }

    /// Adds another matrix's counts (e.g. over batches, or over folds).
    pub fn merge(&mut self, other: &Self) {
        assert_eq!(
            self.classes, other.classes,
            "matrices of different class counts"
        );
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    pub fn classes(&self) -> usize {
        self.classes
    }

    pub fn count(&self, truth: usize, predicted: usize) -> u64 {
        self.counts[truth * self.classes + predicted]
    }

    /// Row `truth` of the matrix.
    pub fn row(&self, truth: usize) -> &[u64] {
        &self.counts[truth * self.classes..(truth + 1) * self.classes]
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn correct(&self) -> u64 {
        (0..self.classes).map(|c| self.count(c, c)).sum()
    }

    /// True samples of `class`.
    pub fn support(&self, class: usize) -> u64 {
        self.row(class).iter().sum()
    }

    /// Samples predicted as `class`.
    pub fn predicted(&self, class: usize) -> u64 {
        (0..self.classes).map(|t| self.count(t, class)).sum()
    }

    /// Fraction of samples on the diagonal (0 for an empty matrix).
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct(), self.total())
    }

    /// Of the samples predicted as `class`, the fraction that are.
    pub fn precision(&self, class: usize) -> f64 {
        ratio(self.count(class, class), self.predicted(class))
    }

    /// Of the samples of `class`, the fraction predicted as such.
    pub fn recall(&self, class: usize) -> f64 {
        ratio(self.count(class, class), self.support(class))
    }

    /// The harmonic mean of precision and recall (0 when both are 0).
    pub fn f1(&self, class: usize) -> f64 {
        f1(self.precision(class), self.recall(class))
    }

    pub fn precision_avg(&self, average: Average) -> f64 {
        self.averaged(average, Self::precision)
    }

    pub fn recall_avg(&self, average: Average) -> f64 {
        self.averaged(average, Self::recall)
    }

    pub fn f1_avg(&self, average: Average) -> f64 {
        match average {
            // micro F1 is F1 of the micro precision and recall
            Average::Micro => f1(
                self.precision_avg(Average::Micro),
                self.recall_avg(Average::Micro),
            ),
            _ => self.averaged(average, Self::f1),
        }
    }

    fn averaged(&self, average: Average, score: fn(&Self, usize) -> f64) -> f64 {
        let classes = 0..self.classes;
        match average {
            Average::Macro if self.classes == 0 => 0.0,
            Average::Macro => classes.map(|c| score(self, c)).sum::<f64>() / self.classes as f64,
            // single-label: every mistake is one false positive and one false negative
            Average::Micro => self.accuracy(),
            Average::Weighted => {
                let total = self.total();
                if total == 0 {
                    0.0
                } else {
                    classes
                        .map(|c| score(self, c) * self.support(c) as f64)
                        .sum::<f64>()
                        / total as f64
                }
            }
        }
    }
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}
