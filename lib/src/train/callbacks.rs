//! Callbacks: small objects the trainer consults at each step and epoch (Keras' callbacks).
//! They see measurements and steer through [`Control`]; the trainer does the model-side work
//! (setting the learning rate, saving a checkpoint), so a callback never needs the model's type.

use super::history::EpochRecord;
use super::schedule::LrSchedule;

/// What callbacks may change.
#[derive(Clone, Debug, PartialEq)]
pub struct Control {
    /// Learning rate for the next update.
    pub lr: f64,
    /// Stop after this epoch.
    pub stop: bool,
    /// Save the `best` checkpoint after this epoch.
    pub save_best: bool,
    /// Why training stopped early, for the log.
    pub reason: Option<String>,
}

/// Hooks called by the trainer; all do nothing unless overridden.
pub trait Callback {
    /// Before each update; `step` counts updates from 0 over the whole run.
    fn on_step_begin(&mut self, _step: usize, _control: &mut Control) {}
    /// Before each epoch; `epoch` counts from 0.
    fn on_epoch_begin(&mut self, _epoch: usize, _control: &mut Control) {}
    /// After each epoch's validation.
    fn on_epoch_end(&mut self, _record: &EpochRecord, _control: &mut Control) {}
}

/// A metric to watch, and whether lower or higher is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Monitor {
    Loss,
    Acc,
    ValLoss,
    ValAcc,
}

impl Monitor {
    pub fn name(self) -> &'static str {
        match self {
            Monitor::Loss => "loss",
            Monitor::Acc => "acc",
            Monitor::ValLoss => "val_loss",
            Monitor::ValAcc => "val_acc",
        }
    }

    fn higher_is_better(self) -> bool {
        matches!(self, Monitor::Acc | Monitor::ValAcc)
    }

    /// Whether `value` beats `best` by more than `min_delta`.
    fn improves(self, value: f64, best: Option<f64>, min_delta: f64) -> bool {
        match best {
            None => true,
            Some(best) if self.higher_is_better() => value > best + min_delta,
            Some(best) => value < best - min_delta,
        }
    }
}

/// Stops when `monitor` has not improved by `min_delta` for `patience` epochs.
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    pub monitor: Monitor,
    pub patience: usize,
    pub min_delta: f64,
    best: Option<f64>,
    waited: usize,
}

impl EarlyStopping {
    pub fn new(monitor: Monitor, patience: usize) -> Self {
        Self {
            monitor,
            patience,
            min_delta: 0.0,
            best: None,
            waited: 0,
        }
    }

    pub fn min_delta(mut self, min_delta: f64) -> Self {
        self.min_delta = min_delta;
        self
    }
}

impl Callback for EarlyStopping {
    fn on_epoch_end(&mut self, record: &EpochRecord, control: &mut Control) {
        let Some(value) = record.get(self.monitor.name()) else {
            return;
        };
        if self.monitor.improves(value, self.best, self.min_delta) {
            self.best = Some(value);
            self.waited = 0;
        } else {
            self.waited += 1;
            if self.waited >= self.patience {
                control.stop = true;
                control.reason = Some(format!(
                    "early stopping: {} has not improved on {:.4} for {} epochs",
                    self.monitor.name(),
                    self.best.unwrap_or(f64::NAN),
                    self.waited
                ));
            }
        }
    }
}

/// Asks for the `best` checkpoint whenever `monitor` improves (Keras' `ModelCheckpoint` with
/// `save_best_only=True`). Needs a checkpoint folder on the trainer.
#[derive(Clone, Debug)]
pub struct BestCheckpoint {
    pub monitor: Monitor,
    best: Option<f64>,
}

impl BestCheckpoint {
    pub fn new(monitor: Monitor) -> Self {
        Self {
            monitor,
            best: None,
        }
    }

    /// The best value seen so far.
    pub fn best(&self) -> Option<f64> {
        self.best
    }
}

impl Callback for BestCheckpoint {
    fn on_epoch_end(&mut self, record: &EpochRecord, control: &mut Control) {
        if let Some(value) = record.get(self.monitor.name()) {
            if self.monitor.improves(value, self.best, 0.0) {
                self.best = Some(value);
                control.save_best = true;
            }
        }
    }
}

/// Sets the learning rate from a schedule, per update (one-cycle, warm-up) or per epoch
/// (step decay, cosine over epochs).
pub struct LrScheduler {
    schedule: Box<dyn LrSchedule>,
    per_epoch: bool,
}

impl LrScheduler {
    /// `schedule.lr(step)` before every update.
    pub fn per_step(schedule: impl LrSchedule + 'static) -> Self {
        Self {
            schedule: Box::new(schedule),
            per_epoch: false,
        }
    }

    /// `schedule.lr(epoch)` at the start of every epoch.
    pub fn per_epoch(schedule: impl LrSchedule + 'static) -> Self {
        Self {
            schedule: Box::new(schedule),
            per_epoch: true,
        }
    }
}

impl Callback for LrScheduler {
    fn on_step_begin(&mut self, step: usize, control: &mut Control) {
        if !self.per_epoch {
            control.lr = self.schedule.lr(step);
        }
    }

    fn on_epoch_begin(&mut self, epoch: usize, control: &mut Control) {
        if self.per_epoch {
            control.lr = self.schedule.lr(epoch);
        }
    }
}
