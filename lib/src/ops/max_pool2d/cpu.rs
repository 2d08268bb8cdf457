//! Max pooling on the CPU, one image plane per task. The forward pass remembers where each
//! maximum came from; the backward pass sends the gradient there.

use dfdx::shapes::Shape;
use std::hint::select_unpredictable;
use std::ops::DerefMut;

use dfdx::tensor::{Cpu, CpuError, PutTape, Storage, Tape, Tensor, TensorFromVec};
use dfdx::tensor_ops::Device;
use rayon::prelude::*;

use super::MaxPool2dKernel;
use crate::ops::grads::grads_of;
use crate::ops::host::{to_host, zeroed};
use crate::ops::window::Window2d;
use crate::ops::CpuFloat;

impl<E: CpuFloat> MaxPool2dKernel<E> for Cpu
where
    Cpu: Device<E>,
    // Lets the backward pass see gradient buffers as slices (dfdx's CPU buffer derefs to Vec).
    <Cpu as Storage<E>>::Vec: DerefMut<Target = Vec<E>>,
{
    fn max_pool2d_forward<Xs: Shape, Os: Shape, T: Tape<E, Self>>(
        window: Window2d,
        planes: usize,
        x: Tensor<Xs, E, Self>,
        out_shape: Os,
        mut tape: T,
    ) -> Result<Tensor<Os, E, Self, T>, CpuError> {
        let xs = to_host(&x)?;
        let mut out = zeroed(planes * window.out_plane());
        let mut argmax = vec![0u32; out.len()];
        forward(&window, &xs, &mut out, &mut argmax);
        let out = x.device().try_tensor_from_vec(out, out_shape)?;
        if T::OWNS_TAPE {
            let (x_ghost, out_ghost) = (x.ghost(), out.ghost());
            tape.add_backward_op(move |grads| {
                let [gx, go] = grads_of!(grads, &x_ghost, &out_ghost)?;
                backward(&window, &argmax, go, gx);
                Ok(())
            });
        }
        Ok(out.put_tape(tape))
    }
}

/// The maximum of a window and where it is: the first maximum, as PyTorch; a NaN wins, so it
/// propagates. Written without data-dependent branches: on real activations "is this larger?"
/// is a coin flip, and mispredicted branches made the pool 6x slower than the memory it reads.
struct WindowMax<E> {
    best: E,
    best_at: usize,
    nan_at: usize,
}

impl<E: CpuFloat> WindowMax<E> {
    #[inline(always)]
    fn new() -> Self {
        Self {
            best: E::neg_infinity(),
            best_at: usize::MAX,
            nan_at: usize::MAX,
        }
    }

    #[inline(always)]
    fn push(&mut self, v: E, at: usize) {
        let first = self.best_at == usize::MAX;
        self.best_at = if (v > self.best) | first {
            at
        } else {
            self.best_at
        };
        self.best = self.best.max(v); // maxss: never NaN here, no branch
        self.nan_at = if v.is_nan() & (self.nan_at == usize::MAX) {
            at
        } else {
            self.nan_at
        };
    }

    #[inline(always)]
    fn finish(self) -> (E, usize) {
        if self.nan_at != usize::MAX {
            (E::nan(), self.nan_at)
        } else {
            (self.best, self.best_at)
        }
    }
}

pub(crate) fn forward<E: CpuFloat>(win: &Window2d, x: &[E], out: &mut [E], argmax: &mut [u32]) {
    let (in_plane, out_plane) = (win.in_plane(), win.out_plane());
    if in_plane == 0 || out_plane == 0 {
        return;
    }
    if win.padding == 0 && win.dilation == 1 {
        match (win.kernel_h, win.kernel_w) {
            (2, 2) if win.stride == 2 => return forward_2x2_stride_2(win, x, out, argmax),
            (2, 2) => return forward_unpadded::<E, 2, 2>(win, x, out, argmax),
            (3, 3) => return forward_unpadded::<E, 3, 3>(win, x, out, argmax),
            _ => {}
        }
    }
    forward_any(win, x, out, argmax);
}

/// Any window: taps that fall in the padding are skipped.
fn forward_any<E: CpuFloat>(win: &Window2d, x: &[E], out: &mut [E], argmax: &mut [u32]) {
    let (in_plane, out_plane) = (win.in_plane(), win.out_plane());
    // The valid taps of every output column, computed once rather than per pixel.
    let columns: Vec<_> = (0..win.out_w)
        .map(|ow| win.taps(ow, win.kernel_w, win.in_w))
        .collect();
    x.par_chunks(in_plane)
        .zip(out.par_chunks_mut(out_plane))
        .zip(argmax.par_chunks_mut(out_plane))
        .for_each(|((src, dst), arg)| {
            for oh in 0..win.out_h {
                let (row0, ki_lo, ki_hi) = win.taps(oh, win.kernel_h, win.in_h);
                for (ow, &(col0, kj_lo, kj_hi)) in columns.iter().enumerate() {
                    let mut window = WindowMax::new();
                    for ki in ki_lo..ki_hi {
                        let row = (row0 + ki as isize) as usize * win.in_w;
                        for kj in kj_lo..kj_hi {
                            let at = row + (col0 + kj as isize) as usize;
                            window.push(src[at], at);
                        }
                    }
                    let (best, best_at) = window.finish();
                    dst[oh * win.out_w + ow] = best;
                    arg[oh * win.out_w + ow] = best_at as u32;
                }
            }
        });
}

/// `MaxPool2d(2)`, most CNNs' pool, a row of outputs at a time so that the compiler can use
/// SIMD: the maximum of each window row first, then of the two rows, which keeps the first
/// maximum in row-major order. A row of outputs that holds a NaN takes the generic rule.
fn forward_2x2_stride_2<E: CpuFloat>(win: &Window2d, x: &[E], out: &mut [E], argmax: &mut [u32]) {
    let (in_w, out_w) = (win.in_w, win.out_w);
    x.par_chunks(win.in_plane())
        .zip(out.par_chunks_mut(win.out_plane()))
        .zip(argmax.par_chunks_mut(win.out_plane()))
        .for_each(|((src, dst), arg)| {
            let rows = dst.chunks_exact_mut(out_w).zip(arg.chunks_exact_mut(out_w));
            for (oh, (dst, arg)) in rows.enumerate() {
                let top = 2 * oh * in_w;
                // Indices as `u32`, the argmax type (plane indices fit in it).
                let (top_at, in_w_at) = (top as u32, in_w as u32);
                let upper = src[top..top + 2 * out_w].chunks_exact(2);
                let lower = src[top + in_w..top + in_w + 2 * out_w].chunks_exact(2);
                let mut nan = false;
                for (ow, (((up, low), best_out), at_out)) in upper
                    .zip(lower)
                    .zip(dst.iter_mut())
                    .zip(arg.iter_mut())
                    .enumerate()
                {
                    let (a, b, c, d) = (up[0], up[1], low[0], low[1]);
                    let (upper_best, upper_at) = if b > a { (b, 1) } else { (a, 0) };
                    let (lower_best, lower_at) = if d > c { (d, 1) } else { (c, 0) };
                    let (best, at) = if lower_best > upper_best {
                        (lower_best, in_w_at + lower_at)
                    } else {
                        (upper_best, upper_at)
                    };
                    *best_out = best;
                    *at_out = top_at + 2 * ow as u32 + at;
                    nan |= a.is_nan() | b.is_nan() | c.is_nan() | d.is_nan();
                }
                if nan {
                    for (ow, (best_out, at_out)) in dst.iter_mut().zip(arg.iter_mut()).enumerate() {
                        let (best, at) = window_max(src, top + 2 * ow, in_w, (2, 2));
                        (*best_out, *at_out) = (best, at as u32);
                    }
                }
            }
        });
}

/// The maximum of the `kh x kw` window whose top-left tap is `corner`, and where it is, by the
/// generic rule (a NaN wins): the fixed-size loops' path for a window that holds a NaN.
fn window_max<E: CpuFloat>(
    src: &[E],
    corner: usize,
    in_w: usize,
    (kh, kw): (usize, usize),
) -> (E, usize) {
    let mut window = WindowMax::new();
    for ki in 0..kh {
        for kj in 0..kw {
            let at = corner + ki * in_w + kj;
            window.push(src[at], at);
        }
    }
    window.finish()
}

/// A `KH x KW` window with no padding (every tap inside the image), its size known to the
/// compiler so that the taps unroll: the generic loop spends more time on its bounds than on
/// the values. `select_unpredictable` keeps the comparisons branch-free: without it LLVM
/// compiled one into a jump, and the loop was no faster than the generic one. A window holding
/// a NaN is rare and takes the generic rule.
fn forward_unpadded<E: CpuFloat, const KH: usize, const KW: usize>(
    win: &Window2d,
    x: &[E],
    out: &mut [E],
    argmax: &mut [u32],
) {
    let (in_w, stride) = (win.in_w, win.stride);
    x.par_chunks(win.in_plane())
        .zip(out.par_chunks_mut(win.out_plane()))
        .zip(argmax.par_chunks_mut(win.out_plane()))
        .for_each(|((src, dst), arg)| {
            let rows = dst
                .chunks_exact_mut(win.out_w)
                .zip(arg.chunks_exact_mut(win.out_w));
            for (oh, (dst, arg)) in rows.enumerate() {
                let top = oh * stride * in_w;
                let window_rows: [&[E]; KH] = std::array::from_fn(|ki| {
                    let start = top + ki * in_w;
                    &src[start..start + in_w]
                });
                for (ow, (best_out, at_out)) in dst.iter_mut().zip(arg.iter_mut()).enumerate() {
                    let left = ow * stride;
                    let (mut best, mut best_at) = (window_rows[0][left], top + left);
                    let mut nan = best.is_nan();
                    for (ki, row) in window_rows.iter().enumerate() {
                        for kj in 0..KW {
                            let v = row[left + kj];
                            let greater = v > best;
                            best = select_unpredictable(greater, v, best);
                            best_at =
                                select_unpredictable(greater, top + ki * in_w + left + kj, best_at);
                            nan |= v.is_nan();
                        }
                    }
                    if nan {
                        (best, best_at) = window_max(src, top + left, in_w, (KH, KW));
                    }
                    *best_out = best;
                    *at_out = best_at as u32;
                }
            }
        });
}

pub(crate) fn backward<E: CpuFloat>(
    win: &Window2d,
    argmax: &[u32],
    grad_out: &[E],
    grad_x: &mut [E],
) {
    let (in_plane, out_plane) = (win.in_plane(), win.out_plane());
    if in_plane == 0 || out_plane == 0 {
        return;
    }
    grad_x
        .par_chunks_mut(in_plane)
        .zip(grad_out.par_chunks(out_plane))
        .zip(argmax.par_chunks(out_plane))
        .for_each(|((gx, go), arg)| {
            for (&g, &at) in go.iter().zip(arg) {
                gx[at as usize] += g;
            }
        });
}

#[cfg(test)]
mod tests {
    use super::{forward, forward_any, Window2d};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The unpadded 2x2 and 3x3 paths against the generic loop (itself checked against
    /// PyTorch), on values full of ties, infinities and some NaNs, at every stride and at
    /// sizes the windows do not divide.
    #[test]
    fn fixed_size_windows_agree_with_the_generic_loop() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let palette = [f32::NEG_INFINITY, -1.0, 0.0, 1.0, 2.0, f32::INFINITY];
        let mut cases = 0;
        for kernel in [2, 3] {
            for stride in 1..=3 {
                for (in_h, in_w) in [(kernel, kernel), (7, 9), (8, 8), (9, 5), (16, 17)] {
                    let win = Window2d::new("test", (in_h, in_w), (kernel, kernel), stride, 0, 1)
                        .unwrap();
                    for nan_share in [0.0, 0.02] {
                        let planes = 3;
                        let x: Vec<f32> = (0..planes * in_h * in_w)
                            .map(|_| match rng.gen_bool(nan_share) {
                                true => f32::NAN,
                                false => palette[rng.gen_range(0..palette.len())],
                            })
                            .collect();
                        let n = planes * win.out_plane();
                        let (mut out, mut at) = (vec![0f32; n], vec![0u32; n]);
                        let (mut want_out, mut want_at) = (vec![0f32; n], vec![0u32; n]);
                        forward(&win, &x, &mut out, &mut at);
                        forward_any(&win, &x, &mut want_out, &mut want_at);
                        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                        let case = format!("k{kernel} s{stride} {in_h}x{in_w} nan {nan_share}");
                        assert_eq!(bits(&out), bits(&want_out), "values, {case}");
                        assert_eq!(at, want_at, "argmax, {case}");
                        cases += 1;
                    }
                }
            }
        }
        assert_eq!(cases, 60);
    }
}
