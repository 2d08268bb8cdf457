//! Batch normalisation over the channels of `(B, C, H, W)` images, as `nn.BatchNorm2d`.
//!
//! Training mode normalises with the batch's mean and (biased) variance per channel and moves the
//! running statistics towards them (the variance unbiased, as PyTorch); evaluation mode uses the
//! running statistics and, unlike dfdx's module, accepts a tape: gradients flow through it as in
//! PyTorch after `model.eval()`. dfdx's `BatchNorm2D` builds this from about ten generic
//! broadcast and reduce ops, each a pass over the images on the CPU, plus their backward passes;
//! the CPU kernel here takes per-channel sums, then makes one elementwise pass, each way. On the
//! GPU, training is dfdx's module and evaluation the same generic ops with the tape kept
//! (`dfdx_ops.rs`).

mod cpu;
#[cfg(feature = "cuda")]
mod cuda;
mod dfdx_ops;

pub(crate) use dfdx_ops::eval_by_dfdx_ops;

use dfdx::nn::modules::BatchNorm2D;
use dfdx::shapes::{Const, Dim, Dtype};
use dfdx::tensor::{Merge, OwnedTape, Tape, Tensor};
use dfdx::tensor_ops::Device;

/// A device that can run batch normalisation with `BatchNorm2D`'s parameters and statistics.
pub trait BatchNorm2dKernel<E: Dtype>: Device<E> {
    /// Training mode: the batch's statistics, the running ones updated, a backward op recorded
    /// on `tape` for the input, `scale` and `bias`. (Like dfdx's module, training mode needs a
    /// tape.)
    fn batch_norm2d_train<B: Dim, const C: usize, H: Dim, W: Dim>(
        bn: &mut BatchNorm2D<C, E, Self>,
        x: Tensor<(B, Const<C>, H, W), E, Self>,
        tape: OwnedTape<E, Self>,
    ) -> Result<Tensor<(B, Const<C>, H, W), E, Self, OwnedTape<E, Self>>, Self::Err>;

    /// Evaluation mode: the running statistics, left as they are. With an owned tape, a
    /// backward op for the input, `scale` and `bias`, as PyTorch gives them after
    /// `model.eval()` (saliency maps, fine-tuning under frozen statistics); dfdx's module
    /// refuses a tape in evaluation mode.
    fn batch_norm2d_eval<B: Dim, const C: usize, H: Dim, W: Dim, T: Tape<E, Self> + Merge<T>>(
        bn: &BatchNorm2D<C, E, Self>,
        x: Tensor<(B, Const<C>, H, W), E, Self>,
        tape: T,
    ) -> Result<Tensor<(B, Const<C>, H, W), E, Self, T>, Self::Err>;
}
