//! Max pooling on the CPU, one image plane per task. The forward pass remembers where each
//! maximum came from; the backward pass sends the gradient there.

use dfdx::shapes::Shape;
use std::ops::DerefMut;

use dfdx::tensor::{Cpu, CpuError, PutTape, Storage, Tape, Tensor, TensorFromVec};
use dfdx::tensor_ops::Device;
use rayon::prelude::*;

use super::MaxPool2dKernel;
use crate::ops::grads::many_mut;
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
                let [gx, go] = many_mut(grads, |grads, i| {
                    Ok(match i {
                        0 => grads.get_or_alloc_mut(&x_ghost)? as *mut _,
                        _ => grads.get_or_alloc_mut(&out_ghost)? as *mut _,
                    })
                })?;
                backward(&window, &argmax, go, gx);
                Ok(())
            });
        }
        Ok(out.put_tape(tape))
    }
}

pub(crate) fn forward<E: CpuFloat>(win: &Window2d, x: &[E], out: &mut [E], argmax: &mut [u32]) {
    let (in_plane, out_plane) = (win.in_plane(), win.out_plane());
    if in_plane == 0 || out_plane == 0 {
        return;
    }
    x.par_chunks(in_plane)
        .zip(out.par_chunks_mut(out_plane))
        .zip(argmax.par_chunks_mut(out_plane))
        .for_each(|((src, dst), arg)| {
            for oh in 0..win.out_h {
                for ow in 0..win.out_w {
                    let mut best = E::neg_infinity();
                    let mut best_at = 0usize;
                    let mut seen = false;
                    for ki in 0..win.kernel_h {
                        let Some(ih) = win.source(oh, ki, win.in_h) else {
                            continue;
                        };
                        for kj in 0..win.kernel_w {
                            let Some(iw) = win.source(ow, kj, win.in_w) else {
                                continue;
                            };
                            let at = ih * win.in_w + iw;
                            let v = src[at];
                            // NaN wins, as in PyTorch, so it propagates instead of hiding.
                            if !seen || v > best || v.is_nan() {
                                best = v;
                                best_at = at;
                                seen = true;
                                if v.is_nan() {
                                    break;
                                }
                            }
                        }
                    }
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
