//! Batch norm on the GPU is dfdx's module: its elementwise and reduce kernels already run as
//! separate CUDA launches, and the layer only needs the same semantics as on the CPU.

use dfdx::nn::modules::BatchNorm2D;
use dfdx::nn::{Module, ModuleMut};
use dfdx::shapes::{Const, Dim, Dtype};
use dfdx::tensor::{Cuda, CudaError, OwnedTape, PutTape, Tensor};
use dfdx::tensor_ops::Device;

use super::BatchNorm2dKernel;

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

    fn batch_norm2d_eval<B: Dim, const C: usize, H: Dim, W: Dim>(
        bn: &BatchNorm2D<C, E, Self>,
        x: Tensor<(B, Const<C>, H, W), E, Self>,
    ) -> Result<Tensor<(B, Const<C>, H, W), E, Self>, CudaError> {
        bn.try_forward(x)
    }
}
