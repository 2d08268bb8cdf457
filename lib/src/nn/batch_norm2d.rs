//! `BatchNorm2d` with PyTorch's parameter names, around dfdx's `BatchNorm2D`.
//!
//! dfdx names the affine parameters `scale`/`bias`; PyTorch's state_dict says `weight`/`bias`
//! plus `running_mean`/`running_var`. The layer keeps dfdx's module for its tensors and renames
//! them, so checkpoints load into PyTorch's `nn.BatchNorm2d` by name. Batched images run on
//! this crate's [`batch_norm2d`](crate::ops::batch_norm2d) op (per-channel sums, then one
//! elementwise pass, each way on the CPU); a single `(C, H, W)` image on dfdx's module.

use dfdx::nn::modules::BatchNorm2D;
use dfdx::nn::{
    BuildModule, BuildOnDevice, Module, ModuleMut, ModuleVisitor, TensorCollection, TensorOptions,
};
use dfdx::shapes::{Const, Dim, Dtype};
use dfdx::tensor::{OwnedTape, SplitTape, Tensor};
use dfdx::tensor_ops::Device;

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

/// Batched images, evaluation mode: this crate's op (the running statistics).
impl<B: Dim, const C: usize, H: Dim, W: Dim, E: Dtype, D: BatchNorm2dKernel<E>>
    Module<Tensor<(B, Const<C>, H, W), E, D>> for BatchNorm2d<C, E, D>
{
    type Output = Tensor<(B, Const<C>, H, W), E, D>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<(B, Const<C>, H, W), E, D>) -> Result<Self::Output, D::Err> {
        D::batch_norm2d_eval(&self.inner, x)
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
        let (x, tape) = x.split_tape();
        D::batch_norm2d_train(&mut self.inner, x, tape)
    }
}

/// One `(C, H, W)` image, evaluation mode: dfdx's module.
impl<const C: usize, H: Dim, W: Dim, E: Dtype, D: Device<E>> Module<Tensor<(Const<C>, H, W), E, D>>
    for BatchNorm2d<C, E, D>
{
    type Output = Tensor<(Const<C>, H, W), E, D>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<(Const<C>, H, W), E, D>) -> Result<Self::Output, D::Err> {
        self.inner.try_forward(x)
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
        self.inner.try_forward_mut(x)
    }
}
