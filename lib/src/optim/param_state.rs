//! The walk shared by every optimizer: visit each trainable tensor in a fixed order, hand it its
//! gradient and its own buffers, and keep the buffers between steps.

use dfdx::nn::tensor_collection::{
    RecursiveWalker, TensorCollection, TensorOptions, TensorVisitor, ViewTensorMut, ViewTensorName,
};
use dfdx::shapes::{HasShape, Shape};
use dfdx::tensor::{Gradients, Tensor};
use dfdx::tensor_ops::{Device, ReshapeTo};

use crate::error::{Error, Result};

/// How one optimizer moves one parameter: the part that differs between SGD, Adam, ... Its
/// hyper-parameters are the implementing struct (serialized into checkpoints); buffers (`SLOTS`)
/// have the parameter's shape. Implement it to add an optimizer to
/// [`super::RuleOptimizer`].
pub trait UpdateRule: Clone + serde::Serialize + serde::de::DeserializeOwned {
    const KIND: &'static str;
    /// Names of the per-parameter buffers, as PyTorch's `optimizer.state` calls them.
    const SLOTS: &'static [&'static str];

    fn lr(&self) -> f64;

    fn set_lr(&mut self, lr: f64);

    /// Refuses settings that cannot work, before an update.
    fn check(&self) -> Result<()> {
        Ok(())
    }

    /// The value every element of buffer `slot` starts at.
    fn initial_value(&self, _slot: usize) -> f32 {
        0.0
    }

    /// Updates `p` in place (keeping its id, which the gradients are keyed by). `step` counts
    /// from 1, as in PyTorch.
    fn apply<S: Shape, D: Device<f32>>(
        &self,
        step: u64,
        p: &mut Tensor<S, f32, D>,
        g: Tensor<S, f32, D>,
        buffers: &mut [Tensor<S, f32, D>],
    ) -> std::result::Result<(), D::Err>;
}

/// Every parameter's buffers, flattened, in the order dfdx walks the model.
#[derive(Clone, Debug)]
pub(crate) struct ParamStates<D: Device<f32>> {
    pub steps: u64,
    buffers: Vec<Vec<Tensor<(usize,), f32, D>>>,
    /// Module paths whose tensors are never updated (`"0"` freezes `0.weight`, `0.3.bias`...).
    frozen: Vec<String>,
}

impl<D: Device<f32>> Default for ParamStates<D> {
    fn default() -> Self {
        Self {
            steps: 0,
            buffers: Vec::new(),
            frozen: Vec::new(),
        }
    }
}

impl<D: Device<f32>> ParamStates<D> {
    /// Stops updating the tensors under these module paths. Set it before the first update:
    /// buffers are numbered over the tensors that are updated.
    pub fn freeze(&mut self, prefixes: &[&str]) {
        self.frozen
            .extend(prefixes.iter().map(|p| p.trim_end_matches('.').to_string()));
    }

    pub fn frozen(&self) -> &[String] {
        &self.frozen
    }

    fn is_frozen(&self, name: &str) -> bool {
        self.frozen.iter().any(|prefix| {
            name == prefix
                || (name.starts_with(prefix.as_str()) && name[prefix.len()..].starts_with('.'))
        })
    }

    /// One update of `model` by `rule`.
    pub fn update<R: UpdateRule, M: TensorCollection<f32, D>>(
        &mut self,
        rule: &R,
        model: &mut M,
        grads: &mut Gradients<f32, D>,
    ) -> Result<()> {
        let step = self.steps + 1;
        let mut visitor = Visitor {
            rule,
            step,
            states: self,
            grads,
            index: 0,
            mismatch: None,
        };
        M::iter_tensors(&mut RecursiveWalker {
            m: (model, String::new()),
            f: &mut visitor,
        })
        .map_err(Error::device)?;
        if let Some(error) = visitor.mismatch {
            return Err(error);
        }
        self.steps = step;
        Ok(())
    }

    /// `("p{index}.{slot}", values)` for every buffer.
    pub fn export(&self, slots: &[&str]) -> Vec<(String, Vec<f32>)> {
        let mut out = Vec::new();
        for (index, buffers) in self.buffers.iter().enumerate() {
            for (slot, buffer) in slots.iter().zip(buffers) {
                out.push((format!("p{index}.{slot}"), buffer.as_vec()));
            }
        }
        out
    }

    /// Rebuilds the buffers [`ParamStates::export`] wrote.
    pub fn import(&mut self, state: &super::OptimizerState, slots: &[&str], dev: &D) -> Result<()> {
        let (steps, exported) = (state.steps, &state.buffers);
        let mut buffers: Vec<Vec<Tensor<(usize,), f32, D>>> = Vec::new();
        for (index, chunk) in exported.chunks(slots.len().max(1)).enumerate() {
            let mut row = Vec::new();
            for (slot, (name, values)) in slots.iter().zip(chunk) {
                let expected = format!("p{index}.{slot}");
                if *name != expected {
                    return Err(Error::config(
                        "optimizer state",
                        format!("found buffer {name:?} where {expected:?} belongs"),
                    ));
                }
                row.push(
                    dev.try_tensor_from_vec(values.clone(), (values.len(),))
                        .map_err(Error::device)?,
                );
            }
            buffers.push(row);
        }
        if slots.is_empty() && !exported.is_empty() {
            return Err(Error::config(
                "optimizer state",
                format!(
                    "{} buffers for an optimizer that keeps none",
                    exported.len()
                ),
            ));
        }
        self.steps = steps;
        self.buffers = buffers;
        self.frozen = state.frozen.clone();
        Ok(())
    }
}

struct Visitor<'a, R, D: Device<f32>> {
    rule: &'a R,
    step: u64,
    states: &'a mut ParamStates<D>,
    grads: &'a mut Gradients<f32, D>,
    index: usize,
    mismatch: Option<Error>,
}

impl<R: UpdateRule, D: Device<f32>> TensorVisitor<f32, D> for Visitor<'_, R, D> {
    type Viewer = (ViewTensorMut, ViewTensorName);
    type Err = D::Err;
    type E2 = f32;
    type D2 = D;

    fn visit<S: Shape>(
        &mut self,
        opts: TensorOptions<S, f32, D>,
        (p, name): (&mut Tensor<S, f32, D>, String),
    ) -> std::result::Result<Option<Tensor<S, f32, D>>, D::Err> {
        if !opts.do_gradient_update || self.mismatch.is_some() || self.states.is_frozen(&name) {
            return Ok(None);
        }
        let index = self.index;
        self.index += 1;
        let shape = *p.shape();
        let len = shape.num_elements();
        if index == self.states.buffers.len() {
            let mut row = Vec::new();
            for slot in 0..R::SLOTS.len() {
                let zeros = p.device().try_zeros_like(&(len,))?;
                row.push(zeros + self.rule.initial_value(slot));
            }
            self.states.buffers.push(row);
        }
        let row = &mut self.states.buffers[index];
        if let Some(wrong) = row.iter().find(|b| b.shape().0 != len) {
            self.mismatch = Some(Error::config(
                "optimizer",
                format!(
                    "parameter {index} ({name}) has {len} elements but its saved state has {}: \
                     an optimizer (or its checkpoint) belongs to one model",
                    wrong.shape().0
                ),
            ));
            return Ok(None);
        }
        self.grads.get_or_alloc_mut(&*p)?;
        let g = self.grads.get(&*p);
        let mut shaped: Vec<Tensor<S, f32, D>> = row
            .iter()
            .map(|b| b.clone().try_reshape_like(&shape))
            .collect::<std::result::Result<_, _>>()?;
        self.rule.apply(self.step, p, g, &mut shaped)?;
        for (buffer, updated) in row.iter_mut().zip(shaped) {
            *buffer = updated.try_reshape_like(&(len,))?;
        }
        Ok(None)
    }
}
