//! Global average pooling: one mean per channel, `(B, C, H, W) -> (B, C)`.
//!
//! A mean over the two spatial axes; dfdx's reduction already records its gradient
//! (`1 / (H * W)` to every pixel), so this op needs no kernel of its own.

use dfdx::shapes::{Axes2, Dim, Dtype};
use dfdx::tensor::{Tape, Tensor};
use dfdx::tensor_ops::{Device, MeanTo};

/// The mean of each channel over height and width.
pub fn global_avg_pool<B: Dim, C: Dim, H: Dim, W: Dim, E: Dtype, D: Device<E>, T: Tape<E, D>>(
    x: Tensor<(B, C, H, W), E, D, T>,
) -> Tensor<(B, C), E, D, T> {
    x.mean::<_, Axes2<2, 3>>()
}
