//! Training: learning-rate schedules and losses (the trainer, callbacks and checkpoints are
//! still to come).

mod loss;
mod penalty;
mod schedule;

pub use loss::cross_entropy_with_label_smoothing;
pub use penalty::weight_penalty;
pub use schedule::{Constant, CosineAnnealing, LrSchedule, OneCycle, StepDecay, WarmUp};
