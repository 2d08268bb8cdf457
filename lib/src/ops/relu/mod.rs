//! ReLU, `max(x, 0)`, with a backward pass that only masks the incoming gradient.
//!
//! dfdx has ReLU, but its generic elementwise backward costs about nine times its forward on
//! the CPU (36 ms for 4M values at batch 128 of the seed CNN); this op is one parallel pass
//! each way. Without a tape there is no backward, and the CPU kernel hands the forward to
//! dfdx's `clamp`, which works in place. The layer `mapping::nn::ReLU` uses it.

mod cpu;
#[cfg(feature = "cuda")]
mod cuda;

use dfdx::shapes::{Dtype, Shape};
use dfdx::tensor::{SplitTape, Tape, Tensor};
use dfdx::tensor_ops::{Device, ReshapeTo};

/// A device that can run [`relu`].
pub trait ReluKernel<E: Dtype>: Device<E> {
    fn relu_forward<S: Shape, T: Tape<E, Self>>(
        x: Tensor<S, E, Self>,
        tape: T,
    ) -> Result<Tensor<S, E, Self, T>, Self::Err>;
}

/// `max(x, 0)` element-wise. The gradient passes where the output is positive (at exactly 0
/// it is 0, as in PyTorch).
pub fn relu<S: Shape, E: Dtype, D: ReluKernel<E>, T: Tape<E, D>>(
    x: Tensor<S, E, D, T>,
) -> Tensor<S, E, D, T> {
    try_relu(x).unwrap()
}

/// [`relu`], returning the device's error instead of panicking on it.
pub fn try_relu<S: Shape, E: Dtype, D: ReluKernel<E>, T: Tape<E, D>>(
    x: Tensor<S, E, D, T>,
) -> Result<Tensor<S, E, D, T>, D::Err> {
    let (x, tape) = x.try_contiguous()?.split_tape();
    D::relu_forward(x, tape)
}
