//! AdaGrad (Duchi et al., 2011), which dfdx lacks, as `torch.optim.Adagrad` computes it.

use dfdx::shapes::Shape;
use dfdx::tensor::Tensor;
use dfdx::tensor_ops::{Device, TryAdd, TryDiv, TryMul};
use serde::{Deserialize, Serialize};

use super::param_state::UpdateRule;
use super::RuleOptimizer;

/// Every weight keeps the sum of its squared gradients `s += g^2` and steps by
/// `lr_t * g / (sqrt(s) + eps)` with `lr_t = lr / (1 + (t - 1) * lr_decay)`: weights that
/// have moved a lot slow down, rarely-updated ones keep a large step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdaGradConfig {
    pub lr: f64,
    pub lr_decay: f64,
    pub weight_decay: f64,
    pub initial_accumulator_value: f64,
    pub eps: f64,
}

/// AdaGrad: [`AdaGradConfig`] applied by [`RuleOptimizer`].
pub type AdaGrad<D> = RuleOptimizer<AdaGradConfig, D>;

impl<D: Device<f32>> RuleOptimizer<AdaGradConfig, D> {
    /// AdaGrad with PyTorch's defaults: no decay, accumulator starting at 0, eps 1e-10.
    pub fn new(lr: f64) -> Self {
        Self::from_config(AdaGradConfig {
            lr,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
        })
    }

    pub fn lr_decay(mut self, lr_decay: f64) -> Self {
        self.config.lr_decay = lr_decay;
        self
    }

    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.config.weight_decay = weight_decay;
        self
    }

    pub fn initial_accumulator_value(mut self, value: f64) -> Self {
        self.config.initial_accumulator_value = value;
        self
    }

    pub fn eps(mut self, eps: f64) -> Self {
        self.config.eps = eps;
        self
    }
}

impl UpdateRule for AdaGradConfig {
    const KIND: &'static str = "adagrad";
    const SLOTS: &'static [&'static str] = &["sum"];

    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn initial_value(&self, _slot: usize) -> f32 {
        self.initial_accumulator_value as f32
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
        let sum = &mut buffers[0];
        sum.try_axpy(1.0, &g.clone().try_square()?, 1.0)?;
        let lr = self.lr / (1.0 + (step - 1) as f64 * self.lr_decay);
        let denom = sum.clone().try_sqrt()?.try_add(self.eps as f32)?;
        p.try_axpy(1.0, &g.try_div(denom)?, -lr)
    }
}
