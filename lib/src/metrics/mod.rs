//! Classification metrics: the confusion matrix and everything read off it, top-k accuracy, a
//! report table, and k-fold cross-validation. Conventions follow scikit-learn (a class with no
//! predictions has precision 0, `zero_division=0`), and the tests compare against it.

mod confusion;
mod cross_validation;
mod report;
mod top_k;

pub use confusion::{Average, ConfusionMatrix};
pub use cross_validation::{cross_validate, CrossValidation};
pub use report::{ClassMetrics, ClassificationReport};
pub use top_k::{predictions, top_k_accuracy};
