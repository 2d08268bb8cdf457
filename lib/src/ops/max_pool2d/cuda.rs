//! Max pooling on the GPU (NVRTC kernels in max_pool2d.cu). The forward pass keeps where each
//! maximum came from; the backward pass sends each output's gradient there.

use cudarc::driver::LaunchAsync;
use dfdx::shapes::Shape;
use dfdx::tensor::{Cuda, CudaError, PutTape, Tape, Tensor};
use dfdx::tensor_ops::Device;

use super::MaxPool2dKernel;
use crate::ops::cuda::bridge::{cuda_device, device_values, tensor_from_kernel};
use crate::ops::cuda::kernels::{launch_for, KernelSource};
use crate::ops::cuda::pool_window::PoolWindow;
use crate::ops::cuda::CudaFloat;
use crate::ops::grads::grads_of;
use crate::ops::window::Window2d;

const KERNELS: KernelSource = KernelSource {
    module: "mapping_max_pool2d",
    source: include_str!("max_pool2d.cu"),
    functions: &[
        "max_pool2d_forward_f32",
        "max_pool2d_backward_f32",
        "max_pool2d_forward_f64",
        "max_pool2d_backward_f64",
    ],
};

impl<E: CudaFloat> MaxPool2dKernel<E> for Cuda
where
    Cuda: Device<E>,
{
    fn max_pool2d_forward<Xs: Shape, Os: Shape, T: Tape<E, Self>>(
        window: Window2d,
        planes: usize,
        x: Tensor<Xs, E, Self>,
        out_shape: Os,
        mut tape: T,
    ) -> Result<Tensor<Os, E, Self, T>, CudaError> {
        let cuda = x.device().clone();
        let xs = device_values(&x)?;
        let dev = cuda_device::<E>(&xs);
        let args = PoolWindow::new(&window, planes);
        let outputs = planes * window.out_plane();
        // Where each maximum is, as a position inside its plane.
        let mut argmax = dev.alloc_zeros::<i64>(outputs.max(1))?;
        let out = tensor_from_kernel(&cuda, out_shape, |out| {
            if outputs == 0 {
                return Ok(());
            }
            let f = KERNELS.function(&dev, &format!("max_pool2d_forward_{}", E::SUFFIX))?;
            // SAFETY: `x` holds `planes` input planes, `out` and `argmax` `outputs` values.
            unsafe {
                f.launch(
                    launch_for(outputs),
                    (
                        args,
                        E::cuda_slice(&xs),
                        E::cuda_slice_mut(out),
                        &mut argmax,
                    ),
                )
            }?;
            Ok(())
        })?;
        if T::OWNS_TAPE {
            let (x_ghost, out_ghost) = (x.ghost(), out.ghost());
            tape.add_backward_op(move |grads| {
                let [gx, go] = grads_of!(grads, &x_ghost, &out_ghost)?;
                if outputs == 0 {
                    return Ok(());
                }
                let f = KERNELS.function(&dev, &format!("max_pool2d_backward_{}", E::SUFFIX))?;
                // SAFETY: as in the forward pass; `grad_x` holds `planes` input planes.
                unsafe {
                    f.launch(
                        launch_for(planes * window.in_plane()),
                        (args, &argmax, E::cuda_slice(go), E::cuda_slice_mut(gx)),
                    )
                }?;
                Ok(())
            });
        }
        Ok(out.put_tape(tape))
    }
}
