//! The classification report: per-class precision, recall, F1 and support, as a table.

use super::{Average, ConfusionMatrix};

/// One class's row of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassMetrics {
    pub name: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

/// scikit-learn's `classification_report`: a row per class, then accuracy, macro and
/// weighted averages.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassificationReport {
    pub classes: Vec<ClassMetrics>,
    pub accuracy: f64,
    /// `(precision, recall, f1)` averaged over classes.
    pub macro_avg: (f64, f64, f64),
    pub weighted_avg: (f64, f64, f64),
    pub total: u64,
}

impl ClassificationReport {
    /// Class names default to the label numbers when `names` is shorter than the class count.
    pub fn new(matrix: &ConfusionMatrix, names: &[String]) -> Self {
        let classes = (0..matrix.classes())
            .map(|c| ClassMetrics {
                name: names.get(c).cloned().unwrap_or_else(|| c.to_string()),
                precision: matrix.precision(c),
                recall: matrix.recall(c),
                f1: matrix.f1(c),
                support: matrix.support(c),
            })
            .collect();
        let avg = |a| {
            (
                matrix.precision_avg(a),
                matrix.recall_avg(a),
                matrix.f1_avg(a),
            )
        };
        Self {
            classes,
            accuracy: matrix.accuracy(),
            macro_avg: avg(Average::Macro),
            weighted_avg: avg(Average::Weighted),
            total: matrix.total(),
        }
    }
}

impl std::fmt::Display for ClassificationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = self
            .classes
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0)
            .max("weighted avg".len());
        writeln!(
            f,
            "{:>width$}  {:>9} {:>9} {:>9} {:>9}",
            "", "precision", "recall", "f1-score", "support"
        )?;
        writeln!(f)?;
        for c in &self.classes {
            writeln!(
                f,
                "{:>width$}  {:>9.4} {:>9.4} {:>9.4} {:>9}",
                c.name, c.precision, c.recall, c.f1, c.support
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:>width$}  {:>9} {:>9} {:>9.4} {:>9}",
            "accuracy", "", "", self.accuracy, self.total
        )?;
        for (name, (p, r, f1)) in [
            ("macro avg", self.macro_avg),
            ("weighted avg", self.weighted_avg),
        ] {
            writeln!(
                f,
                "{name:>width$}  {p:>9.4} {r:>9.4} {f1:>9.4} {:>9}",
                self.total
            )?;
        }
        Ok(())
    }
}
