//! Batch norm on the GPU is dfdx's generic ops: its elementwise and reduce kernels already run as
//! separate CUDA launches, and the layer only needs the same semantics as on the CPU. Training
//! is dfdx's module; evaluation is [`eval_by_dfdx_ops`], which keeps the tape.

use dfdx::nn::modules::BatchNorm2D;
use dfdx::nn::ModuleMut;
use dfdx::shapes::{Const, Dim, Dtype};
use dfdx::tensor::{Cuda, CudaError, Merge, OwnedTape, PutTape, Tape, Tensor};
use dfdx::tensor_ops::Device;

use super::{eval_by_dfdx_ops, BatchNorm2dKernel};

impl<E: Dtype> BatchNorm2dKernel<E> for Cuda
where
    Cuda: Device<E>,
{
    fn batch_norm2d_train<B: Dim, const C: usize, H: Dim, W: Dim>(
        bn: &mut BatchNorm2D<C, E, Self>,
        x: Tensor<(B, Const<C>, H, W), E, Self>,
        tape: OwnedTape<E, Self>,
    ) -> Result<Tensor<(B, Const<C>, H, W), E, Self, OwnedTape<E, Self>>, CudaError> {
        bn.try_forward_mut(x.put_tape(tape))
    }

    fn batch_norm2d_eval<B: Dim, const C: usize, H: Dim, W: Dim, T: Tape<E, Self> + Merge<T>>(
        bn: &BatchNorm2D<C, E, Self>,
        x: Tensor<(B, Const<C>, H, W), E, Self>,
        tape: T,
    ) -> Result<Tensor<(B, Const<C>, H, W), E, Self, T>, CudaError> {
        eval_by_dfdx_ops(bn, x.put_tape(tape))
    }
}
