//! Convolution on the GPU: im2col and col2im kernels (NVRTC) around cuBLAS products.
//!
//! The batch is unrolled chunk by chunk into one `(C * KH * KW) x (images * OH * OW)` patch
//! matrix, so each group's forward is one product with its `(O/G) x (C/G * KH * KW)` weight, and
//! the backward two (weight gradient, patch gradient). Chunks bound the patch matrix's memory.
//! The backward pass recomputes the patches rather than keep them from the forward pass.

use std::sync::Arc;

use cudarc::driver::{CudaDevice, CudaSlice, DeviceRepr, LaunchAsync, LaunchConfig};
use dfdx::shapes::Shape;
use dfdx::tensor::{Cuda, CudaError, PutTape, Tape, Tensor};
use dfdx::tensor_ops::Device;

use super::{Conv2dGeometry, Conv2dKernel};
use crate::ops::cuda::blas::{blas_for, matmul, Operand};
use crate::ops::cuda::bridge::{
    cuda_device, device_values, scratch, tensor_from_kernel, DeviceBuffer,
};
use crate::ops::cuda::kernels::{launch_for, KernelSource};
use crate::ops::cuda::CudaFloat;
use crate::ops::grads::grads_of;

const KERNELS: KernelSource = KernelSource {
    module: "mapping_conv2d",
    source: include_str!("conv2d.cu"),
    functions: &[
        "im2col_f32",
        "col2im_f32",
        "scatter_output_f32",
        "gather_grad_out_f32",
        "bias_grad_f32",
        "im2col_f64",
        "col2im_f64",
        "scatter_output_f64",
        "gather_grad_out_f64",
        "bias_grad_f64",
    ],
};

/// The largest patch matrix one chunk may unroll, in elements (256 MiB of `f32`).
const PATCH_BUDGET: usize = 1 << 26;

/// Threads per block of `bias_grad` (its `BIAS_BLOCK`).
const BIAS_BLOCK: u32 = 256;

/// `Geometry` of conv2d.cu: the sizes of one chunk of the batch.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct ChunkGeometry {
    channels: i64,
    in_h: i64,
    in_w: i64,
    kernel_h: i64,
    kernel_w: i64,
    stride: i64,
    padding: i64,
    dilation: i64,
    out_channels: i64,
    out_h: i64,
    out_w: i64,
    first: i64,
    images: i64,
}

// SAFETY: a plain `repr(C)` struct of integers, laid out as the kernels' `Geometry`.
unsafe impl DeviceRepr for ChunkGeometry {}

impl ChunkGeometry {
    fn new(g: &Conv2dGeometry, first: usize, images: usize) -> Self {
        let w = &g.window;
        let i = |v: usize| v as i64;
        Self {
            channels: i(g.in_channels),
            in_h: i(w.in_h),
            in_w: i(w.in_w),
            kernel_h: i(w.kernel_h),
            kernel_w: i(w.kernel_w),
            stride: i(w.stride),
            padding: i(w.padding),
            dilation: i(w.dilation),
            out_channels: i(g.out_channels),
            out_h: i(w.out_h),
            out_w: i(w.out_w),
            first: i(first),
            images: i(images),
        }
    }
}

/// Rows of the patch matrix (all groups) and images per chunk.
fn chunking(g: &Conv2dGeometry) -> (usize, usize) {
    let rows = g.in_channels * g.window.kernel_h * g.window.kernel_w;
    let per_image = (rows * g.window.out_plane()).max(1);
    (rows, (PATCH_BUDGET / per_image).clamp(1, g.batch.max(1)))
}

/// The chunks of the batch: `(first image, images)`.
fn chunks(batch: usize, chunk: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..batch)
        .step_by(chunk)
        .map(move |first| (first, chunk.min(batch - first)))
}

fn kernel<E: CudaFloat>(
    dev: &Arc<CudaDevice>,
    name: &str,
) -> Result<cudarc::driver::CudaFunction, CudaError> {
    Ok(KERNELS.function(dev, &format!("{name}_{}", E::SUFFIX))?)
}

impl<E: CudaFloat> Conv2dKernel<E> for Cuda
where
    Cuda: Device<E>,
{
    fn conv2d_forward<Xs: Shape, Ws: Shape, Bs: Shape, Os: Shape, T: Tape<E, Self>>(
        geometry: Conv2dGeometry,
        x: Tensor<Xs, E, Self>,
        weight: Tensor<Ws, E, Self>,
        bias: Option<Tensor<Bs, E, Self>>,
        out_shape: Os,
        mut tape: T,
    ) -> Result<Tensor<Os, E, Self, T>, CudaError> {
        let cuda = x.device().clone();
        let xs = device_values(&x)?;
        let ws = device_values(&weight)?;
        let bs = bias.as_ref().map(device_values).transpose()?;
        let dev = cuda_device::<E>(&xs);
        let out = tensor_from_kernel(&cuda, out_shape, |out| {
            let bias = bs.as_ref().map(E::cuda_slice);
            let (xs, ws) = (E::cuda_slice(&xs), E::cuda_slice(&ws));
            forward(&cuda, &dev, &geometry, xs, ws, bias, E::cuda_slice_mut(out))
        })?;
        if T::OWNS_TAPE {
            let (x_ghost, w_ghost, out_ghost) = (x.ghost(), weight.ghost(), out.ghost());
            let b_ghost = bias.map(|b| b.ghost());
            tape.add_backward_op(move |grads| {
                let g = &geometry;
                match &b_ghost {
                    Some(b_ghost) => {
                        let [gx, gw, gb, go] =
                            grads_of!(grads, &x_ghost, &w_ghost, b_ghost, &out_ghost)?;
                        let (xs, ws) = (E::cuda_slice(&xs), E::cuda_slice(&ws));
                        let (gx, gw) = (E::cuda_slice_mut(gx), E::cuda_slice_mut(gw));
                        let (go, gb) = (E::cuda_slice(go), E::cuda_slice_mut(gb));
                        backward(&cuda, &dev, g, xs, ws, go, gx, gw, Some(gb))
                    }
                    None => {
                        let [gx, gw, go] = grads_of!(grads, &x_ghost, &w_ghost, &out_ghost)?;
                        let (xs, ws) = (E::cuda_slice(&xs), E::cuda_slice(&ws));
                        let (gx, gw) = (E::cuda_slice_mut(gx), E::cuda_slice_mut(gw));
                        backward(&cuda, &dev, g, xs, ws, E::cuda_slice(go), gx, gw, None)
                    }
                }
            });
        }
        Ok(out.put_tape(tape))
    }
}

fn forward<E: CudaFloat>(
    cuda: &Cuda,
    dev: &Arc<CudaDevice>,
    g: &Conv2dGeometry,
    x: &CudaSlice<E>,
    w: &CudaSlice<E>,
    bias: Option<&CudaSlice<E>>,
    out: &mut CudaSlice<E>,
) -> Result<(), CudaError>
where
    Cuda: Device<E>,
{
    if g.input_len() == 0 || g.output_len() == 0 {
        return Ok(());
    }
    let blas = blas_for(dev)?;
    let (plane, patch, group_out) = (g.window.out_plane(), g.patch_len(), g.group_out());
    let (rows, chunk) = chunking(g);
    let mut cols_buffer: DeviceBuffer<E> = scratch::<E>(cuda, rows * chunk * plane)?;
    let mut out_t_buffer: DeviceBuffer<E> = scratch::<E>(cuda, g.out_channels * chunk * plane)?;
    let (cols, out_t) = (
        E::cuda_slice_mut(&mut cols_buffer),
        E::cuda_slice_mut(&mut out_t_buffer),
    );
    for (first, images) in chunks(g.batch, chunk) {
        let args = ChunkGeometry::new(g, first, images);
        let ncols = images * plane;
        // SAFETY (all launches and products below): every buffer holds the elements its
        // kernel or product indexes, by construction from the same geometry.
        unsafe {
            kernel::<E>(dev, "im2col")?.launch(launch_for(rows * ncols), (args, x, &mut *cols))
        }?;
        for group in 0..g.groups {
            let w_g = w.slice(group * group_out * patch..(group + 1) * group_out * patch);
            let cols_g = cols.slice(group * patch * ncols..(group + 1) * patch * ncols);
            let mut out_g =
                out_t.slice_mut(group * group_out * ncols..(group + 1) * group_out * ncols);
            unsafe {
                matmul(
                    &blas,
                    (group_out, ncols, patch),
                    Operand::plain(&w_g),
                    Operand::plain(&cols_g),
                    E::default(),
                    &mut out_g,
                )
            }?;
        }
        let has_bias = i32::from(bias.is_some());
        let bias = bias.unwrap_or(x); // not read when `has_bias` is 0
        unsafe {
            kernel::<E>(dev, "scatter_output")?.launch(
                launch_for(g.out_channels * ncols),
                (args, &*out_t, bias, has_bias, &mut *out),
            )
        }?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn backward<E: CudaFloat>(
    cuda: &Cuda,
    dev: &Arc<CudaDevice>,
    g: &Conv2dGeometry,
    x: &CudaSlice<E>,
    w: &CudaSlice<E>,
    grad_out: &CudaSlice<E>,
    grad_x: &mut CudaSlice<E>,
    grad_w: &mut CudaSlice<E>,
    grad_b: Option<&mut CudaSlice<E>>,
) -> Result<(), CudaError>
where
    Cuda: Device<E>,
{
    if g.input_len() == 0 || g.output_len() == 0 {
        return Ok(());
    }
    if let Some(grad_b) = grad_b {
        let whole_batch = ChunkGeometry::new(g, 0, g.batch);
        let cfg = LaunchConfig {
            grid_dim: (g.out_channels as u32, 1, 1),
            block_dim: (BIAS_BLOCK, 1, 1),
            shared_mem_bytes: 0,
        };
        unsafe { kernel::<E>(dev, "bias_grad")?.launch(cfg, (whole_batch, grad_out, grad_b)) }?;
    }
    let blas = blas_for(dev)?;
    let (plane, patch, group_out) = (g.window.out_plane(), g.patch_len(), g.group_out());
    let (rows, chunk) = chunking(g);
    let mut buffers: [DeviceBuffer<E>; 3] = [
        scratch::<E>(cuda, rows * chunk * plane)?,
        scratch::<E>(cuda, rows * chunk * plane)?,
        scratch::<E>(cuda, g.out_channels * chunk * plane)?,
    ];
    let [cols, grad_cols, grad_out_t] = buffers.each_mut().map(E::cuda_slice_mut);
    for (first, images) in chunks(g.batch, chunk) {
        let args = ChunkGeometry::new(g, first, images);
        let ncols = images * plane;
        // SAFETY: as in `forward`.
        unsafe {
            kernel::<E>(dev, "im2col")?.launch(launch_for(rows * ncols), (args, x, &mut *cols))?;
            kernel::<E>(dev, "gather_grad_out")?.launch(
                launch_for(g.out_channels * ncols),
                (args, grad_out, &mut *grad_out_t),
            )?;
        }
        for group in 0..g.groups {
            let weights = group * group_out * patch..(group + 1) * group_out * patch;
            let patches = group * patch * ncols..(group + 1) * patch * ncols;
            let go_g = grad_out_t.slice(group * group_out * ncols..(group + 1) * group_out * ncols);
            // dW_g += dOut_g (O/G x cols) * patches_g^T (cols x patch)
            let cols_g = cols.slice(patches.clone());
            let mut gw_g = grad_w.slice_mut(weights.clone());
            unsafe {
                matmul(
                    &blas,
                    (group_out, patch, ncols),
                    Operand::plain(&go_g),
                    Operand::transposed(&cols_g),
                    E::ONE,
                    &mut gw_g,
                )
            }?;
            // dPatches_g = W_g^T (patch x O/G) * dOut_g (O/G x cols)
            let w_g = w.slice(weights);
            let mut gc_g = grad_cols.slice_mut(patches);
            unsafe {
                matmul(
                    &blas,
                    (patch, ncols, group_out),
                    Operand::transposed(&w_g),
                    Operand::plain(&go_g),
                    E::default(),
                    &mut gc_g,
                )
            }?;
        }
        unsafe {
            kernel::<E>(dev, "col2im")?.launch(
                launch_for(images * g.input_len()),
                (args, &*grad_cols, &mut *grad_x),
            )
        }?;
    }
    Ok(())
}
