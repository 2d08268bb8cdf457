//! What a training run measured, epoch by epoch (Keras' `History`).

use serde::{Deserialize, Serialize};

/// One epoch's measurements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based, as printed.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (with any weight penalty).
    pub loss: f64,
    /// Training accuracy over the epoch (on augmented images, in training mode).
    pub acc: f64,
    pub val_loss: Option<f64>,
    pub val_acc: Option<f64>,
    /// Learning rate at the end of the epoch.
    pub lr: f64,
    /// Wall time of the epoch, validation included.
    pub seconds: f64,
    /// Training images per second.
    pub images_per_second: f64,
}

impl EpochRecord {
    /// The Keras-style line: `epoch 3/10 - loss 0.5213 - acc 0.8104 - val_loss ... - 12.3s`.
    pub fn line(&self, epochs: usize) -> String {
        let mut line = format!(
            "epoch {}/{epochs} - loss {:.4} - acc {:.4}",
            self.epoch, self.loss, self.acc
        );
        if let (Some(loss), Some(acc)) = (self.val_loss, self.val_acc) {
            line += &format!(" - val_loss {loss:.4} - val_acc {acc:.4}");
        }
        line + &format!(" - {:.1}s", self.seconds)
    }

    /// A metric by its Keras name (`loss`, `acc`, `val_loss`, `val_acc`, `lr`).
    pub fn get(&self, metric: &str) -> Option<f64> {
        match metric {
            "loss" => Some(self.loss),
            "acc" | "accuracy" => Some(self.acc),
            "val_loss" => self.val_loss,
            "val_acc" | "val_accuracy" => self.val_acc,
            "lr" => Some(self.lr),
            _ => None,
        }
    }
}

/// Every epoch of a run, serializable to JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub epochs: Vec<EpochRecord>,
}

impl History {
    pub fn len(&self) -> usize {
        self.epochs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.epochs.is_empty()
    }

    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }

    /// One metric over the epochs (`history.series("val_acc")`), skipping epochs without it.
    pub fn series(&self, metric: &str) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.get(metric)).collect()
    }
}
