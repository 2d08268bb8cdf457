//! Average pooling on the CPU, one image plane per task.

use dfdx::shapes::Shape;
use std::ops::DerefMut;

use dfdx::tensor::{Cpu, CpuError, PutTape, Storage, Tape, Tensor, TensorFromVec};
use dfdx::tensor_ops::Device;
use rayon::prelude::*;

use super::AvgPool2dKernel;
use crate::ops::grads::grads_of;
use crate::ops::host::{to_host, zeroed};
use crate::ops::window::Window2d;
use crate::ops::CpuFloat;

impl<E: CpuFloat> AvgPool2dKernel<E> for Cpu
where
    Cpu: Device<E>,
    // Lets the backward pass see gradient buffers as slices (dfdx's CPU buffer derefs to Vec).
    <Cpu as Storage<E>>::Vec: DerefMut<Target = Vec<E>>,
{
    fn avg_pool2d_forward<Xs: Shape, Os: Shape, T: Tape<E, Self>>(
        window: Window2d,
        planes: usize,
        x: Tensor<Xs, E, Self>,
        out_shape: Os,
        mut tape: T,
    ) -> Result<Tensor<Os, E, Self, T>, CpuError> {
        let xs = to_host(&x)?;
        let mut out = zeroed(planes * window.out_plane());
        forward(&window, &xs, &mut out);
        let out = x.device().try_tensor_from_vec(out, out_shape)?;
        if T::OWNS_TAPE {
            let (x_ghost, out_ghost) = (x.ghost(), out.ghost());
            tape.add_backward_op(move |grads| {
                let [gx, go] = grads_of!(grads, &x_ghost, &out_ghost)?;
                backward(&window, go, gx);
                Ok(())
            });
        }
        Ok(out.put_tape(tape))
    }
}

/// PyTorch's divisor with `count_include_pad=True`: the window clipped to the padded image.
fn divisor(win: &Window2d, out: usize, kernel: usize, extent: usize) -> usize {
    let start = out * win.stride; // in padded coordinates
    let end = (start + kernel).min(extent + 2 * win.padding);
    end - start
}

pub(crate) fn forward<E: CpuFloat>(win: &Window2d, x: &[E], out: &mut [E]) {
    let (in_plane, out_plane) = (win.in_plane(), win.out_plane());
    if in_plane == 0 || out_plane == 0 {
        return;
    }
    let columns: Vec<_> = (0..win.out_w)
        .map(|ow| win.taps(ow, win.kernel_w, win.in_w))
        .collect();
    x.par_chunks(in_plane)
        .zip(out.par_chunks_mut(out_plane))
        .for_each(|(src, dst)| {
            for oh in 0..win.out_h {
                let (row0, ki_lo, ki_hi) = win.taps(oh, win.kernel_h, win.in_h);
                let rows = divisor(win, oh, win.kernel_h, win.in_h);
                for (ow, &(col0, kj_lo, kj_hi)) in columns.iter().enumerate() {
                    let count =
                        E::from_usize(rows * divisor(win, ow, win.kernel_w, win.in_w)).unwrap();
                    let mut sum = E::zero();
                    for ki in ki_lo..ki_hi {
                        let row = (row0 + ki as isize) as usize * win.in_w;
                        let first = row + (col0 + kj_lo as isize) as usize;
                        sum += src[first..first + (kj_hi - kj_lo)]
                            .iter()
                            .fold(E::zero(), |acc, &v| acc + v);
                    }
                    dst[oh * win.out_w + ow] = sum / count;
                }
            }
        });
}

pub(crate) fn backward<E: CpuFloat>(win: &Window2d, grad_out: &[E], grad_x: &mut [E]) {
    let (in_plane, out_plane) = (win.in_plane(), win.out_plane());
    if in_plane == 0 || out_plane == 0 {
        return;
    }
    let columns: Vec<_> = (0..win.out_w)
        .map(|ow| win.taps(ow, win.kernel_w, win.in_w))
        .collect();
    grad_x
        .par_chunks_mut(in_plane)
        .zip(grad_out.par_chunks(out_plane))
        .for_each(|(gx, go)| {
            for oh in 0..win.out_h {
                let (row0, ki_lo, ki_hi) = win.taps(oh, win.kernel_h, win.in_h);
                let rows = divisor(win, oh, win.kernel_h, win.in_h);
                for (ow, &(col0, kj_lo, kj_hi)) in columns.iter().enumerate() {
                    let count =
                        E::from_usize(rows * divisor(win, ow, win.kernel_w, win.in_w)).unwrap();
                    let share = go[oh * win.out_w + ow] / count;
                    for ki in ki_lo..ki_hi {
                        let row = (row0 + ki as isize) as usize * win.in_w;
                        let first = row + (col0 + kj_lo as isize) as usize;
                        for g in &mut gx[first..first + (kj_hi - kj_lo)] {
                            *g += share;
                        }
                    }
                }
            }
        });
}
