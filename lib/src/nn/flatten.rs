//! `Flatten`: images to vectors, the bridge from convolutions to `Linear` layers.

use dfdx::nn::{Module, NonMutableModule, ZeroSizedModule};
use dfdx::shapes::{Dim, Dtype};
use dfdx::tensor::{Tape, Tensor};
use dfdx::tensor_ops::Device;

use crate::ops::flatten::{flatten, flatten_unbatched};
use crate::shape::FlattenDims;

/// `(B, C, H, W) -> (B, C*H*W)` and `(C, H, W) -> (C*H*W,)`, like `nn.Flatten()`.
///
/// With `Const` dims the width is a `Const` too, so `Linear<IN, _>` after it must have
/// `IN == C*H*W` or the network does not compile.
#[derive(Debug, Default, Clone, Copy)]
pub struct Flatten;

impl ZeroSizedModule for Flatten {}
impl NonMutableModule for Flatten {}

impl<B: Dim, C: Dim, H: Dim, W: Dim, E: Dtype, D: Device<E>, T: Tape<E, D>>
    Module<Tensor<(B, C, H, W), E, D, T>> for Flatten
where
    (C, H, W): FlattenDims,
{
    type Output = Tensor<(B, <(C, H, W) as FlattenDims>::Output), E, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<(B, C, H, W), E, D, T>) -> Result<Self::Output, D::Err> {
        Ok(flatten(x))
    }
}

impl<C: Dim, H: Dim, W: Dim, E: Dtype, D: Device<E>, T: Tape<E, D>>
    Module<Tensor<(C, H, W), E, D, T>> for Flatten
where
    (C, H, W): FlattenDims,
{
    type Output = Tensor<(<(C, H, W) as FlattenDims>::Output,), E, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<(C, H, W), E, D, T>) -> Result<Self::Output, D::Err> {
        Ok(flatten_unbatched(x))
    }
}
