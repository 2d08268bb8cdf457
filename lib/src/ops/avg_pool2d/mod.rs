//! Average pooling: each output is the mean of a `K x K` window.
//!
//! As PyTorch's default (`count_include_pad=True`), zero padding counts in the divisor.

mod cpu;
#[cfg(feature = "cuda")]
mod cuda;

use dfdx::shapes::{Const, Dim, Dtype, HasShape, Shape};
use dfdx::tensor::{SplitTape, Tape, Tensor};
use dfdx::tensor_ops::{Device, ReshapeTo};

use crate::error::{Error, Result};
use crate::ops::window::{pool_output, Pool2dOutput, PoolParams, Window2d};
use crate::shape::ConvOutDim;

/// A device that can run [`avg_pool2d`].
pub trait AvgPool2dKernel<E: Dtype>: Device<E> {
    fn avg_pool2d_forward<Xs: Shape, Os: Shape, T: Tape<E, Self>>(
        window: Window2d,
        planes: usize,
        x: Tensor<Xs, E, Self>,
        out_shape: Os,
        tape: T,
    ) -> Result<Tensor<Os, E, Self, T>, Self::Err>;
}

/// Checks the shapes (outer `Result`) and runs the device (inner `Result`).
pub(crate) fn avg_pool2d_checked<B, C, H, W, K, S, P, E, D, T>(
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
    D: AvgPool2dKernel<E>,
    T: Tape<E, D>,
{
    let shape = *x.shape();
    let (window, out_shape) = pool_output("avg_pool2d", shape, &params)?;
    let planes = shape.0.size() * shape.1.size();
    Ok(x.try_contiguous().and_then(|x| {
        let (x, tape) = x.split_tape();
        D::avg_pool2d_forward(window, planes, x, out_shape, tape)
    }))
}

/// Average pooling over batched images; errors say what does not fit.
pub fn try_avg_pool2d<B, C, H, W, K, S, P, E, D, T>(
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
    D: AvgPool2dKernel<E>,
    T: Tape<E, D>,
{
    avg_pool2d_checked(x, params)?.map_err(Error::device)
}

/// Average pooling; panics with the message of [`try_avg_pool2d`]'s error.
pub fn avg_pool2d<B, C, H, W, K, S, P, E, D, T>(
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
    D: AvgPool2dKernel<E>,
    T: Tape<E, D>,
{
    try_avg_pool2d(x, params).unwrap_or_else(|e| panic!("{e}"))
}
