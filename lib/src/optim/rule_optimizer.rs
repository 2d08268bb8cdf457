//! The one [`Optimizer`] implementation: an [`UpdateRule`] (SGD's, Adam's, ...) applied to every
//! trainable tensor, with its buffers kept in [`ParamStates`].

use dfdx::nn::tensor_collection::TensorCollection;
use dfdx::tensor::Gradients;
use dfdx::tensor_ops::Device;

use super::param_state::{ParamStates, UpdateRule};
use super::{Optimizer, OptimizerState};
use crate::error::{Error, Result};

/// An optimizer made of an update rule and its per-parameter state; [`super::Sgd`],
/// [`super::Adam`], [`super::RmsProp`] and [`super::AdaGrad`] are this with their rules.
#[derive(Clone, Debug)]
pub struct RuleOptimizer<R, D: Device<f32>> {
    /// The rule's hyper-parameters (learning rate, momentum, ...).
    pub config: R,
    states: ParamStates<D>,
}

impl<R: UpdateRule, D: Device<f32>> RuleOptimizer<R, D> {
    /// A fresh optimizer (no steps taken) with these hyper-parameters.
    pub fn from_config(config: R) -> Self {
        Self {
            config,
            states: ParamStates::default(),
        }
    }
}

impl<R: UpdateRule, D: Device<f32>> Optimizer<D> for RuleOptimizer<R, D> {
    fn update<M: TensorCollection<f32, D>>(
        &mut self,
        model: &mut M,
        grads: &mut Gradients<f32, D>,
    ) -> Result<()> {
        self.config.check()?;
        self.states.update(&self.config, model, grads)
    }

    fn lr(&self) -> f64 {
        self.config.lr()
    }

    fn set_lr(&mut self, lr: f64) {
        self.config.set_lr(lr);
    }

    fn state(&self) -> OptimizerState {
        OptimizerState {
            kind: R::KIND.into(),
            config: serde_json::to_value(&self.config).expect("plain numbers"),
            steps: self.states.steps,
            frozen: self.states.frozen().to_vec(),
            buffers: self.states.export(R::SLOTS),
        }
    }

    fn freeze(&mut self, prefixes: &[&str]) {
        self.states.freeze(prefixes);
    }

    fn load_state(&mut self, state: &OptimizerState, dev: &D) -> Result<()> {
        if state.kind != R::KIND {
            return Err(Error::config(
                "optimizer state",
                format!("saved by {:?}, loaded into {:?}", state.kind, R::KIND),
            ));
        }
        self.config = serde_json::from_value(state.config.clone())
            .map_err(|e| Error::config("optimizer state", format!("{} config: {e}", R::KIND)))?;
        self.states.import(state, R::SLOTS, dev)
    }
}
