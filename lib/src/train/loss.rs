//! Losses beyond dfdx's own (`cross_entropy_with_logits_loss`, `binary_cross_entropy_with_logits_loss`,
//! `mse_loss`, ... in the prelude).

use dfdx::losses::cross_entropy_with_logits_loss;
use dfdx::shapes::{Dtype, HasAxes, HasShape, Rank0, Shape};
use dfdx::tensor::{Tape, Tensor};
use dfdx::tensor_ops::Device;

/// Cross-entropy against one-hot targets softened to `(1 - smoothing) * y + smoothing / K`:
/// PyTorch's `F.cross_entropy(logits, labels, label_smoothing=smoothing)`. Keeps the network
/// from pushing its logits toward infinity to be "sure".
pub fn cross_entropy_with_label_smoothing<S: Shape, E: Dtype, D: Device<E>, T: Tape<E, D>>(
    logits: Tensor<S, E, D, T>,
    one_hot: Tensor<S, E, D>,
    smoothing: f64,
) -> Tensor<Rank0, E, D, T> {
    assert!(
        (0.0..=1.0).contains(&smoothing),
        "label smoothing must be in [0, 1]"
    );
    let classes = <S as HasAxes<S::LastAxis>>::size(logits.shape()) as f64;
    let keep = E::from_f64(1.0 - smoothing).unwrap();
    let spread = E::from_f64(smoothing / classes).unwrap();
    cross_entropy_with_logits_loss(logits, one_hot * keep + spread)
}
