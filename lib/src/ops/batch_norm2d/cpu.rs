//! Batch norm on the CPU: per-channel sums, then one elementwise pass, each way.
//!
//! Sums are taken in `f64` and the mean is subtracted before squaring (two passes over a
//! channel's values), so a channel with a large mean and a small spread keeps its variance.

use std::ops::DerefMut;

use dfdx::nn::modules::BatchNorm2D;
use dfdx::shapes::{Const, Dim, HasShape, Shape};
use dfdx::tensor::{
    Cpu, CpuError, Merge, OwnedTape, PutTape, Storage, Tape, Tensor, TensorFromVec,
};
use dfdx::tensor_ops::Device;
use rayon::prelude::*;

use super::BatchNorm2dKernel;
use crate::ops::grads::grads_of;
use crate::ops::host::to_host;
use crate::ops::CpuFloat;

/// Elements below which a parallel task is not worth its scheduling.
const MIN_TASK: usize = 1 << 14;

impl<E: CpuFloat> BatchNorm2dKernel<E> for Cpu
where
    Cpu: Device<E>,
    <Cpu as Storage<E>>::Vec: DerefMut<Target = Vec<E>>,
{
    fn batch_norm2d_train<B: Dim, const C: usize, H: Dim, W: Dim>(
        bn: &mut BatchNorm2D<C, E, Self>,
        x: Tensor<(B, Const<C>, H, W), E, Self>,
        mut tape: OwnedTape<E, Self>,
    ) -> Result<Tensor<(B, Const<C>, H, W), E, Self, OwnedTape<E, Self>>, CpuError> {
        let [batch, _, h, w] = x.shape().concrete();
        // `max(1)`: empty images have no chunks to split (their statistics are NaN, as dfdx's).
        let plane = (h * w).max(1);
        let values = to_host(&x)?;
        let stats: Vec<(f64, f64)> = (0..C)
            .into_par_iter()
            .map(|c| mean_and_variance(&values, c, C, plane))
            .collect();

        // Running statistics, as PyTorch: the variance unbiased, momentum the new value's share.
        let n = (batch * h * w) as f64;
        let momentum = bn.momentum;
        let mut running_mean = to_host(&bn.running_mean)?;
        let mut running_var = to_host(&bn.running_var)?;
        for (c, &(mean, var)) in stats.iter().enumerate() {
            let old_mean = running_mean[c].to_f64().unwrap();
            let old_var = running_var[c].to_f64().unwrap();
            running_mean[c] = E::from_f64((1.0 - momentum) * old_mean + momentum * mean).unwrap();
            running_var[c] =
                E::from_f64((1.0 - momentum) * old_var + momentum * var * n / (n - 1.0)).unwrap();
        }
        bn.running_mean.copy_from(&running_mean);
        bn.running_var.copy_from(&running_var);

        let gamma = to_host(&bn.scale)?;
        let beta = to_host(&bn.bias)?;
        let inv_std: Vec<f64> = stats
            .iter()
            .map(|&(_, var)| 1.0 / (var + bn.epsilon).sqrt())
            .collect();
        let means: Vec<f64> = stats.iter().map(|&(mean, _)| mean).collect();
        // The input's values stay for the backward pass; the output is a copy normalised in place.
        let mut out = values.clone();
        normalise(&mut out, plane, &means, &inv_std, &gamma, &beta);
        let out = x.device().try_tensor_from_vec(out, *x.shape())?;

        let (x_ghost, out_ghost) = (x.ghost(), out.ghost());
        let (scale_ghost, bias_ghost) = (bn.scale.ghost(), bn.bias.ghost());
        tape.add_backward_op(move |grads| {
            let [grad_x, grad_scale, grad_bias, grad_out] =
                grads_of!(grads, &x_ghost, &scale_ghost, &bias_ghost, &out_ghost)?;
            let sums = gradient_sums(&values, grad_out, &means, plane);
            // dx = gamma / std * (dy - mean(dy) - x_hat * mean(dy * x_hat)), written as
            // k_dy * dy + k_xc * (x - mean) + k_0 per channel.
            let mut k_dy = vec![E::zero(); C];
            let mut k_xc = vec![E::zero(); C];
            let mut k_0 = vec![E::zero(); C];
            let mut mean_e = vec![E::zero(); C];
            for c in 0..C {
                let (sum_dy, sum_dy_xc) = sums[c];
                let a = to_f64(gamma[c]) * inv_std[c];
                grad_bias[c] += E::from_f64(sum_dy).unwrap();
                grad_scale[c] += E::from_f64(sum_dy_xc * inv_std[c]).unwrap();
                k_dy[c] = E::from_f64(a).unwrap();
                k_xc[c] = E::from_f64(-a * inv_std[c] * inv_std[c] * sum_dy_xc / n).unwrap();
                k_0[c] = E::from_f64(-a * sum_dy / n).unwrap();
                mean_e[c] = E::from_f64(means[c]).unwrap();
            }
            grad_x
                .par_chunks_mut(plane)
                .zip(grad_out.par_chunks(plane))
                .zip(values.par_chunks(plane))
                .enumerate()
                .with_min_len(MIN_TASK.div_ceil(plane))
                .for_each(|(i, ((gx, dy), x))| {
                    let c = i % C;
                    let (k_dy, k_xc, k_0, mean) = (k_dy[c], k_xc[c], k_0[c], mean_e[c]);
                    for ((gx, &dy), &x) in gx.iter_mut().zip(dy).zip(x) {
                        *gx += k_dy * dy + k_xc * (x - mean) + k_0;
                    }
                });
            Ok(())
        });
        Ok(out.put_tape(tape))
    }

    fn batch_norm2d_eval<B: Dim, const C: usize, H: Dim, W: Dim, T: Tape<E, Self> + Merge<T>>(
        bn: &BatchNorm2D<C, E, Self>,
        x: Tensor<(B, Const<C>, H, W), E, Self>,
        mut tape: T,
    ) -> Result<Tensor<(B, Const<C>, H, W), E, Self, T>, CpuError> {
        let [_, _, h, w] = x.shape().concrete();
        let plane = (h * w).max(1);
        let mut values = to_host(&x)?;
        // The input's values are kept only if a backward op will need them.
        let input = T::OWNS_TAPE.then(|| values.clone());
        let means: Vec<f64> = to_host(&bn.running_mean)?.into_iter().map(to_f64).collect();
        let inv_std: Vec<f64> = to_host(&bn.running_var)?
            .into_iter()
            .map(|var| 1.0 / (to_f64(var) + bn.epsilon).sqrt())
            .collect();
        let (gamma, beta) = (to_host(&bn.scale)?, to_host(&bn.bias)?);
        normalise(&mut values, plane, &means, &inv_std, &gamma, &beta);
        let out = x.device().try_tensor_from_vec(values, *x.shape())?;
        let Some(input) = input else {
            return Ok(out.put_tape(tape));
        };

        let (x_ghost, out_ghost) = (x.ghost(), out.ghost());
        let (scale_ghost, bias_ghost) = (bn.scale.ghost(), bn.bias.ghost());
        tape.add_backward_op(move |grads| {
            let [grad_x, grad_scale, grad_bias, grad_out] =
                grads_of!(grads, &x_ghost, &scale_ghost, &bias_ghost, &out_ghost)?;
            // The statistics are constants here, so dx is dy scaled per channel.
            let sums = gradient_sums(&input, grad_out, &means, plane);
            let mut k_dy = vec![E::zero(); C];
            for c in 0..C {
                let (sum_dy, sum_dy_xc) = sums[c];
                grad_bias[c] += E::from_f64(sum_dy).unwrap();
                grad_scale[c] += E::from_f64(sum_dy_xc * inv_std[c]).unwrap();
                k_dy[c] = E::from_f64(to_f64(gamma[c]) * inv_std[c]).unwrap();
            }
            grad_x
                .par_chunks_mut(plane)
                .zip(grad_out.par_chunks(plane))
                .enumerate()
                .with_min_len(MIN_TASK.div_ceil(plane))
                .for_each(|(i, (gx, dy))| {
                    let k_dy = k_dy[i % C];
                    for (gx, &dy) in gx.iter_mut().zip(dy) {
                        *gx += k_dy * dy;
                    }
                });
            Ok(())
        });
        Ok(out.put_tape(tape))
    }
}

fn to_f64<E: CpuFloat>(v: E) -> f64 {
    v.to_f64().unwrap()
}

/// The planes of channel `c` in `(B, C, plane)` order, batch by batch.
fn channel_planes<E>(
    values: &[E],
    c: usize,
    channels: usize,
    plane: usize,
) -> impl Iterator<Item = &[E]> {
    values.chunks(plane).skip(c).step_by(channels)
}

/// Independent partial sums: one f64 accumulator would make every add wait for the last.
const LANES: usize = 8;

/// The sum of `f(a[i], b[i])` in f64, in `LANES` partial sums so that it vectorises.
fn lane_sum<E: CpuFloat>(a: &[E], b: &[E], f: impl Fn(f64, f64) -> f64) -> f64 {
    let (a_lanes, b_lanes) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (a_rest, b_rest) = (a_lanes.remainder(), b_lanes.remainder());
    let mut partial = [0.0f64; LANES];
    for (a, b) in a_lanes.zip(b_lanes) {
        for lane in 0..LANES {
            partial[lane] += f(to_f64(a[lane]), to_f64(b[lane]));
        }
    }
    let rest: f64 = a_rest
        .iter()
        .zip(b_rest)
        .map(|(&a, &b)| f(to_f64(a), to_f64(b)))
        .sum();
    partial.iter().sum::<f64>() + rest
}

/// Channel `c`'s mean and biased variance, the mean subtracted before squaring.
fn mean_and_variance<E: CpuFloat>(
    values: &[E],
    c: usize,
    channels: usize,
    plane: usize,
) -> (f64, f64) {
    let planes = || channel_planes(values, c, channels, plane);
    let count: usize = planes().map(|p| p.len()).sum();
    let mean = planes().map(|p| lane_sum(p, p, |x, _| x)).sum::<f64>() / count as f64;
    let squares: f64 = planes()
        .map(|p| lane_sum(p, p, |x, _| (x - mean) * (x - mean)))
        .sum();
    (mean, squares / count as f64)
}

/// Per channel, `sum(dy)` and `sum(dy * (x - mean))`: what the affine parameters' gradients
/// (and training mode's input gradient) are made of.
fn gradient_sums<E: CpuFloat>(
    values: &[E],
    grad_out: &[E],
    means: &[f64],
    plane: usize,
) -> Vec<(f64, f64)> {
    let channels = means.len();
    (0..channels)
        .into_par_iter()
        .map(|c| {
            let mean = means[c];
            let planes = || {
                channel_planes(values, c, channels, plane)
                    .zip(channel_planes(grad_out, c, channels, plane))
            };
            let sum_dy: f64 = planes().map(|(x, dy)| lane_sum(x, dy, |_, dy| dy)).sum();
            let sum_dy_xc: f64 = planes()
                .map(|(x, dy)| lane_sum(x, dy, |x, dy| dy * (x - mean)))
                .sum();
            (sum_dy, sum_dy_xc)
        })
        .collect()
}

/// `(x - mean) * gamma / std + beta` for every value, in place, each channel with its own
/// statistics.
fn normalise<E: CpuFloat>(
    values: &mut [E],
    plane: usize,
    means: &[f64],
    inv_std: &[f64],
    gamma: &[E],
    beta: &[E],
) {
    let channels = means.len();
    let scale: Vec<E> = (0..channels)
        .map(|c| E::from_f64(to_f64(gamma[c]) * inv_std[c]).unwrap())
        .collect();
    let mean: Vec<E> = means.iter().map(|&m| E::from_f64(m).unwrap()).collect();
    values
        .par_chunks_mut(plane)
        .enumerate()
        .with_min_len(MIN_TASK.div_ceil(plane))
        .for_each(|(i, x)| {
            let c = i % channels;
            let (scale, mean, beta) = (scale[c], mean[c], beta[c]);
            for x in x {
                *x = (*x - mean) * scale + beta;
            }
        });
}
