//! Evaluation-mode batch norm from dfdx's generic tensor ops, for any tape and any device.
//!
//! dfdx's own evaluation forward takes no tape. This is the same arithmetic with the affine
//! parameters put on the input's tape, so their gradients land under their own ids, as the
//! training forward does: `(x - running_mean) * (scale / sqrt(running_var + eps)) + bias`, the
//! running statistics off the tape (buffers, as in PyTorch). The GPU runs it; on the CPU it
//! serves single `(C, H, W)` images, and a unit test holds it to the CPU kernel.

use dfdx::nn::modules::BatchNorm2D;
use dfdx::shapes::{Axes, BroadcastShapeTo, Dtype, HasShape, Rank1, Shape};
use dfdx::tensor::{Merge, Tape, Tensor};
use dfdx::tensor_ops::{BroadcastTo, Device, TryAdd, TryDiv, TryMul, TrySub};

/// Batch norm with the running statistics on `x` of shape `S` (`(C, H, W)` or `(B, C, H, W)`).
pub(crate) fn eval_by_dfdx_ops<const C: usize, S, Ax, E, D, T>(
    bn: &BatchNorm2D<C, E, D>,
    x: Tensor<S, E, D, T>,
) -> Result<Tensor<S, E, D, T>, D::Err>
where
    S: Shape,
    Ax: Axes,
    Rank1<C>: BroadcastShapeTo<S, Ax>,
    E: Dtype,
    D: Device<E>,
    T: Tape<E, D> + Merge<T>,
{
    let shape = *x.shape();
    let epsilon = E::from_f64(bn.epsilon).expect("epsilon fits the dtype");
    let std = bn.running_var.clone().try_add(epsilon)?.try_sqrt()?;
    let scale = bn
        .scale
        .retaped::<T>()
        .try_div(std)?
        .try_broadcast_like(&shape)?;
    let centered = x.try_sub(bn.running_mean.clone().try_broadcast_like(&shape)?)?;
    let bias = bn.bias.retaped::<T>().try_broadcast_like(&shape)?;
    centered.try_mul(scale)?.try_add(bias)
}

#[cfg(test)]
mod tests {
    use dfdx::prelude::*;

    use super::eval_by_dfdx_ops;
    use crate::ops::BatchNorm2dKernel;

    /// The GPU's evaluation path against the CPU kernel (itself checked against PyTorch), with
    /// the CPU running both: outputs and the gradients of the input, weight and bias.
    #[test]
    fn generic_ops_equal_the_cpu_kernel_forward_and_backward() {
        let dev = Cpu::seed_from_u64(5);
        let mut bn = dev.build_module::<BatchNorm2D<4>, f64>();
        bn.scale = dev.sample_normal();
        bn.bias = dev.sample_normal();
        bn.running_mean = dev.sample_normal();
        bn.running_var = dev.sample_uniform() + 0.25;
        let x: Tensor<Rank4<3, 4, 5, 6>, f64, Cpu> = dev.sample_normal() * 2.0 + 1.0;
        let upstream: Tensor<Rank4<3, 4, 5, 6>, f64, Cpu> = dev.sample_normal();

        let by_kernel = {
            let (input, tape) = x.leaky_trace().split_tape();
            Cpu::batch_norm2d_eval(&bn, input, tape).unwrap()
        };
        let by_ops = eval_by_dfdx_ops(&bn, x.leaky_trace()).unwrap();
        let (kernel_out, ops_out) = (by_kernel.as_vec(), by_ops.as_vec());
        let kernel = (by_kernel * upstream.clone()).sum().backward();
        let ops = (by_ops * upstream).sum().backward();
        let pairs = [
            ("output", kernel_out, ops_out),
            ("input", kernel.get(&x).as_vec(), ops.get(&x).as_vec()),
            (
                "weight",
                kernel.get(&bn.scale).as_vec(),
                ops.get(&bn.scale).as_vec(),
            ),
            (
                "bias",
                kernel.get(&bn.bias).as_vec(),
                ops.get(&bn.bias).as_vec(),
            ),
        ];
        for (what, kernel, ops) in pairs {
            assert_eq!(kernel.len(), ops.len(), "{what}");
            for (i, (k, o)) in kernel.iter().zip(&ops).enumerate() {
                assert!(
                    (k - o).abs() <= 1e-12 * (1.0 + k.abs()),
                    "{what}[{i}]: {k} vs {o}"
                );
            }
        }
    }
}
