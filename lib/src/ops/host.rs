//! Moving values between dfdx's CPU tensors and the slices the kernels index.

use std::mem::MaybeUninit;

use dfdx::shapes::{HasShape, Shape};
use dfdx::tensor::{Cpu, CpuError, Tensor};
use dfdx::tensor_ops::ReshapeTo;
use rayon::prelude::*;

use crate::ops::CpuFloat;

/// Elements each parallel task zeroes: a large memset splits well, a small one is not worth a
/// task.
const ZERO_CHUNK: usize = 1 << 16;

/// The tensor's values in row-major order.
///
/// dfdx keeps its storage crate-private, so this is one `memcpy` (after making a strided view
/// contiguous) into a buffer zeroed beforehand.
pub(crate) fn to_host<S: Shape, E: CpuFloat>(t: &Tensor<S, E, Cpu>) -> Result<Vec<E>, CpuError> {
    let t = t.clone().try_contiguous()?;
    let mut values = zeroed(t.shape().num_elements());
    t.copy_into(&mut values);
    Ok(values)
}

/// `vec![0; len]`, zeroed by every core.
///
/// Every layer's output and host copy starts as zeros; on one thread those memsets took about
/// 15% of a small ResNet's inference time while the other cores waited.
pub(crate) fn zeroed<E: CpuFloat>(len: usize) -> Vec<E> {
    let mut values = Vec::with_capacity(len);
    values.spare_capacity_mut()[..len]
        .par_chunks_mut(ZERO_CHUNK)
        .for_each(|chunk| chunk.fill(MaybeUninit::new(E::zero())));
    // SAFETY: the loop above initialised all `len` elements, within the capacity.
    unsafe { values.set_len(len) };
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_is_all_zeros_at_every_length_around_a_chunk() {
        for len in [0, 1, ZERO_CHUNK - 1, ZERO_CHUNK, 3 * ZERO_CHUNK + 5] {
            let values = zeroed::<f32>(len);
            assert_eq!(values.len(), len);
            assert!(values.iter().all(|&v| v == 0.0), "len {len}");
        }
    }
}
