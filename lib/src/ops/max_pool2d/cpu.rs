//! Max pooling on the CPU, one image plane per task. The forward pass remembers where each
//! maximum came from; the backward pass sends the gradient there.

use dfdx::shapes::Shape;
use std::ops::DerefMut;

use dfdx::tensor::{Cpu, CpuError, PutTape, Storage, Tape, Tensor, TensorFromVec};
use dfdx::tensor_ops::Device;
use rayon::prelude::*;

use super::MaxPool2dKernel;
use crate::ops::grads::grads_of;
use crate::ops::host::to_host;
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
        let mut out = vec![E::zero(); planes * window.out_plane()];
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
