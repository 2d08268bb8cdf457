//! Convolution on the CPU: im2col + `gemm`, in parallel over the batch.
//!
//! Per image and group, the patches under every output position are unrolled into the columns
//! of a `(C/G * KH * KW) x (OH * OW)` matrix, so the convolution is one matrix product with the
//! `(O/G) x (C/G * KH * KW)` weight. Each thread reuses one column buffer for all its images.
//! Convolutions with few output channels skip the patch matrix in both passes
//! ([`shifted_taps`]).

use dfdx::shapes::Shape;
use std::ops::DerefMut;

use dfdx::tensor::{Cpu, CpuError, PutTape, Storage, Tape, Tensor, TensorFromVec};
use dfdx::tensor_ops::Device;
use rayon::prelude::*;

use super::shifted_taps::{self, ShiftedTaps, ShiftedTapsGrad};
use super::strided::{add_to_every_nth, every_nth};
use super::{Conv2dGeometry, Conv2dKernel};
use crate::ops::gemm::{matmul, MatRef, Parallelism};
use crate::ops::grads::grads_of;
use crate::ops::host::{to_host, zeroed};
use crate::ops::window::Window2d;
use crate::ops::CpuFloat;

impl<E: CpuFloat> Conv2dKernel<E> for Cpu
where
    Cpu: Device<E>,
    // Lets the backward pass see gradient buffers as slices (dfdx's CPU buffer derefs to Vec).
    <Cpu as Storage<E>>::Vec: DerefMut<Target = Vec<E>>,
{
    fn conv2d_forward<Xs: Shape, Ws: Shape, Bs: Shape, Os: Shape, T: Tape<E, Self>>(
        geometry: Conv2dGeometry,
        x: Tensor<Xs, E, Self>,
        weight: Tensor<Ws, E, Self>,
        bias: Option<Tensor<Bs, E, Self>>,
        out_shape: Os,
        mut tape: T,
    ) -> Result<Tensor<Os, E, Self, T>, CpuError> {
        let xs = to_host(&x)?;
        let ws = to_host(&weight)?;
        let bs = bias.as_ref().map(to_host).transpose()?;
        let mut out = zeroed(geometry.batch * geometry.output_len());
        forward(&geometry, &xs, &ws, bs.as_deref(), &mut out);
        let out = x.device().try_tensor_from_vec(out, out_shape)?;
        if T::OWNS_TAPE {
            let (x_ghost, w_ghost, out_ghost) = (x.ghost(), weight.ghost(), out.ghost());
            let b_ghost = bias.map(|b| b.ghost());
            tape.add_backward_op(move |grads| {
                let g = &geometry;
                match &b_ghost {
                    Some(b_ghost) => {
                        let [gx, gw, gb, go] =
                            grads_of!(grads, &x_ghost, &w_ghost, b_ghost, &out_ghost)?;
                        backward(g, &xs, &ws, go, gx, gw, Some(&mut gb[..]));
                    }
                    None => {
                        let [gx, gw, go] = grads_of!(grads, &x_ghost, &w_ghost, &out_ghost)?;
                        backward(g, &xs, &ws, go, gx, gw, None);
                    }
                }
                Ok(())
            });
        }
        Ok(out.put_tape(tape))
    }
}

/// How to spend the cores: over the batch when it is large enough, else inside `gemm`.
fn batch_parallel(batch: usize) -> (bool, Parallelism) {
    let threads = rayon::current_num_threads();
    if threads > 1 && batch >= threads {
        (true, Parallelism::None)
    } else if threads > 1 {
        (false, Parallelism::Rayon(threads))
    } else {
        (false, Parallelism::None)
    }
}

pub(crate) fn forward<E: CpuFloat>(
    g: &Conv2dGeometry,
    x: &[E],
    w: &[E],
    bias: Option<&[E]>,
    out: &mut [E],
) {
    let (in_len, out_len) = (g.input_len(), g.output_len());
    if in_len == 0 || out_len == 0 {
        return;
    }
    let scratch = || ForwardScratch::new(g);
    let (parallel, gemm_par) = batch_parallel(g.batch);
    let item = |(x_b, out_b): (&[E], &mut [E]), scratch: &mut ForwardScratch<E>| {
        forward_item(g, x_b, w, bias, out_b, scratch, gemm_par)
    };
    if parallel {
        x.par_chunks(in_len)
            .zip(out.par_chunks_mut(out_len))
            .for_each_init(scratch, |s, pair| item(pair, s));
    } else {
        let mut s = scratch();
        for pair in x.chunks(in_len).zip(out.chunks_mut(out_len)) {
            item(pair, &mut s);
        }
    }
}

/// A thread's buffers for the forward pass, by method: the patch matrix of im2col, or the
/// padded image and wide output of [`shifted_taps`].
enum ForwardScratch<E> {
    PatchMatrix(Vec<E>),
    ShiftedTaps(ShiftedTaps<E>),
}

/// Whether a convolution runs by [`shifted_taps`] (forward and backward) instead of im2col.
fn by_shifted_taps(g: &Conv2dGeometry) -> bool {
    shifted_taps::suits(&g.window, g.group_in(), g.group_out())
}

/// The patch matrix's length; none for 1x1 unpadded convolutions, whose image is the matrix.
fn patch_matrix_len(g: &Conv2dGeometry) -> usize {
    if g.is_pointwise() {
        0
    } else {
        g.patch_len() * g.window.out_plane()
    }
}

impl<E: CpuFloat> ForwardScratch<E> {
    fn new(g: &Conv2dGeometry) -> Self {
        if by_shifted_taps(g) {
            Self::shifted_taps(g)
        } else {
            Self::patch_matrix(g)
        }
    }

    fn patch_matrix(g: &Conv2dGeometry) -> Self {
        ForwardScratch::PatchMatrix(vec![E::zero(); patch_matrix_len(g)])
    }

    fn shifted_taps(g: &Conv2dGeometry) -> Self {
        ForwardScratch::ShiftedTaps(ShiftedTaps::new(&g.window, g.group_in(), g.group_out()))
    }
}

fn forward_item<E: CpuFloat>(
    g: &Conv2dGeometry,
    x: &[E],
    w: &[E],
    bias: Option<&[E]>,
    out: &mut [E],
    scratch: &mut ForwardScratch<E>,
    par: Parallelism,
) {
    let (plane, patch, group_out) = (g.window.out_plane(), g.patch_len(), g.group_out());
    let group_in_len = g.group_in() * g.window.in_plane();
    if let (Some(bias), ForwardScratch::PatchMatrix(_)) = (bias, &scratch) {
        for (row, &b) in out.chunks_mut(plane).zip(bias) {
            row.fill(b);
        }
    }
    for group in 0..g.groups {
        let x_g = &x[group * group_in_len..][..group_in_len];
        let w_g = &w[group * group_out * patch..][..group_out * patch];
        let out_g = &mut out[group * group_out * plane..][..group_out * plane];
        let cols: &[E] = match scratch {
            ForwardScratch::ShiftedTaps(taps) => {
                let bias_g = bias.map(|b| &b[group * group_out..][..group_out]);
                taps.forward(&g.window, x_g, w_g, bias_g, out_g, par);
                continue;
            }
            ForwardScratch::PatchMatrix(_) if g.is_pointwise() => x_g,
            ForwardScratch::PatchMatrix(cols) => {
                im2col(&g.window, g.group_in(), x_g, cols);
                cols
            }
        };
        matmul(
            group_out,
            plane,
            patch,
            out_g,
            bias.is_some(),
            MatRef::row_major(w_g, patch),
            MatRef::row_major(cols, plane),
            par,
        );
    }
}

/// Per-thread buffers of the backward pass: its share of the weight and bias gradients, and
/// the buffers its method reuses for every image.
struct BackwardScratch<E> {
    /// The weight gradient, each group's block transposed: `(patch x O/G)`.
    grad_w_t: Vec<E>,
    grad_b: Vec<E>,
    method: BackwardMethod<E>,
}

/// How a thread computes the input and weight gradients: from the patch matrix and its
/// gradient (folded back by col2im), or by [`shifted_taps`].
enum BackwardMethod<E> {
    PatchMatrix { cols: Vec<E>, grad_cols: Vec<E> },
    ShiftedTaps(ShiftedTapsGrad<E>),
}

impl<E: CpuFloat> BackwardMethod<E> {
    fn new(g: &Conv2dGeometry) -> Self {
        if by_shifted_taps(g) {
            Self::shifted_taps(g)
        } else {
            Self::patch_matrix(g)
        }
    }

    fn patch_matrix(g: &Conv2dGeometry) -> Self {
        Self::PatchMatrix {
            cols: vec![E::zero(); patch_matrix_len(g)],
            grad_cols: vec![E::zero(); patch_matrix_len(g)],
        }
    }

    fn shifted_taps(g: &Conv2dGeometry) -> Self {
        Self::ShiftedTaps(ShiftedTapsGrad::new(&g.window, g.group_in(), g.group_out()))
    }
}

impl<E: CpuFloat> BackwardScratch<E> {
    fn new(g: &Conv2dGeometry, weight_len: usize, method: BackwardMethod<E>) -> Self {
        Self {
            grad_w_t: vec![E::zero(); weight_len],
            grad_b: vec![E::zero(); g.out_channels],
            method,
        }
    }

    fn merge(mut self, other: Self) -> Self {
        add_assign(&mut self.grad_w_t, &other.grad_w_t);
        add_assign(&mut self.grad_b, &other.grad_b);
        self
    }
}

/// `dst (rows x cols, row-major) += src^T`, `src` being `cols x rows`, row-major.
fn add_transposed<E: CpuFloat>(dst: &mut [E], src: &[E], cols: usize) {
    let rows = dst.len() / cols;
    for (r, row) in dst.chunks_mut(cols).enumerate() {
        for (c, d) in row.iter_mut().enumerate() {
            *d += src[c * rows + r];
        }
    }
}

fn add_assign<E: CpuFloat>(dst: &mut [E], src: &[E]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d += s;
    }
}

/// Adds the gradients of `x`, `w` and (if present) the bias, given the output's gradient.
pub(crate) fn backward<E: CpuFloat>(
    g: &Conv2dGeometry,
    x: &[E],
    w: &[E],
    grad_out: &[E],
    grad_x: &mut [E],
    grad_w: &mut [E],
    grad_b: Option<&mut [E]>,
) {
    let (in_len, out_len) = (g.input_len(), g.output_len());
    if in_len == 0 || out_len == 0 {
        return;
    }
    let (parallel, gemm_par) = batch_parallel(g.batch);
    let item = |s: &mut BackwardScratch<E>, ((x_b, go_b), gx_b): ((&[E], &[E]), &mut [E])| {
        backward_item(g, x_b, w, go_b, gx_b, s, gemm_par)
    };
    let total = if parallel {
        // One contiguous run of images per thread, partial sums merged in batch order: the
        // same result on every run (rayon's `fold` groups items by work-stealing, so summing
        // its partials would change the last bits from run to run and break exact resumes).
        let per_chunk = g.batch.div_ceil(rayon::current_num_threads());
        x.par_chunks(per_chunk * in_len)
            .zip(grad_out.par_chunks(per_chunk * out_len))
            .zip(grad_x.par_chunks_mut(per_chunk * in_len))
            .map(|((xs, gos), gxs)| {
                let mut s = BackwardScratch::new(g, w.len(), BackwardMethod::new(g));
                for item_args in xs
                    .chunks(in_len)
                    .zip(gos.chunks(out_len))
                    .zip(gxs.chunks_mut(in_len))
                {
                    item(&mut s, item_args);
                }
                s
            })
            .collect::<Vec<_>>()
            .into_iter()
            .reduce(BackwardScratch::merge)
    } else {
        let mut s = BackwardScratch::new(g, w.len(), BackwardMethod::new(g));
        for item_args in x
            .chunks(in_len)
            .zip(grad_out.chunks(out_len))
            .zip(grad_x.chunks_mut(in_len))
        {
            item(&mut s, item_args);
        }
        Some(s)
    };
    if let Some(total) = total {
        let block = g.group_out() * g.patch_len();
        for (gw_g, gw_t_g) in grad_w.chunks_mut(block).zip(total.grad_w_t.chunks(block)) {
            add_transposed(gw_g, gw_t_g, g.patch_len());
        }
        if let Some(grad_b) = grad_b {
            add_assign(grad_b, &total.grad_b);
        }
    }
}

fn backward_item<E: CpuFloat>(
    g: &Conv2dGeometry,
    x: &[E],
    w: &[E],
    grad_out: &[E],
    grad_x: &mut [E],
    s: &mut BackwardScratch<E>,
    par: Parallelism,
) {
    let (plane, patch, group_out) = (g.window.out_plane(), g.patch_len(), g.group_out());
    let group_in_len = g.group_in() * g.window.in_plane();
    for (o, row) in grad_out.chunks(plane).enumerate() {
        s.grad_b[o] += sum(row);
    }
    for group in 0..g.groups {
        let x_g = &x[group * group_in_len..][..group_in_len];
        let go_g = &grad_out[group * group_out * plane..][..group_out * plane];
        let w_g = &w[group * group_out * patch..][..group_out * patch];
        let gw_t_g = &mut s.grad_w_t[group * group_out * patch..][..group_out * patch];
        let gx_g = &mut grad_x[group * group_in_len..][..group_in_len];
        let (cols, grad_cols) = match &mut s.method {
            BackwardMethod::ShiftedTaps(taps) => {
                taps.backward(&g.window, x_g, w_g, go_g, gx_g, gw_t_g, par);
                continue;
            }
            BackwardMethod::PatchMatrix { cols, grad_cols } => (cols, grad_cols),
        };
        let cols: &[E] = if g.is_pointwise() {
            x_g
        } else {
            im2col(&g.window, g.group_in(), x_g, cols);
            cols
        };
        // dW_g^T += cols (patch x OHW) * dOut_g^T (OHW x O/G). Transposed because gemm copies
        // one operand into panels first: this way dOut, not the patch matrix, which is
        // C*KH*KW/O times larger (the copy was a sixth of a small ResNet's training step).
        matmul(
            patch,
            group_out,
            plane,
            gw_t_g,
            true,
            MatRef::row_major(cols, plane),
            MatRef::transposed(go_g, plane),
            par,
        );
        // dCols = W_g^T (patch x O/G) * dOut_g (O/G x OHW), folded back onto the image.
        let w_t = MatRef::transposed(w_g, patch);
        let go = MatRef::row_major(go_g, plane);
        if g.is_pointwise() {
            matmul(patch, plane, group_out, gx_g, true, w_t, go, par);
        } else {
            matmul(patch, plane, group_out, grad_cols, false, w_t, go, par);
            col2im(&g.window, g.group_in(), grad_cols, gx_g);
        }
    }
}

/// Unrolls `channels` image planes into the `(channels * KH * KW) x (OH * OW)` patch matrix;
/// positions in the padding read zero.
pub(crate) fn im2col<E: CpuFloat>(win: &Window2d, channels: usize, image: &[E], cols: &mut [E]) {
    let (out_w, plane) = (win.out_w, win.out_plane());
    let mut rows = cols.chunks_mut(plane);
    for c in 0..channels {
        let src_plane = &image[c * win.in_plane()..][..win.in_plane()];
        for ki in 0..win.kernel_h {
            for kj in 0..win.kernel_w {
                let row = rows.next().expect("cols has one row per (channel, ki, kj)");
                let (lo, hi) = win.valid_columns(kj);
                for (oh, dst) in row.chunks_mut(out_w).enumerate() {
                    let Some(ih) = win.source(oh, ki, win.in_h) else {
                        dst.fill(E::zero());
                        continue;
                    };
                    let src = &src_plane[ih * win.in_w..][..win.in_w];
                    dst[..lo].fill(E::zero());
                    dst[hi..].fill(E::zero());
                    if lo < hi {
                        let first = lo * win.stride + kj * win.dilation - win.padding;
                        let last = first + (hi - lo - 1) * win.stride;
                        every_nth(win.stride, &src[first..=last], &mut dst[lo..hi]);
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: adds every patch-matrix entry back onto the image pixel it came
/// from (padding positions are dropped).
pub(crate) fn col2im<E: CpuFloat>(win: &Window2d, channels: usize, cols: &[E], image: &mut [E]) {
    let (out_w, plane) = (win.out_w, win.out_plane());
    let mut rows = cols.chunks(plane);
    for c in 0..channels {
        let dst_plane = &mut image[c * win.in_plane()..][..win.in_plane()];
        for ki in 0..win.kernel_h {
            for kj in 0..win.kernel_w {
                let row = rows.next().expect("cols has one row per (channel, ki, kj)");
                let (lo, hi) = win.valid_columns(kj);
                if lo >= hi {
                    continue;
                }
                for (oh, src) in row.chunks(out_w).enumerate() {
                    let Some(ih) = win.source(oh, ki, win.in_h) else {
                        continue;
                    };
                    let dst = &mut dst_plane[ih * win.in_w..][..win.in_w];
                    let first = lo * win.stride + kj * win.dilation - win.padding;
                    let last = first + (hi - lo - 1) * win.stride;
                    add_to_every_nth(win.stride, &src[lo..hi], &mut dst[first..=last]);
                }
            }
        }
    }
}

/// The sum of `values` in eight interleaved running sums, so the adds vectorise (one running sum
/// is a chain of dependent adds); the order is fixed, so the result is the same on every run.
fn sum<E: CpuFloat>(values: &[E]) -> E {
    const LANES: usize = 8;
    let mut lanes = [E::zero(); LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    let tail = chunks.remainder().iter().fold(E::zero(), |acc, &v| acc + v);
    lanes.iter().fold(tail, |acc, &v| acc + v)
}

#[cfg(test)]
mod tests {
    use super::{
        add_transposed, backward_item, forward_item, sum, BackwardMethod, BackwardScratch,
        Conv2dGeometry, ForwardScratch, Parallelism,
    };

    /// Small integers, so that every sum the convolution takes is exact in f32 whatever the
    /// order of adding: the two methods must then agree bit for bit.
    fn small_ints(len: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                // PCG's constants: a full-period sequence with no short repeats.
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) % 7) as f32 - 3.0
            })
            .collect()
    }

    /// Convolutions of a batch of two: channels 1-8, groups 1-3, kernel sizes 1, 2, 3, 5 with
    /// strides 1-3, paddings 0-2 and dilations 1-2, on two image sizes (those the kernel fits;
    /// odd sizes, so that a stride's phases differ in size).
    fn windows() -> Vec<Conv2dGeometry> {
        let mut windows = Vec::new();
        for (channels, out_channels, groups) in [(1, 1, 1), (3, 5, 1), (8, 4, 2), (6, 6, 3)] {
            for kernel in [1, 2, 3, 5] {
                for stride in 1..=3 {
                    for (padding, dilation) in (0..3).flat_map(|p| [(p, 1), (p, 2)]) {
                        for (h, w) in [(4, 7), (9, 5)] {
                            windows.extend(
                                Conv2dGeometry::new(
                                    (2, channels, h, w),
                                    (out_channels, channels / groups, kernel, kernel),
                                    stride,
                                    padding,
                                    dilation,
                                    groups,
                                )
                                .ok(),
                            );
                        }
                    }
                }
            }
        }
        for stride in 1..=3 {
            let count = windows.iter().filter(|g| g.window.stride == stride).count();
            assert!(count >= 150, "only {count} windows of stride {stride} fit");
        }
        windows
    }

    /// Every image of the batch through `forward_item`, with one method's buffers.
    fn forward_with(
        g: &Conv2dGeometry,
        (x, weight, bias): (&[f32], &[f32], Option<&[f32]>),
        mut scratch: ForwardScratch<f32>,
    ) -> Vec<f32> {
        // NaN shows any output a method leaves unwritten.
        let mut out = vec![f32::NAN; g.batch * g.output_len()];
        for (x_b, out_b) in x.chunks(g.input_len()).zip(out.chunks_mut(g.output_len())) {
            forward_item(g, x_b, weight, bias, out_b, &mut scratch, Parallelism::None);
        }
        out
    }

    #[test]
    fn shifted_taps_equal_the_patch_matrix_on_every_window() {
        for g in windows() {
            let x = small_ints(g.batch * g.input_len(), 1);
            let weight = small_ints(g.out_channels * g.patch_len(), 2);
            let b = small_ints(g.out_channels, 3);
            for bias in [None, Some(&b[..])] {
                let inputs = (&x[..], &weight[..], bias);
                let shifted = forward_with(&g, inputs, ForwardScratch::shifted_taps(&g));
                let patches = forward_with(&g, inputs, ForwardScratch::patch_matrix(&g));
                assert_eq!(shifted, patches, "{g:?}, bias {}", bias.is_some());
            }
        }
    }

    /// Every image of the batch through `backward_item`, with one method's buffers: the input
    /// gradient (added to `grad_x`), the weight gradient (transposed) and the bias gradient.
    fn backward_with(
        g: &Conv2dGeometry,
        (x, weight, grad_out): (&[f32], &[f32], &[f32]),
        mut grad_x: Vec<f32>,
        method: BackwardMethod<f32>,
    ) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let mut s = BackwardScratch::new(g, weight.len(), method);
        for ((x_b, go_b), gx_b) in x
            .chunks(g.input_len())
            .zip(grad_out.chunks(g.output_len()))
            .zip(grad_x.chunks_mut(g.input_len()))
        {
            backward_item(g, x_b, weight, go_b, gx_b, &mut s, Parallelism::None);
        }
        (grad_x, s.grad_w_t, s.grad_b)
    }

    #[test]
    fn shifted_taps_gradients_equal_the_patch_matrix_on_every_window() {
        for g in windows() {
            let x = small_ints(g.batch * g.input_len(), 1);
            let weight = small_ints(g.out_channels * g.patch_len(), 2);
            let grad_out = small_ints(g.batch * g.output_len(), 3);
            // Not zero, so a method that overwrites the input gradient instead of adding shows.
            let grad_x = small_ints(g.batch * g.input_len(), 4);
            let inputs = (&x[..], &weight[..], &grad_out[..]);
            let shifted =
                backward_with(&g, inputs, grad_x.clone(), BackwardMethod::shifted_taps(&g));
            let patches = backward_with(&g, inputs, grad_x, BackwardMethod::patch_matrix(&g));
            assert_eq!(shifted.0, patches.0, "input gradient, {g:?}");
            assert_eq!(shifted.1, patches.1, "weight gradient, {g:?}");
            assert_eq!(shifted.2, patches.2, "bias gradient, {g:?}");
        }
    }

    #[test]
    fn adds_the_transpose() {
        // [1 1 1; 1 1 1] + [1 2; 3 4; 5 6]^T = [2 4 6; 3 5 7]
        let mut dst = [1.0f32; 6];
        add_transposed(&mut dst, &[1., 2., 3., 4., 5., 6.], 3);
        assert_eq!(dst, [2., 4., 6., 3., 5., 7.]);
    }

    #[test]
    fn lane_sum_adds_every_value_at_every_length() {
        // Small integers: every order of adding them gives the exact total n(n+1)/2.
        for n in 0..40usize {
            let values: Vec<f32> = (1..=n).map(|v| v as f32).collect();
            assert_eq!(sum(&values), (n * (n + 1) / 2) as f32, "length {n}");
        }
    }
}
