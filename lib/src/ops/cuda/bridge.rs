//! Moving values between dfdx tensors and buffers the CUDA kernels address.
//!
//! dfdx 0.13 keeps a tensor's storage crate-private; its public API reaches device buffers only
//! through `Gradients`, which hands out `&mut` to a gradient's `CudaSlice` and turns a gradient
//! back into a tensor. Both directions below use that, entirely on the GPU:
//! - reading: the gradient of `sum(probe * x)` with respect to `probe` is exactly `x` (times an
//!   exact 1), so dfdx's own backward pass copies `x` into a buffer we own, contiguous even when
//!   `x` is a strided view;
//! - writing: a kernel fills the gradient slot of a tensor of the output's shape, and
//!   `Gradients::get` makes a new tensor (fresh id) from it.
//!
//! Each costs a few extra passes over the tensor's memory, cheap next to a convolution's
//! products; a dfdx release that exposes storage would let them go.

use cudarc::driver::CudaDevice;
use dfdx::shapes::{HasShape, Rank0, Shape};
use dfdx::tensor::{Cuda, CudaError, Gradients, Storage, Tensor, Trace, ZerosTensor};
use dfdx::tensor_ops::{Backward, Device, SumTo, TryMul};
use std::sync::Arc;

use super::CudaFloat;

/// dfdx's buffer type on the GPU (a `CudaSlice` that returns to dfdx's cache when dropped); its
/// type is crate-private in dfdx, so it is named through `Storage`.
pub(crate) type DeviceBuffer<E> = <Cuda as Storage<E>>::Vec;

/// A contiguous copy of `x`'s values in a buffer the kernels can read.
pub(crate) fn device_values<S: Shape, E: CudaFloat>(
    x: &Tensor<S, E, Cuda>,
) -> Result<DeviceBuffer<E>, CudaError>
where
    Cuda: Device<E>,
{
    let dev = x.device().clone();
    let probe: Tensor<S, E, Cuda> = dev.try_zeros_like(x.shape())?;
    let mut grads = probe
        .clone()
        .leaky_traced()
        .try_mul(x.clone())?
        .try_sum::<Rank0, _>()?
        .try_backward()?;
    let slot = grads.get_or_alloc_mut(&probe)?;
    // Take the buffer out of the gradient map (leaving a 1-element one) rather than copy it.
    Ok(std::mem::replace(
        slot,
        Storage::<E>::try_alloc_len(&dev, 1)?,
    ))
}

/// A new tensor of `shape`, its values written by `fill` into a zeroed, contiguous buffer.
pub(crate) fn tensor_from_kernel<S: Shape, E: CudaFloat>(
    dev: &Cuda,
    shape: S,
    fill: impl FnOnce(&mut DeviceBuffer<E>) -> Result<(), CudaError>,
) -> Result<Tensor<S, E, Cuda>, CudaError>
where
    Cuda: Device<E>,
{
    // Only the template's shape, strides and device matter; its ghost keeps those, not the data.
    let template: Tensor<S, E, Cuda> = dev.try_zeros_like(&shape)?;
    let ghost = template.ghost();
    drop(template);
    let mut grads = Gradients::leaky();
    fill(grads.get_or_alloc_mut(&ghost)?)?;
    Ok(grads.get(&ghost))
}

/// A zeroed buffer of `len` elements from dfdx's allocator (and its cache, when enabled).
pub(crate) fn scratch<E: CudaFloat>(cuda: &Cuda, len: usize) -> Result<DeviceBuffer<E>, CudaError>
where
    Cuda: Device<E>,
{
    Storage::<E>::try_alloc_len(cuda, len)
}

/// The `CudaDevice` (and so the stream) dfdx runs on, reached through one of its buffers.
pub(crate) fn cuda_device<E: CudaFloat>(buffer: &DeviceBuffer<E>) -> Arc<CudaDevice> {
    E::cuda_slice(buffer).device()
}
