//! Flatten: `(B, C, H, W) -> (B, C * H * W)`, row-major as PyTorch's `torch.flatten(x, 1)`.
//!
//! The output width is a `Const` when the input dims are (see [`FlattenDims`]), which is how a
//! wrong `Linear` input size after a flatten becomes a compile error. The data is not moved;
//! dfdx's reshape records the (trivial) gradient.

use dfdx::shapes::{Dim, Dtype, HasShape};
use dfdx::tensor::{Tape, Tensor};
use dfdx::tensor_ops::{Device, ReshapeTo};

use crate::shape::FlattenDims;

/// The flattened batch: every image becomes one row of `C * H * W` values.
pub fn flatten<B: Dim, C: Dim, H: Dim, W: Dim, E: Dtype, D: Device<E>, T: Tape<E, D>>(
    x: Tensor<(B, C, H, W), E, D, T>,
) -> Tensor<(B, <(C, H, W) as FlattenDims>::Output), E, D, T>
where
    (C, H, W): FlattenDims,
{
    let (b, c, h, w) = *x.shape();
    let width = flattened_dim((c, h, w));
    x.reshape_like(&(b, width))
}

/// One image `(C, H, W) -> (C * H * W,)`.
pub fn flatten_unbatched<C: Dim, H: Dim, W: Dim, E: Dtype, D: Device<E>, T: Tape<E, D>>(
    x: Tensor<(C, H, W), E, D, T>,
) -> Tensor<(<(C, H, W) as FlattenDims>::Output,), E, D, T>
where
    (C, H, W): FlattenDims,
{
    let width = flattened_dim(*x.shape());
    x.reshape_like(&(width,))
}

fn flattened_dim<F: FlattenDims>(dims: F) -> F::Output {
    F::Output::from_size(dims.flattened())
        .expect("the compile-time flattened size equals the product of the dims")
}
