//! Max pooling: each output is the largest value under a `K x K` window.
//!
//! Padding counts as minus infinity (it never wins), as in PyTorch. The gradient flows only to
//! the position that held the maximum.

mod cpu;
#[cfg(feature = "cuda")]
mod cuda;

use dfdx::shapes::{Const, Dim, Dtype, HasShape, Shape};
use dfdx::tensor::{SplitTape, Tape, Tensor};
use dfdx::tensor_ops::{Device, ReshapeTo};

use crate::error::{Error, Result};
use crate::ops::window::{pool_output, Pool2dOutput, PoolParams, Window2d};
use crate::shape::ConvOutDim;

/// A device that can run [`max_pool2d`].
pub trait MaxPool2dKernel<E: Dtype>: Device<E> {
    /// Pools `planes` images of `window.in_h x window.in_w` into `out_shape`, recording the
    /// backward pass if `T` owns a tape.
    fn max_pool2d_forward<Xs: Shape, Os: Shape, T: Tape<E, Self>>(
        window: Window2d,
        planes: usize,
        x: Tensor<Xs, E, Self>,
        out_shape: Os,
        tape: T,
    ) -> Result<Tensor<Os, E, Self, T>, Self::Err>;
}

/// Checks the shapes (outer `Result`) and runs the device (inner `Result`).
pub(crate) fn max_pool2d_checked<B, C, H, W, K, S, P, E, D, T>(
    x: Tensor<(B, C, H, W), E, D, T>,
    params: PoolParams<K, S, P>,
) -> Result<Result<Pool2dOutput<B, C, H, W, K, S, P, E, D, T>, D::Err>>
where
    B: Dim,
    C: Dim,
    H: ConvOutDim<K, S, P, Const<1>>,
    W: ConvOutDim<K, S, P, Const<1>>,
    K: Dim,
    S: Dim,
    P: Dim,
    E: Dtype,
    D: MaxPool2dKernel<E>,
    T: Tape<E, D>,
{
    let shape = *x.shape();
    let (window, out_shape) = pool_output("max_pool2d", shape, &params)?;
    let planes = shape.0.size() * shape.1.size();
    Ok(x.try_contiguous().and_then(|x| {
        let (x, tape) = x.split_tape();
        D::max_pool2d_forward(window, planes, x, out_shape, tape)
    }))
}

/// Max pooling over batched images; errors say what does not fit.
pub fn try_max_pool2d<B, C, H, W, K, S, P, E, D, T>(
    x: Tensor<(B, C, H, W), E, D, T>,
    params: PoolParams<K, S, P>,
) -> Result<Pool2dOutput<B, C, H, W, K, S, P, E, D, T>>
where
    B: Dim,
    C: Dim,
    H: ConvOutDim<K, S, P, Const<1>>,
    W: ConvOutDim<K, S, P, Const<1>>,
    K: Dim,
    S: Dim,
    P: Dim,
    E: Dtype,
    D: MaxPool2dKernel<E>,
    T: Tape<E, D>,
{
    max_pool2d_checked(x, params)?.map_err(Error::device)
}

/// Max pooling; panics with the message of [`try_max_pool2d`]'s error.
pub fn max_pool2d<B, C, H, W, K, S, P, E, D, T>(
    x: Tensor<(B, C, H, W), E, D, T>,
    params: PoolParams<K, S, P>,
) -> Pool2dOutput<B, C, H, W, K, S, P, E, D, T>
where
    B: Dim,
    C: Dim,
    H: ConvOutDim<K, S, P, Const<1>>,
    W: ConvOutDim<K, S, P, Const<1>>,
    K: Dim,
    S: Dim,
    P: Dim,
    E: Dtype,
    D: MaxPool2dKernel<E>,
    T: Tape<E, D>,
{
    try_max_pool2d(x, params).unwrap_or_else(|e| panic!("{e}"))
}
