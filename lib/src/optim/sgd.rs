//! Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay, as
//! `torch.optim.SGD` computes it.

use dfdx::shapes::Shape;
use dfdx::tensor::Tensor;
use dfdx::tensor_ops::{Device, TryAdd, TryMul};
use serde::{Deserialize, Serialize};

use super::param_state::UpdateRule;
use super::RuleOptimizer;
use crate::error::{Error, Result};

/// `SGD(lr, momentum, dampening, weight_decay, nesterov)`: with momentum `mu`, the buffer is
/// `b = mu * b + (1 - dampening) * g` (the first step takes `b = g`) and the step follows `b`,
/// or `g + mu * b` with Nesterov.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SgdConfig {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
}

/// SGD: [`SgdConfig`] applied by [`RuleOptimizer`].
pub type Sgd<D> = RuleOptimizer<SgdConfig, D>;

impl<D: Device<f32>> RuleOptimizer<SgdConfig, D> {
    /// Plain SGD with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        Self::from_config(SgdConfig {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
        })
    }

    pub fn momentum(mut self, momentum: f64) -> Self {
        self.config.momentum = momentum;
        self
    }

    /// Nesterov momentum (needs a momentum and no dampening, as in PyTorch).
    pub fn nesterov(mut self) -> Self {
        self.config.nesterov = true;
        self
    }

    pub fn dampening(mut self, dampening: f64) -> Self {
        self.config.dampening = dampening;
        self
    }

    /// L2 penalty `weight_decay / 2 * |w|^2`, added to the gradient as `weight_decay * w`.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.config.weight_decay = weight_decay;
        self
    }
}

impl UpdateRule for SgdConfig {
    const KIND: &'static str = "sgd";
    const SLOTS: &'static [&'static str] = &["momentum_buffer"];

    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn check(&self) -> Result<()> {
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(Error::config(
                "SGD",
                "Nesterov momentum requires a momentum and zero dampening",
            ));
        }
        Ok(())
    }

    fn apply<S: Shape, D: Device<f32>>(
        &self,
        step: u64,
        p: &mut Tensor<S, f32, D>,
        mut g: Tensor<S, f32, D>,
        buffers: &mut [Tensor<S, f32, D>],
    ) -> std::result::Result<(), D::Err> {
        if self.weight_decay != 0.0 {
            g = g.try_add(p.clone().try_mul(self.weight_decay as f32)?)?;
        }
        if self.momentum != 0.0 {
            let buffer = &mut buffers[0];
            *buffer = if step == 1 {
                g.clone()
            } else {
                let kept = buffer.clone().try_mul(self.momentum as f32)?;
                kept.try_add(g.clone().try_mul((1.0 - self.dampening) as f32)?)?
            };
            g = if self.nesterov {
                g.try_add(buffer.clone().try_mul(self.momentum as f32)?)?
            } else {
                buffer.clone()
            };
        }
        p.try_axpy(1.0, &g, -self.lr)
    }
}
