//! From feature maps to a sequence of tokens and back to one vector: the glue that lets
//! dfdx's attention layers look at image patches.

use dfdx::nn::{Module, NonMutableModule, ZeroSizedModule};
use dfdx::shapes::{Axes3, Axis, Const, Dim, Dtype, HasShape};
use dfdx::tensor::{Tape, Tensor};
use dfdx::tensor_ops::{Device, MeanTo, PermuteTo, ReshapeTo};

use crate::shape::FlattenDims;

/// `(B, C, H, W) -> (B, H*W, C)`: every pixel of a feature map (a patch of the image, after a
/// strided "patchify" convolution) becomes a token of `C` features.
#[derive(Debug, Default, Clone, Copy)]
pub struct PatchTokens;

impl ZeroSizedModule for PatchTokens {}
impl NonMutableModule for PatchTokens {}

impl<B: Dim, C: Dim, H: Dim, W: Dim, E: Dtype, D: Device<E>, T: Tape<E, D>>
    Module<Tensor<(B, C, H, W), E, D, T>> for PatchTokens
where
    (Const<1>, H, W): FlattenDims,
{
    type Output = Tensor<(B, <(Const<1>, H, W) as FlattenDims>::Output, C), E, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<(B, C, H, W), E, D, T>) -> Result<Self::Output, D::Err> {
        let (b, c, h, w) = *x.shape();
        let tokens =
            <(Const<1>, H, W) as FlattenDims>::Output::from_size((Const::<1>, h, w).flattened())
                .expect("the compile-time token count equals H * W");
        x.try_reshape_like(&(b, c, tokens))?
            .try_permute::<_, Axes3<0, 2, 1>>()?
            .try_contiguous()
    }
}

/// `(B, N, C) -> (B, C)`: the mean over the tokens.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokenMean;

impl ZeroSizedModule for TokenMean {}
impl NonMutableModule for TokenMean {}

impl<B: Dim, N: Dim, C: Dim, E: Dtype, D: Device<E>, T: Tape<E, D>>
    Module<Tensor<(B, N, C), E, D, T>> for TokenMean
{
    type Output = Tensor<(B, C), E, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<(B, N, C), E, D, T>) -> Result<Self::Output, D::Err> {
        x.try_mean::<_, Axis<1>>()
    }
}
