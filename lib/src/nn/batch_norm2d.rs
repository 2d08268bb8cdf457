//! `BatchNorm2d` with PyTorch's parameter names, around dfdx's `BatchNorm2D`.
//!
//! dfdx names the affine parameters `scale`/`bias`; PyTorch's state_dict says `weight`/`bias`
//! plus `running_mean`/`running_var`. The layer keeps dfdx's module for its tensors and renames
//! them, so checkpoints load into PyTorch's `nn.BatchNorm2d` by name. Batched images run on
//! this crate's [`batch_norm2d`](crate::ops::batch_norm2d) op (per-channel sums, then one
//! elementwise pass, each way on the CPU); a single `(C, H, W)` image on dfdx's module in training
//! and dfdx's generic ops in evaluation. Unlike dfdx's module, evaluation mode accepts a tape, so
//! a trained network's gradient with respect to its input (a saliency map) or a fine-tuning step
//! under frozen statistics can be taken, as in PyTorch.
//!
//! Training on one value per channel (a batch of one `1x1` image) panics, as PyTorch raises:
//! its variance is 0 and the running variance's unbiased update divides by `n - 1 = 0`, which
//! would leave NaN in the running statistics for evaluation to find much later.

use dfdx::nn::modules::BatchNorm2D;
use dfdx::nn::{
    BuildModule, BuildOnDevice, Module, ModuleMut, ModuleVisitor, TensorCollection, TensorOptions,
};
use dfdx::shapes::{Const, Dim, Dtype, HasShape, Shape};
use dfdx::tensor::{Merge, OwnedTape, SplitTape, Tape, Tensor};
use dfdx::tensor_ops::{Device, ReshapeTo};

use crate::ops::batch_norm2d::eval_by_dfdx_ops;
use crate::ops::BatchNorm2dKernel;

pub mod builder {
    /// Batch normalisation over `C` channels of `(B, C, H, W)` images.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct BatchNorm2d<const C: usize>;
}

/// A built batch norm: `forward` (evaluation) uses the running statistics, `forward_mut`
/// (training) the batch's and updates the running ones — as `model.eval()` / `model.train()`.
#[derive(Debug, Clone)]
pub struct BatchNorm2d<const C: usize, E: Dtype, D: dfdx::tensor::Storage<E>> {
    pub inner: BatchNorm2D<C, E, D>,
}

impl<const C: usize, E: Dtype, D: Device<E>> BuildOnDevice<D, E> for builder::BatchNorm2d<C>
where
    BatchNorm2d<C, E, D>: BuildModule<D, E>,
{
    type Built = BatchNorm2d<C, E, D>;
}

impl<const C: usize, E: Dtype, D: Device<E>> TensorCollection<E, D> for BatchNorm2d<C, E, D> {
    type To<E2: Dtype, D2: Device<E2>> = BatchNorm2d<C, E2, D2>;

    fn iter_tensors<V: ModuleVisitor<Self, E, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        visitor.visit_fields(
            (
                Self::tensor(
                    "weight",
                    |s| &s.inner.scale,
                    |s| &mut s.inner.scale,
                    TensorOptions::reset_to_ones(),
                ),
                Self::tensor(
                    "bias",
                    |s| &s.inner.bias,
                    |s| &mut s.inner.bias,
                    TensorOptions::reset_to_zeros(),
                ),
                Self::tensor(
                    "running_mean",
                    |s| &s.inner.running_mean,
                    |s| &mut s.inner.running_mean,
                    TensorOptions::detached(|t| t.try_fill_with_zeros()),
                ),
                Self::tensor(
                    "running_var",
                    |s| &s.inner.running_var,
                    |s| &mut s.inner.running_var,
                    TensorOptions::detached(|t| t.try_fill_with_ones()),
                ),
            ),
            |(scale, bias, running_mean, running_var)| BatchNorm2d {
                inner: BatchNorm2D {
                    scale,
                    bias,
                    running_mean,
                    running_var,
                    epsilon: 1e-5,
                    momentum: 0.1,
                },
            },
        )
    }
}

/// Batched images, evaluation mode: this crate's op (the running statistics). With a tape
/// (`x.traced(grads)`) gradients flow to the input, weight and bias, the statistics unchanged,
/// as after PyTorch's `model.eval()`.
impl<B, const C: usize, H, W, E, D, T> Module<Tensor<(B, Const<C>, H, W), E, D, T>>
    for BatchNorm2d<C, E, D>
where
    B: Dim,
    H: Dim,
    W: Dim,
    E: Dtype,
    D: BatchNorm2dKernel<E>,
    T: Tape<E, D> + Merge<T>,
{
    type Output = Tensor<(B, Const<C>, H, W), E, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<(B, Const<C>, H, W), E, D, T>) -> Result<Self::Output, D::Err> {
        let (x, tape) = x.try_contiguous()?.split_tape();
        D::batch_norm2d_eval(&self.inner, x, tape)
    }
}

/// Batched images, training mode: this crate's op (the batch's statistics).
impl<B: Dim, const C: usize, H: Dim, W: Dim, E: Dtype, D: BatchNorm2dKernel<E>>
    ModuleMut<Tensor<(B, Const<C>, H, W), E, D, OwnedTape<E, D>>> for BatchNorm2d<C, E, D>
{
    type Output = Tensor<(B, Const<C>, H, W), E, D, OwnedTape<E, D>>;
    type Error = D::Err;

    fn try_forward_mut(
        &mut self,
        x: Tensor<(B, Const<C>, H, W), E, D, OwnedTape<E, D>>,
    ) -> Result<Self::Output, D::Err> {
        check_more_than_one_value(x.shape().concrete());
        let (x, tape) = x.try_contiguous()?.split_tape();
        D::batch_norm2d_train(&mut self.inner, x, tape)
    }
}

/// One `(C, H, W)` image, evaluation mode: dfdx's generic ops, with or without a tape.
impl<const C: usize, H: Dim, W: Dim, E: Dtype, D: Device<E>, T: Tape<E, D> + Merge<T>>
    Module<Tensor<(Const<C>, H, W), E, D, T>> for BatchNorm2d<C, E, D>
{
    type Output = Tensor<(Const<C>, H, W), E, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<(Const<C>, H, W), E, D, T>) -> Result<Self::Output, D::Err> {
        eval_by_dfdx_ops(&self.inner, x)
    }
}

/// One `(C, H, W)` image, training mode: dfdx's module.
impl<const C: usize, H: Dim, W: Dim, E: Dtype, D: Device<E>>
    ModuleMut<Tensor<(Const<C>, H, W), E, D, OwnedTape<E, D>>> for BatchNorm2d<C, E, D>
{
    type Output = Tensor<(Const<C>, H, W), E, D, OwnedTape<E, D>>;
    type Error = D::Err;

    fn try_forward_mut(
        &mut self,
        x: Tensor<(Const<C>, H, W), E, D, OwnedTape<E, D>>,
    ) -> Result<Self::Output, D::Err> {
        let [_, h, w] = x.shape().concrete();
        check_more_than_one_value([1, C, h, w]);
        self.inner.try_forward_mut(x)
    }
}

/// Training mode's precondition (see the module's doc), with PyTorch's wording. A panic, as the
/// conv layers' shape errors: dfdx's `ModuleMut` can only return the device's error.
fn check_more_than_one_value([batch, channels, h, w]: [usize; 4]) {
    if batch * h * w <= 1 {
        panic!(
            "{}",
            crate::Error::shape(
                "BatchNorm2d",
                format!(
                    "expected more than 1 value per channel when training, got an input of \
                     shape ({batch}, {channels}, {h}, {w}); use a batch of 2 or more, or \
                     evaluation mode (`forward`)"
                ),
            )
        );
    }
}

#[cfg(test)]
mod tests {
    use dfdx::prelude::*;

    use super::builder;

    #[test]
    #[should_panic(
        expected = "BatchNorm2d: expected more than 1 value per channel when training, \
                    got an input of shape (1, 3, 1, 1)"
    )]
    fn training_on_one_value_per_channel_panics_with_pytorchs_message() {
        let dev = Cpu::default();
        let mut bn = dev.build_module::<builder::BatchNorm2d<3>, f32>();
        let x: Tensor<Rank4<1, 3, 1, 1>, f32, _> = dev.sample_normal();
        let _ = bn.forward_mut(x.trace(bn.alloc_grads()));
    }

    #[test]
    #[should_panic(expected = "got an input of shape (1, 3, 1, 1)")]
    fn training_on_a_single_1x1_image_panics() {
        let dev = Cpu::default();
        let mut bn = dev.build_module::<builder::BatchNorm2d<3>, f32>();
        let x: Tensor<Rank3<3, 1, 1>, f32, _> = dev.sample_normal();
        let _ = bn.forward_mut(x.trace(bn.alloc_grads()));
    }

    #[test]
    fn two_values_per_channel_train_and_keep_finite_running_statistics() {
        let dev = Cpu::default();
        let mut bn = dev.build_module::<builder::BatchNorm2d<3>, f32>();
        let batch_of_two: Tensor<Rank4<2, 3, 1, 1>, f32, _> = dev.sample_normal();
        let _ = bn.forward_mut(batch_of_two.trace(bn.alloc_grads()));
        let one_2x1_image: Tensor<Rank4<1, 3, 2, 1>, f32, _> = dev.sample_normal();
        let _ = bn.forward_mut(one_2x1_image.trace(bn.alloc_grads()));
        let running = [
            bn.inner.running_mean.as_vec(),
            bn.inner.running_var.as_vec(),
        ]
        .concat();
        assert!(running.iter().all(|v| v.is_finite()), "{running:?}");
    }
}
