//! ReLU on the GPU is dfdx's own: one fused elementwise kernel each way already, so a kernel
//! of ours would add nothing. (Unlike the CPU kernel, dfdx's maps NaN to 0.)

use dfdx::shapes::{Dtype, Shape};
use dfdx::tensor::{Cuda, CudaError, PutTape, Tape, Tensor};
use dfdx::tensor_ops::Device;

use super::ReluKernel;

impl<E: Dtype> ReluKernel<E> for Cuda
where
    Cuda: Device<E>,
{
    fn relu_forward<S: Shape, T: Tape<E, Self>>(
        x: Tensor<S, E, Self>,
        tape: T,
    ) -> Result<Tensor<S, E, Self, T>, CudaError> {
        x.put_tape(tape).try_relu()
    }
}
