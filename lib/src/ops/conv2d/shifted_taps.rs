//! Stride-1 convolution without a patch matrix: one matrix product per kernel tap.
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

use crate::ops::gemm::{matmul, MatRef, Parallelism};
use crate::ops::window::Window2d;
use crate::ops::CpuFloat;

/// Whether a convolution suits this method (measured: see the README's Performance section):
/// stride 1, more than one tap (a 1x1 kernel's patch matrix is the image, or nearly), input
/// channels enough for each tap's product to be more than its pass over the output, and little
/// arithmetic spent on dropped columns.
pub(crate) fn suits(win: &Window2d, group_in: usize, group_out: usize) -> bool {
    let wide_w = win.in_w + 2 * win.padding;
    win.stride == 1
        && win.kernel_h * win.kernel_w > 1
        && group_in >= MIN_CHANNELS
        && group_out <= MAX_OUT_CHANNELS
        && win.out_w * 4 >= wide_w * 3
}

/// Above this many output channels per group, im2col's copies are a small share next to its
/// product, and one product over all the taps beats a product per tap.
const MAX_OUT_CHANNELS: usize = 32;

/// Below this many input channels per group, a tap's product (`C` multiply-adds per output
/// value) is too short to pay for its pass over the output.
const MIN_CHANNELS: usize = 8;

/// One thread's buffers, reused for every image: the zero-padded image and the wide output.
pub(crate) struct ShiftedTaps<E> {
    padded: Vec<E>,
    wide: Vec<E>,
}

impl<E: CpuFloat> ShiftedTaps<E> {
    pub fn new(win: &Window2d, group_in: usize, group_out: usize) -> Self {
        let (_, wide_w, padded_plane) = padded_dims(win);
        // The last channel's widest tap reads `(KW-1)*D` values past its plane, into the
        // dropped columns; those values must exist.
        let slack = (win.kernel_w - 1) * win.dilation;
        Self {
            // Zero once: the borders are never written again, so they stay the padding.
            padded: vec![E::zero(); group_in * padded_plane + slack],
            wide: vec![E::zero(); group_out * win.out_h * wide_w],
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
        let (_, wide_w, padded_plane) = padded_dims(win);
        let (p, taps) = (win.padding, win.kernel_h * win.kernel_w);
        let channels = image.len() / win.in_plane();
        let out_channels = weight.len() / (channels * taps);
        for (src, dst) in image
            .chunks(win.in_plane())
            .zip(self.padded.chunks_mut(padded_plane))
        {
            for (src_row, dst_row) in src
                .chunks(win.in_w)
                .zip(dst[p * wide_w..].chunks_mut(wide_w))
            {
                dst_row[p..p + win.in_w].copy_from_slice(src_row);
            }
        }
        let wide_len = win.out_h * wide_w;
        for ki in 0..win.kernel_h {
            for kj in 0..win.kernel_w {
                let tap = ki * win.kernel_w + kj;
                let offset = (ki * wide_w + kj) * win.dilation;
                matmul(
                    out_channels,
                    wide_len,
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
                        row_stride: padded_plane,
                        col_stride: 1,
                    },
                    par,
                );
            }
        }
        let plane = win.out_plane();
        for (o, (dst, wide)) in out
            .chunks_mut(plane)
            .zip(self.wide.chunks(wide_len))
            .enumerate()
        {
            let b = bias.map_or(E::zero(), |bias| bias[o]);
            for (dst_row, wide_row) in dst.chunks_mut(win.out_w).zip(wide.chunks(wide_w)) {
                for (d, &v) in dst_row.iter_mut().zip(wide_row) {
                    *d = v + b;
                }
            }
        }
    }
}

/// The padded plane's height, width and size.
fn padded_dims(win: &Window2d) -> (usize, usize, usize) {
    let (h, w) = (win.in_h + 2 * win.padding, win.in_w + 2 * win.padding);
    (h, w, h * w)
}
