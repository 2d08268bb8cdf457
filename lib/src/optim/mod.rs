//! Optimizers with PyTorch's update rules and state that can be saved and restored.
//!
//! dfdx has SGD, Adam and RMSprop, but keeps their state (moments, step count) private, so a
//! checkpoint could not resume them exactly, and it has no AdaGrad. These follow
//! `torch.optim`'s formulas (checked step by step against PyTorch in `tests/tests/suite/optim.rs`)
//! and run on any dfdx device, since each rule is written with tensor ops.
//!
//! ```
//! use mapping::prelude::*;
//! let dev = AutoDevice::default();
//! let mut w: Tensor<Rank1<3>, f32, _> = dev.tensor([1.0, -2.0, 3.0]);
//! let mut opt = Sgd::new(0.1).momentum(0.9);
//! let mut grads = w.alloc_grads();
//! for _ in 0..200 {
//!     grads = w.clone().traced(grads).square().sum().backward();
//!     opt.update(&mut w, &mut grads).unwrap();
//!     w.zero_grads(&mut grads);
//! }
//! assert!(w.array().iter().all(|v| v.abs() < 0.05));
//! ```

mod adagrad;
mod adam;
mod by_name;
mod param_state;
mod rmsprop;
mod rule_optimizer;
mod sgd;

pub use adagrad::{AdaGrad, AdaGradConfig};
pub use adam::{Adam, AdamConfig};
pub use by_name::AnyOptimizer;
pub use param_state::UpdateRule;
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use rule_optimizer::RuleOptimizer;
pub use sgd::{Sgd, SgdConfig};

use dfdx::nn::tensor_collection::TensorCollection;
use dfdx::tensor::Gradients;
use dfdx::tensor_ops::Device;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// The state an optimizer needs to continue exactly where it stopped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerState {
    /// `"sgd"`, `"adam"`, `"rmsprop"` or `"adagrad"`.
    pub kind: String,
    /// Hyper-parameters, as the optimizer's builder sets them.
    pub config: serde_json::Value,
    /// Updates taken so far.
    pub steps: u64,
    /// Module paths that are not updated ([`Optimizer::freeze`]).
    #[serde(default)]
    pub frozen: Vec<String>,
    /// Per-parameter buffers (`"p{index}.{slot}"`, e.g. `p3.exp_avg`), flattened; not stored in
    /// the JSON side of a checkpoint, but in its safetensors file.
    #[serde(skip)]
    pub buffers: Vec<(String, Vec<f32>)>,
}

/// A rule that moves a model's parameters along their gradients.
pub trait Optimizer<D: Device<f32>> {
    /// One update of every trainable tensor of `model` from `grads`. A parameter without a
    /// gradient is treated as having a zero one (PyTorch's `zero_grad(set_to_none=False)`).
    fn update<M: TensorCollection<f32, D>>(
        &mut self,
        model: &mut M,
        grads: &mut Gradients<f32, D>,
    ) -> Result<()>;

    /// The learning rate of the next update.
    fn lr(&self) -> f64;

    /// Sets the learning rate (what a schedule does before each update).
    fn set_lr(&mut self, lr: f64);

    /// Everything needed to resume: step count, hyper-parameters, buffers.
    fn state(&self) -> OptimizerState;

    /// Restores [`Optimizer::state`]; an error if it came from another kind of optimizer.
    fn load_state(&mut self, state: &OptimizerState, dev: &D) -> Result<()>;

    /// Never updates the tensors under these module paths (`&["0"]` freezes a transfer model's
    /// backbone `0.*`): Keras' `trainable = False`, PyTorch's `requires_grad_(False)`. Batch-norm
    /// running statistics still adapt in training mode, as in PyTorch. Call it before the
    /// first update.
    fn freeze(&mut self, prefixes: &[&str]);
}
