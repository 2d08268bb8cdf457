//! Convolution without a patch matrix: one matrix product per kernel tap.
//!
//! Pad the image once into a `HP x WP` plane per channel and compute the output `WP` wide
//! instead of `OW` (the last `WP - OW` columns of each output row are wrong and dropped). Then
//! kernel tap `(ki, kj)` of every output pixel reads the padded plane at one fixed offset,
//! `ki * D * WP + kj * D`, so its input is a slice of the padded image, not a copy:
//!
//! `wide (O x OH*WP) = sum over taps of W_tap (O x C) * padded[offset..] (C x OH*WP)`.
//!
//! im2col writes a `C*KH*KW x OH*OW` patch matrix (nine times the image for a 3x3 kernel)
//! and the product reads it back; here the image is copied once and each product reads it
//! where it lies. The price is `WP / OW` times the arithmetic (34/32 for a 3x3 kernel on a
//! 32-wide image) and `KH*KW` passes over the (small, cache-resident) wide output.
//!
//! The backward pass runs the same products the other way round, with the output gradient
//! copied `WP` wide and its extra columns zero (so they add nothing):
//! `dW_tap^T (C x O) += padded[offset..] (C x OH*WP) * dOut_wide^T` and
//! `dPadded[offset..] (C x OH*WP) += W_tap^T (C x O) * dOut_wide`, then the padding is cut off.
//!
//! Stride `S` first splits the padded image into `S x S` phases, phase `(a, b)` holding the
//! pixels whose row is `a` and column `b` modulo `S`: output pixel `(oh, ow)` reads padded pixel
//! `(oh*S + ki*D, ow*S + kj*D)`, which is pixel `(oh + ki*D/S, ow + kj*D/S)` of phase
//! `(ki*D % S, kj*D % S)`, a fixed offset again. Everything above then holds with a phase's
//! width `ceil(WP / S)` in place of `WP` (see [`Wide`]).

use std::ops::Range;

use super::strided::{add_to_every_nth, every_nth};
use crate::ops::gemm::{matmul, matmul_strided, MatRef, Parallelism};
use crate::ops::window::Window2d;
use crate::ops::CpuFloat;

/// Whether a convolution suits this method (measured: see the README's Performance section):
/// more than one tap (a 1x1 kernel's patch matrix is the image, or nearly), input channels
/// enough for each tap's product to be more than its pass over the output, and little
/// arithmetic spent on dropped columns.
pub(crate) fn suits(win: &Window2d, group_in: usize, group_out: usize) -> bool {
    let width = (win.in_w + 2 * win.padding).div_ceil(win.stride);
    win.kernel_h * win.kernel_w > 1
        && group_in >= MIN_CHANNELS
        && group_out <= MAX_OUT_CHANNELS
        && win.out_w * 4 >= width * 3
}

/// Above this many output channels per group, im2col's copies are a small share next to its
/// product, and one product over all the taps beats a product per tap.
const MAX_OUT_CHANNELS: usize = 32;

/// Below this many input channels per group, a tap's product (`C` multiply-adds per output
/// value) is too short to pay for its pass over the output.
const MIN_CHANNELS: usize = 8;

/// One thread's buffers, reused for every image: the zero-padded image (its phases), the wide
/// output, and where the image's rows go.
pub(crate) struct ShiftedTaps<E> {
    padded: Vec<E>,
    wide: Vec<E>,
    runs: RowRuns,
}

impl<E: CpuFloat> ShiftedTaps<E> {
    pub fn new(win: &Window2d, group_in: usize, group_out: usize) -> Self {
        let wide = Wide::of(win, group_in);
        Self {
            // Zero once: the borders are never written again, so they stay the padding.
            padded: vec![E::zero(); wide.padded_len()],
            wide: vec![E::zero(); group_out * wide.len],
            runs: RowRuns::of(win, &wide, group_in),
        }
    }

    /// `out (O x OH*OW) = conv(image (C planes), weight (O x C*KH*KW)) [+ bias]` for one image
    /// and group.
    pub fn forward(
        &mut self,
        win: &Window2d,
        image: &[E],
        weight: &[E],
        bias: Option<&[E]>,
        out: &mut [E],
        par: Parallelism,
    ) {
        let taps = win.kernel_h * win.kernel_w;
        let channels = image.len() / win.in_plane();
        let wide = Wide::of(win, channels);
        let out_channels = weight.len() / (channels * taps);
        self.runs.pad(image, &mut self.padded);
        for ki in 0..win.kernel_h {
            for kj in 0..win.kernel_w {
                let (tap, offset) = (ki * win.kernel_w + kj, wide.offset(win, ki, kj));
                matmul(
                    out_channels,
                    wide.len,
                    channels,
                    &mut self.wide,
                    tap > 0,
                    MatRef {
                        data: &weight[tap..],
                        row_stride: channels * taps,
                        col_stride: taps,
                    },
                    // Channel c's shifted plane, read as row c.
                    MatRef {
                        data: &self.padded[offset..],
                        row_stride: wide.plane,
                        col_stride: 1,
                    },
                    par,
                );
            }
        }
        let plane = win.out_plane();
        for (o, (dst, wide_out)) in out
            .chunks_mut(plane)
            .zip(self.wide.chunks(wide.len))
            .enumerate()
        {
            let b = bias.map_or(E::zero(), |bias| bias[o]);
            for (dst_row, wide_row) in dst.chunks_mut(win.out_w).zip(wide_out.chunks(wide.width)) {
                for (d, &v) in dst_row.iter_mut().zip(wide_row) {
                    *d = v + b;
                }
            }
        }
    }
}

/// One thread's buffers for the backward pass, reused for every image: the zero-padded
/// image, the output gradient `WP` wide (its extra columns stay zero), the padded image's
/// gradient, and where the image's rows go.
pub(crate) struct ShiftedTapsGrad<E> {
    padded: Vec<E>,
    grad_wide: Vec<E>,
    grad_padded: Vec<E>,
    runs: RowRuns,
}

impl<E: CpuFloat> ShiftedTapsGrad<E> {
    pub fn new(win: &Window2d, group_in: usize, group_out: usize) -> Self {
        let wide = Wide::of(win, group_in);
        Self {
            padded: vec![E::zero(); wide.padded_len()],
            grad_wide: vec![E::zero(); group_out * wide.len],
            grad_padded: vec![E::zero(); wide.padded_len()],
            runs: RowRuns::of(win, &wide, group_in),
        }
    }

    /// Adds one image's (one group's) gradients, given its output's: `grad_image` (C planes)
    /// and `grad_w_t`, the weight gradient transposed (`C*KH*KW x O`, as the patch-matrix
    /// path keeps it). The bias gradient does not depend on the method.
    #[allow(clippy::too_many_arguments)] // the forward's operands, their gradients, threads
    pub fn backward(
        &mut self,
        win: &Window2d,
        image: &[E],
        weight: &[E],
        grad_out: &[E],
        grad_image: &mut [E],
        grad_w_t: &mut [E],
        par: Parallelism,
    ) {
        let taps = win.kernel_h * win.kernel_w;
        let channels = image.len() / win.in_plane();
        let wide = Wide::of(win, channels);
        let out_channels = weight.len() / (channels * taps);
        self.runs.pad(image, &mut self.padded);
        for (src, dst) in grad_out
            .chunks(win.out_w)
            .zip(self.grad_wide.chunks_mut(wide.width))
        {
            dst[..win.out_w].copy_from_slice(src);
        }
        self.grad_padded.fill(E::zero());
        let grad_wide = MatRef::row_major(&self.grad_wide, wide.len);
        for ki in 0..win.kernel_h {
            for kj in 0..win.kernel_w {
                let (tap, offset) = (ki * win.kernel_w + kj, wide.offset(win, ki, kj));
                // Rows `c * KH*KW + tap` of dW^T.
                matmul_strided(
                    channels,
                    out_channels,
                    wide.len,
                    &mut grad_w_t[tap * out_channels..],
                    taps * out_channels,
                    true,
                    MatRef {
                        data: &self.padded[offset..],
                        row_stride: wide.plane,
                        col_stride: 1,
                    },
                    MatRef::transposed(&self.grad_wide, wide.len),
                    par,
                );
                // W_tap^T: element (c, o) is weight[o * C*KH*KW + c * KH*KW + tap].
                matmul_strided(
                    channels,
                    wide.len,
                    out_channels,
                    &mut self.grad_padded[offset..],
                    wide.plane,
                    true,
                    MatRef {
                        data: &weight[tap..],
                        row_stride: taps,
                        col_stride: channels * taps,
                    },
                    grad_wide,
                    par,
                );
            }
        }
        self.runs.unpad_add(&self.grad_padded, grad_image);
    }
}

/// The padded image's layout and the wide output's size, which both passes share: `S x S`
/// phases one after the other, each all channels' planes, padded pixel `(y, x)` at `(y / S,
/// x / S)` of phase `(y % S, x % S)` (at stride 1, one phase: the padded image itself).
struct Wide {
    stride: usize,
    /// A phase's width `ceil(WP / S)`, which is also the wide output's.
    width: usize,
    /// One channel of a phase, `ceil(HP / S) x width`.
    plane: usize,
    /// One phase: every channel's plane.
    phase: usize,
    /// One wide output channel, `OH x width`.
    len: usize,
    /// The last phase's last channel's widest tap reads this many values past its plane
    /// (into columns that are dropped, or multiplied by zero); they must exist.
    slack: usize,
}

impl Wide {
    fn of(win: &Window2d, channels: usize) -> Self {
        let s = win.stride;
        let width = (win.in_w + 2 * win.padding).div_ceil(s);
        let plane = (win.in_h + 2 * win.padding).div_ceil(s) * width;
        Self {
            stride: s,
            width,
            plane,
            phase: channels * plane,
            len: win.out_h * width,
            slack: (win.kernel_w - 1) * win.dilation / s,
        }
    }

    /// The length of the phases' buffer.
    fn padded_len(&self) -> usize {
        self.stride * self.stride * self.phase + self.slack
    }

    /// Where padded pixel `(y, x)` of `channel` lies in the phases.
    fn at(&self, channel: usize, y: usize, x: usize) -> usize {
        let s = self.stride;
        ((y % s) * s + x % s) * self.phase + channel * self.plane + (y / s) * self.width + x / s
    }

    /// Where tap `(ki, kj)` of output pixel 0 reads the phases.
    fn offset(&self, win: &Window2d, ki: usize, kj: usize) -> usize {
        self.at(0, ki * win.dilation, kj * win.dilation)
    }
}

/// Where each image row's pixels go in the phases, a run per phase the row lands in: `(the
/// row's pixels from the run's first on, where the run starts)`. Pixels `0, S, 2S, ..` of that
/// range lie one after the other there. The same for every image, so listed once per thread.
struct RowRuns {
    stride: usize,
    runs: Vec<(Range<usize>, usize)>,
}

impl RowRuns {
    fn of(win: &Window2d, wide: &Wide, channels: usize) -> Self {
        let (s, p) = (win.stride, win.padding);
        // Columns `first, first + S, ..` of a row land in one phase, side by side; the first
        // S columns start a run each.
        let firsts = 0..s.min(win.in_w);
        let mut runs = Vec::with_capacity(channels * win.in_h * firsts.len());
        for c in 0..channels {
            for ih in 0..win.in_h {
                let image_row = (c * win.in_h + ih) * win.in_w;
                runs.extend(firsts.clone().map(|first| {
                    let pixels = image_row + first..image_row + win.in_w;
                    (pixels, wide.at(c, ih + p, first + p))
                }));
            }
        }
        Self { stride: s, runs }
    }

    /// Copies the image's channels into their places in the phases, whose borders stay zero.
    fn pad<E: CpuFloat>(&self, image: &[E], phases: &mut [E]) {
        for (pixels, at) in &self.runs {
            every_nth(self.stride, &image[pixels.clone()], &mut phases[*at..]);
        }
    }

    /// The adjoint of [`RowRuns::pad`]: adds each image pixel's value in the phases onto
    /// `grad_image` (the padding's are dropped).
    fn unpad_add<E: CpuFloat>(&self, phases: &[E], grad_image: &mut [E]) {
        for (pixels, at) in &self.runs {
            add_to_every_nth(self.stride, &phases[*at..], &mut grad_image[pixels.clone()]);
        }
    }
}
