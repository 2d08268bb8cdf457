//! Reading a CPU tensor's values into a slice the kernels can index.

use dfdx::shapes::{HasShape, Shape};
use dfdx::tensor::{Cpu, CpuError, Tensor};
use dfdx::tensor_ops::ReshapeTo;

use crate::ops::CpuFloat;

/// The tensor's values in row-major order.
///
/// dfdx keeps its storage crate-private, so this is one `memcpy` (after making a strided view
/// contiguous); the kernels' work is far larger than this copy.
pub(crate) fn to_host<S: Shape, E: CpuFloat>(t: &Tensor<S, E, Cpu>) -> Result<Vec<E>, CpuError> {
    let t = t.clone().try_contiguous()?;
    let mut values = vec![E::zero(); t.shape().num_elements()];
    t.copy_into(&mut values);
    Ok(values)
}
