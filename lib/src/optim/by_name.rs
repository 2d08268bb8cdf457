//! An optimizer chosen at run time (`--opt adam`), for the CLI and for notebooks that compare
//! optimizers in a loop.

use dfdx::nn::tensor_collection::TensorCollection;
use dfdx::tensor::Gradients;
use dfdx::tensor_ops::Device;

use super::{AdaGrad, Adam, Optimizer, OptimizerState, RmsProp, Sgd};
use crate::error::{Error, Result};

/// One of the optimizers, picked by name.
#[derive(Clone, Debug)]
pub enum AnyOptimizer<D: Device<f32>> {
    Sgd(Sgd<D>),
    Adam(Adam<D>),
    RmsProp(RmsProp<D>),
    AdaGrad(AdaGrad<D>),
}

impl<D: Device<f32>> AnyOptimizer<D> {
    /// `sgd` (momentum 0.9), `sgd-plain`, `nesterov`, `adam`, `adamw` (decay 0.01), `rmsprop` or
    /// `adagrad`, with learning rate `lr` and L2 `weight_decay`.
    pub fn from_name(name: &str, lr: f64, weight_decay: f64) -> Result<Self> {
        Ok(match name {
            "sgd" => Self::Sgd(Sgd::new(lr).momentum(0.9).weight_decay(weight_decay)),
            "sgd-plain" => Self::Sgd(Sgd::new(lr).weight_decay(weight_decay)),
            "nesterov" => Self::Sgd(
                Sgd::new(lr)
                    .momentum(0.9)
                    .nesterov()
                    .weight_decay(weight_decay),
            ),
            "adam" => Self::Adam(Adam::new(lr).weight_decay(weight_decay)),
            "adamw" => Self::Adam(Adam::adamw(lr, weight_decay.max(0.01))),
            "rmsprop" => Self::RmsProp(RmsProp::new(lr).weight_decay(weight_decay)),
            "adagrad" => Self::AdaGrad(AdaGrad::new(lr).weight_decay(weight_decay)),
            other => {
                return Err(Error::config(
                    "optimizer",
                    format!(
                        "unknown optimizer {other:?}: use sgd, sgd-plain, nesterov, adam, adamw, \
                         rmsprop or adagrad"
                    ),
                ))
            }
        })
    }

    /// The usual starting learning rate for each kind.
    pub fn default_lr(name: &str) -> f64 {
        match name {
            "sgd" | "sgd-plain" | "nesterov" | "adagrad" => 0.01,
            "rmsprop" => 1e-3,
            _ => 1e-3,
        }
    }
}

impl<D: Device<f32>> Optimizer<D> for AnyOptimizer<D> {
    fn update<M: TensorCollection<f32, D>>(
        &mut self,
        model: &mut M,
        grads: &mut Gradients<f32, D>,
    ) -> Result<()> {
        match self {
            Self::Sgd(o) => o.update(model, grads),
            Self::Adam(o) => o.update(model, grads),
            Self::RmsProp(o) => o.update(model, grads),
            Self::AdaGrad(o) => o.update(model, grads),
        }
    }

    fn lr(&self) -> f64 {
        match self {
            Self::Sgd(o) => o.lr(),
            Self::Adam(o) => o.lr(),
            Self::RmsProp(o) => o.lr(),
            Self::AdaGrad(o) => o.lr(),
        }
    }

    fn set_lr(&mut self, lr: f64) {
        match self {
            Self::Sgd(o) => o.set_lr(lr),
            Self::Adam(o) => o.set_lr(lr),
            Self::RmsProp(o) => o.set_lr(lr),
            Self::AdaGrad(o) => o.set_lr(lr),
        }
    }

    fn state(&self) -> OptimizerState {
        match self {
            Self::Sgd(o) => o.state(),
            Self::Adam(o) => o.state(),
            Self::RmsProp(o) => o.state(),
            Self::AdaGrad(o) => o.state(),
        }
    }

    fn freeze(&mut self, prefixes: &[&str]) {
        match self {
            Self::Sgd(o) => o.freeze(prefixes),
            Self::Adam(o) => o.freeze(prefixes),
            Self::RmsProp(o) => o.freeze(prefixes),
            Self::AdaGrad(o) => o.freeze(prefixes),
        }
    }

    /// Becomes the kind of optimizer the state was saved from.
    fn load_state(&mut self, state: &OptimizerState, dev: &D) -> Result<()> {
        *self = match state.kind.as_str() {
            "sgd" => Self::Sgd(Sgd::new(0.0)),
            "adam" => Self::Adam(Adam::new(0.0)),
            "rmsprop" => Self::RmsProp(RmsProp::new(0.0)),
            "adagrad" => Self::AdaGrad(AdaGrad::new(0.0)),
            other => {
                return Err(Error::config(
                    "optimizer state",
                    format!("unknown optimizer kind {other:?}"),
                ))
            }
        };
        match self {
            Self::Sgd(o) => o.load_state(state, dev),
            Self::Adam(o) => o.load_state(state, dev),
            Self::RmsProp(o) => o.load_state(state, dev),
            Self::AdaGrad(o) => o.load_state(state, dev),
        }
    }
}
