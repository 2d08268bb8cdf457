//! `GlobalAvgPool`: one mean per channel, the usual head of a ResNet.

use dfdx::nn::{Module, NonMutableModule, ZeroSizedModule};
use dfdx::shapes::{Dim, Dtype};
use dfdx::tensor::{Tape, Tensor};
use dfdx::tensor_ops::Device;

use crate::ops::global_avg_pool;

/// `(B, C, H, W) -> (B, C)`, like `nn.AdaptiveAvgPool2d(1)` followed by a flatten.
#[derive(Debug, Default, Clone, Copy)]
pub struct GlobalAvgPool;

impl ZeroSizedModule for GlobalAvgPool {}
impl NonMutableModule for GlobalAvgPool {}

impl<B: Dim, C: Dim, H: Dim, W: Dim, E: Dtype, D: Device<E>, T: Tape<E, D>>
    Module<Tensor<(B, C, H, W), E, D, T>> for GlobalAvgPool
{
    type Output = Tensor<(B, C), E, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<(B, C, H, W), E, D, T>) -> Result<Self::Output, D::Err> {
        Ok(global_avg_pool(x))
    }
}
