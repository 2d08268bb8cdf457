//! Training: the `fit` loop, callbacks, checkpoints, TensorBoard logs, losses, penalties and
//! learning-rate schedules.

mod callbacks;
mod checkpoint;
mod classifier;
mod fit;
mod history;
mod loss;
mod penalty;
mod schedule;
mod tensorboard;

pub use callbacks::{BestCheckpoint, Callback, Control, EarlyStopping, LrScheduler, Monitor};
pub use checkpoint::{
    load_checkpoint, meta_path, read_checkpoint_meta, save_checkpoint, CheckpointMeta,
};
pub use classifier::{evaluate, Classifier, Evaluation, Images, Logits};
pub use fit::{Fit, Progress};
pub use history::{EpochRecord, History};
pub use loss::cross_entropy_with_label_smoothing;
pub use penalty::weight_penalty;
pub use schedule::{Constant, CosineAnnealing, LrSchedule, OneCycle, StepDecay, WarmUp};
pub use tensorboard::EventWriter;
