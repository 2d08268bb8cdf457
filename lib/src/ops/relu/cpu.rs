//! ReLU on the CPU: parallel chunks, the output doubles as the backward mask; untaped, in place.

use std::ops::DerefMut;

use dfdx::shapes::{HasShape, Shape};
use dfdx::tensor::{Cpu, CpuError, PutTape, Storage, Tape, Tensor, TensorFromVec};
use dfdx::tensor_ops::Device;
use rayon::prelude::*;

use super::ReluKernel;
use crate::ops::grads::grads_of;
use crate::ops::host::to_host;
use crate::ops::CpuFloat;

/// Elements per parallel task: large enough to amortise scheduling, small enough to balance.
const CHUNK: usize = 1 << 15;

impl<E: CpuFloat> ReluKernel<E> for Cpu
where
    Cpu: Device<E>,
    <Cpu as Storage<E>>::Vec: DerefMut<Target = Vec<E>>,
{
    fn relu_forward<S: Shape, T: Tape<E, Self>>(
        x: Tensor<S, E, Self>,
        mut tape: T,
    ) -> Result<Tensor<S, E, Self, T>, CpuError> {
        if !T::OWNS_TAPE {
            // Nothing to record: dfdx's clamp to [0, inf) is the same function (NaN stays NaN)
            // and runs in place on the buffer `x` owns, where a host copy costs two passes more.
            return Ok(x.try_clamp(0.0, f64::INFINITY)?.put_tape(tape));
        }
        let mut values = to_host(&x)?;
        values.par_chunks_mut(CHUNK).for_each(|chunk| {
            for v in chunk {
                // A select, not `max` (which would turn NaN into 0; PyTorch keeps NaN) and not a
                // branch (a coin flip on real data): this form vectorises.
                *v = if *v < E::zero() { E::zero() } else { *v };
            }
        });
        let out = x.device().try_tensor_from_vec(values, *x.shape())?;
        if T::OWNS_TAPE {
            let (x_ghost, out_ghost) = (x.ghost(), out.ghost());
            let mask = out.clone();
            tape.add_backward_op(move |grads| {
                let positive = to_host(&mask)?;
                let [gx, go] = grads_of!(grads, &x_ghost, &out_ghost)?;
                gx.par_chunks_mut(CHUNK)
                    .zip(go.par_chunks(CHUNK))
                    .zip(positive.par_chunks(CHUNK))
                    .for_each(|((gx, go), y)| {
                        for ((gx, &go), &y) in gx.iter_mut().zip(go).zip(y) {
                            *gx += if y > E::zero() { go } else { E::zero() };
                        }
                    });
                Ok(())
            });
        }
        Ok(out.put_tape(tape))
    }
}
