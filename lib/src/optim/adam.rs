//! Adam and AdamW, as `torch.optim.Adam` / `torch.optim.AdamW` compute them.

use dfdx::shapes::Shape;
use dfdx::tensor::Tensor;
use dfdx::tensor_ops::{Device, TryAdd, TryDiv, TryMul};
use serde::{Deserialize, Serialize};

use super::param_state::UpdateRule;
use super::RuleOptimizer;

/// Moments `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`; the step is
/// `lr * m_hat / (sqrt(v_hat) + eps)` with bias-corrected `m_hat`, `v_hat`.
/// `weight_decay` is Adam's L2 term added to `g`; `decoupled_weight_decay` is AdamW's, which
/// shrinks the weights by `lr * wd` apart from the gradient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdamConfig {
    pub lr: f64,
    pub betas: (f64, f64),
    pub eps: f64,
    pub weight_decay: f64,
    pub decoupled_weight_decay: f64,
}

/// Adam and AdamW: [`AdamConfig`] applied by [`RuleOptimizer`].
pub type Adam<D> = RuleOptimizer<AdamConfig, D>;

impl<D: Device<f32>> RuleOptimizer<AdamConfig, D> {
    /// Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8.
    pub fn new(lr: f64) -> Self {
        Self::from_config(AdamConfig {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: 0.0,
        })
    }

    /// AdamW: Adam with decoupled weight decay (PyTorch's default `weight_decay` is 0.01).
    pub fn adamw(lr: f64, weight_decay: f64) -> Self {
        Self::new(lr).decoupled_weight_decay(weight_decay)
    }

    pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.config.betas = (beta1, beta2);
        self
    }

    pub fn eps(mut self, eps: f64) -> Self {
        self.config.eps = eps;
        self
    }

    /// L2 penalty folded into the gradient (`torch.optim.Adam(weight_decay=...)`).
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.config.weight_decay = weight_decay;
        self
    }

    /// Weight decay applied to the weights directly (`torch.optim.AdamW(weight_decay=...)`).
    pub fn decoupled_weight_decay(mut self, weight_decay: f64) -> Self {
        self.config.decoupled_weight_decay = weight_decay;
        self
    }
}

impl UpdateRule for AdamConfig {
    const KIND: &'static str = "adam";
    const SLOTS: &'static [&'static str] = &["exp_avg", "exp_avg_sq"];

    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn apply<S: Shape, D: Device<f32>>(
        &self,
        step: u64,
        p: &mut Tensor<S, f32, D>,
        mut g: Tensor<S, f32, D>,
        buffers: &mut [Tensor<S, f32, D>],
    ) -> std::result::Result<(), D::Err> {
        let (b1, b2) = self.betas;
        if self.decoupled_weight_decay != 0.0 {
            let keep = 1.0 - self.lr * self.decoupled_weight_decay;
            p.try_axpy(keep, &g.clone(), 0.0)?;
        }
        if self.weight_decay != 0.0 {
            g = g.try_add(p.clone().try_mul(self.weight_decay as f32)?)?;
        }
        let [m, v] = buffers else {
            unreachable!("two slots")
        };
        m.try_axpy(b1, &g, 1.0 - b1)?;
        v.try_axpy(b2, &g.try_square()?, 1.0 - b2)?;
        let t = step as i32;
        let bias1 = 1.0 - b1.powi(t);
        let bias2 = 1.0 - b2.powi(t);
        let denom = v
            .clone()
            .try_sqrt()?
            .try_div((bias2.sqrt()) as f32)?
            .try_add(self.eps as f32)?;
        let direction = m.clone().try_div(denom)?;
        p.try_axpy(1.0, &direction, -self.lr / bias1)
    }
}
