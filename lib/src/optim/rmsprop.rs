//! RMSprop as `torch.optim.RMSprop` computes it (its square average starts at 0; dfdx's and
//! TensorFlow's start at 1, which makes the first steps much smaller).

use dfdx::shapes::Shape;
use dfdx::tensor::Tensor;
use dfdx::tensor_ops::{Device, TryAdd, TryDiv, TryMul, TrySub};
use serde::{Deserialize, Serialize};

use super::param_state::UpdateRule;
use super::RuleOptimizer;

/// `s = alpha s + (1 - alpha) g^2`; the step is `lr * g / (sqrt(s) + eps)`. `centered`
/// subtracts the squared running mean of `g` from `s`; `momentum` accumulates the steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RmsPropConfig {
    pub lr: f64,
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    pub centered: bool,
}

/// RMSprop: [`RmsPropConfig`] applied by [`RuleOptimizer`].
pub type RmsProp<D> = RuleOptimizer<RmsPropConfig, D>;

impl<D: Device<f32>> RuleOptimizer<RmsPropConfig, D> {
    /// RMSprop with PyTorch's defaults: alpha 0.99, eps 1e-8.
    pub fn new(lr: f64) -> Self {
        Self::from_config(RmsPropConfig {
            lr,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
        })
    }

    pub fn alpha(mut self, alpha: f64) -> Self {
        self.config.alpha = alpha;
        self
    }

    pub fn eps(mut self, eps: f64) -> Self {
        self.config.eps = eps;
        self
    }

    pub fn momentum(mut self, momentum: f64) -> Self {
        self.config.momentum = momentum;
        self
    }

    pub fn centered(mut self) -> Self {
        self.config.centered = true;
        self
    }

    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.config.weight_decay = weight_decay;
        self
    }
}

impl UpdateRule for RmsPropConfig {
    const KIND: &'static str = "rmsprop";
    const SLOTS: &'static [&'static str] = &["square_avg", "grad_avg", "momentum_buffer"];

    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn apply<S: Shape, D: Device<f32>>(
        &self,
        _step: u64,
        p: &mut Tensor<S, f32, D>,
        mut g: Tensor<S, f32, D>,
        buffers: &mut [Tensor<S, f32, D>],
    ) -> std::result::Result<(), D::Err> {
        if self.weight_decay != 0.0 {
            g = g.try_add(p.clone().try_mul(self.weight_decay as f32)?)?;
        }
        let [square_avg, grad_avg, momentum_buffer] = buffers else {
            unreachable!("three slots")
        };
        square_avg.try_axpy(self.alpha, &g.clone().try_square()?, 1.0 - self.alpha)?;
        let mut variance = square_avg.clone();
        if self.centered {
            grad_avg.try_axpy(self.alpha, &g, 1.0 - self.alpha)?;
            variance = variance.try_sub(grad_avg.clone().try_square()?)?;
        }
        let denom = variance.try_sqrt()?.try_add(self.eps as f32)?;
        let direction = g.try_div(denom)?;
        if self.momentum > 0.0 {
            momentum_buffer.try_axpy(self.momentum, &direction, 1.0)?;
            p.try_axpy(1.0, momentum_buffer, -self.lr)
        } else {
            p.try_axpy(1.0, &direction, -self.lr)
        }
    }
}
