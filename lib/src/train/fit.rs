//! `fit`: the training loop, Keras-style.
//!
//! ```no_run
//! # use mapping::prelude::*;
//! # use mapping::train::*;
//! # fn main() -> mapping::Result<()> {
//! # let dev = AutoDevice::default();
//! # let (train, val): (mapping::data::Loader, mapping::data::Loader) = unimplemented!();
//! let mut model = dev.build_module::<models::SeedCifarCnn, f32>();
//! let mut opt = Adam::new(1e-3);
//! let history = Fit::new(10)
//!     .validation(&val)
//!     .callback(EarlyStopping::new(Monitor::ValLoss, 3))
//!     .run::<3, 32, 32, 10, _, _, _>(&mut model, &mut opt, &train, &dev)?;
//! println!("{}", history.series("val_acc").last().unwrap());
//! # Ok(()) }
//! ```

use std::path::PathBuf;
use std::time::Instant;

use dfdx::losses::cross_entropy_with_logits_loss;
use dfdx::nn::ZeroGrads;
use dfdx::tensor::Trace;

use super::callbacks::{Callback, Control};
use super::checkpoint::{save_checkpoint, CheckpointMeta};
use super::classifier::{evaluate, Classifier};
use super::history::{EpochRecord, History};
use super::tensorboard::EventWriter;
use super::{cross_entropy_with_label_smoothing, weight_penalty};
use crate::data::Loader;
use crate::error::{Error, Result};
use crate::fs::write_atomically;
use crate::metrics::predictions;
use crate::optim::Optimizer;
use dfdx::tensor_ops::{Backward, Device};

/// Where training stands, for a progress bar (called after every update).
#[derive(Clone, Debug)]
pub struct Progress {
    /// 0-based epoch and batch.
    pub epoch: usize,
    pub epochs: usize,
    pub batch: usize,
    pub batches: usize,
    /// Running means over the epoch so far.
    pub loss: f64,
    pub acc: f64,
    pub images_per_second: f64,
}

/// A training run's settings; [`Fit::run`] trains.
pub struct Fit<'a> {
    epochs: usize,
    validation: Option<&'a Loader>,
    callbacks: Vec<Box<dyn Callback + 'a>>,
    label_smoothing: f64,
    penalty: (f64, f64),
    verbose: bool,
    checkpoints: Option<PathBuf>,
    tensorboard: Option<PathBuf>,
    config: serde_json::Value,
    resume: Option<CheckpointMeta>,
    progress: Option<Box<dyn FnMut(&Progress) + 'a>>,
}

impl<'a> Fit<'a> {
    /// `epochs` passes over the training loader, printing one line per epoch.
    pub fn new(epochs: usize) -> Self {
        Self {
            epochs,
            validation: None,
            callbacks: Vec::new(),
            label_smoothing: 0.0,
            penalty: (0.0, 0.0),
            verbose: true,
            checkpoints: None,
            tensorboard: None,
            config: serde_json::Value::Null,
            resume: None,
            progress: None,
        }
    }

    /// Measures `val_loss` and `val_acc` on this loader after every epoch.
    pub fn validation(mut self, loader: &'a Loader) -> Self {
        self.validation = Some(loader);
        self
    }

    pub fn callback(mut self, callback: impl Callback + 'a) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }

    /// Cross-entropy against targets smoothed by `smoothing` (0 = plain cross-entropy).
    pub fn label_smoothing(mut self, smoothing: f64) -> Self {
        self.label_smoothing = smoothing;
        self
    }

    /// Adds `l1 * sum|w| + l2 * sum w^2` to the loss (see [`weight_penalty`]).
    pub fn weight_penalty(mut self, l1: f64, l2: f64) -> Self {
        self.penalty = (l1, l2);
        self
    }

    /// Print the per-epoch lines (on by default).
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }

    /// Writes `last.safetensors` after every epoch (and `best.safetensors` when a
    /// [`super::BestCheckpoint`] asks), with `history.json`, into `dir`.
    pub fn checkpoints(mut self, dir: impl Into<PathBuf>) -> Self {
        self.checkpoints = Some(dir.into());
        self
    }

    /// Writes TensorBoard scalars (loss, accuracy, learning rate) into `dir`.
    pub fn tensorboard(mut self, dir: impl Into<PathBuf>) -> Self {
        self.tensorboard = Some(dir.into());
        self
    }

    /// Free-form settings stored in every checkpoint (model name, data, batch size...).
    pub fn config(mut self, config: serde_json::Value) -> Self {
        self.config = config;
        self
    }

    /// Continues the run a checkpoint recorded (load it first with
    /// [`super::load_checkpoint`]): its history is kept and training starts at its next epoch.
    pub fn resume(mut self, checkpoint: CheckpointMeta) -> Self {
        self.resume = Some(checkpoint);
        self
    }

    /// Called after every update, e.g. to drive a progress bar.
    pub fn on_progress(mut self, progress: impl FnMut(&Progress) + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Trains `model` with `optimizer` on `train`; images are `C x H x W`, `K` classes.
    pub fn run<const C: usize, const H: usize, const W: usize, const K: usize, M, O, D>(
        mut self,
        model: &mut M,
        optimizer: &mut O,
        train: &Loader,
        dev: &D,
    ) -> Result<History>
    where
        D: Device<f32>,
        M: Classifier<C, H, W, K, D>,
        O: Optimizer<D>,
    {
        let (mut history, mut step) = match self.resume.take() {
            Some(meta) => (meta.history, meta.step),
            None => (History::default(), 0),
        };
        let mut control = Control {
            lr: optimizer.lr(),
            stop: false,
            save_best: false,
            reason: None,
        };
        // Callbacks rebuild their state (best value, patience) from the epochs already run.
        for record in &history.epochs {
            let mut replay = control.clone();
            for callback in &mut self.callbacks {
                callback.on_epoch_end(record, &mut replay);
            }
        }
        if let Some(dir) = &self.checkpoints {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut events = match &self.tensorboard {
            Some(dir) => Some(EventWriter::create(dir)?),
            None => None,
        };
        let batches = train.num_batches();
        if batches == 0 {
            return Err(Error::config(
                "fit",
                format!(
                    "the training loader has no full batch ({} images, batch {})",
                    train.len(),
                    train.config().batch_size
                ),
            ));
        }
        let mut grads = model.try_alloc_grads().map_err(Error::device)?;
        let (l1, l2) = self.penalty;
        for epoch in history.len()..self.epochs {
            let start = Instant::now();
            for callback in &mut self.callbacks {
                callback.on_epoch_begin(epoch, &mut control);
            }
            let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
            for (index, batch) in train.epoch(epoch as u64).enumerate() {
                let batch = batch?;
                for callback in &mut self.callbacks {
                    callback.on_step_begin(step, &mut control);
                }
                optimizer.set_lr(control.lr);
                let images = batch.images_batch::<C, H, W, _>(dev)?;
                let targets = batch.one_hot_batch::<K, _>(dev)?;
                let logits = model
                    .try_forward_mut(images.traced(grads))
                    .map_err(Error::device)?;
                let predicted = predictions(&logits.as_vec(), K);
                correct += predicted
                    .iter()
                    .zip(&batch.labels)
                    .filter(|(p, l)| p == l)
                    .count();
                let mut loss = if self.label_smoothing > 0.0 {
                    cross_entropy_with_label_smoothing(logits, targets, self.label_smoothing)
                } else {
                    cross_entropy_with_logits_loss(logits, targets)
                };
                if l1 != 0.0 || l2 != 0.0 {
                    loss = loss + weight_penalty(model, l1, l2).map_err(Error::device)?;
                }
                let value = loss.as_vec()[0];
                if !value.is_finite() {
                    return Err(Error::Training(format!(
                        "the loss is {value} at epoch {}, batch {}/{batches} (update {step}); \
                         try a smaller learning rate (now {}) or check the inputs",
                        epoch + 1,
                        index + 1,
                        control.lr
                    )));
                }
                grads = loss.try_backward().map_err(Error::device)?;
                optimizer.update(model, &mut grads)?;
                model.try_zero_grads(&mut grads).map_err(Error::device)?;
                step += 1;
                seen += batch.len();
                loss_sum += value as f64;
                if let Some(events) = &mut events {
                    events.scalar("loss/step", step as u64, value)?;
                }
                if let Some(progress) = &mut self.progress {
                    progress(&Progress {
                        epoch,
                        epochs: self.epochs,
                        batch: index,
                        batches,
                        loss: loss_sum / (index + 1) as f64,
                        acc: correct as f64 / seen as f64,
                        images_per_second: seen as f64 / start.elapsed().as_secs_f64(),
                    });
                }
            }
            let train_seconds = start.elapsed().as_secs_f64();
            let validation = match self.validation {
                Some(loader) => Some(evaluate::<C, H, W, K, _, _>(model, loader, dev)?),
                None => None,
            };
            let record = EpochRecord {
                epoch: epoch + 1,
                loss: loss_sum / batches as f64,
                acc: correct as f64 / seen.max(1) as f64,
                val_loss: validation.as_ref().map(|v| v.loss),
                val_acc: validation.as_ref().map(|v| v.accuracy()),
                lr: control.lr,
                seconds: start.elapsed().as_secs_f64(),
                images_per_second: seen as f64 / train_seconds,
            };
            if self.verbose {
                println!("{}", record.line(self.epochs));
            }
            if let Some(events) = &mut events {
                let at = (epoch + 1) as u64;
                events.scalar("loss/train", at, record.loss as f32)?;
                events.scalar("accuracy/train", at, record.acc as f32)?;
                events.scalar("lr", at, record.lr as f32)?;
                if let (Some(loss), Some(acc)) = (record.val_loss, record.val_acc) {
                    events.scalar("loss/val", at, loss as f32)?;
                    events.scalar("accuracy/val", at, acc as f32)?;
                }
                events.flush()?;
            }
            control.save_best = false;
            for callback in &mut self.callbacks {
                callback.on_epoch_end(&record, &mut control);
            }
            history.epochs.push(record);
            if let Some(dir) = &self.checkpoints {
                let meta = CheckpointMeta::new(
                    epoch + 1,
                    step,
                    self.config.clone(),
                    history.clone(),
                    optimizer.state(),
                );
                save_checkpoint(&dir.join("last.safetensors"), model, optimizer, &meta)?;
                if control.save_best {
                    save_checkpoint(&dir.join("best.safetensors"), model, optimizer, &meta)?;
                }
                let json = serde_json::to_vec_pretty(&history).expect("plain data");
                write_atomically(&dir.join("history.json"), &json)?;
            }
            if control.stop {
                if self.verbose {
                    if let Some(reason) = &control.reason {
                        println!("{reason}");
                    }
                }
                break;
            }
        }
        Ok(history)
    }
}
