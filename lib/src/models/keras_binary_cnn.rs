use dfdx::nn::builders::{Linear, Sigmoid};

use crate::nn::builders::{Conv2d, Flatten, MaxPool2d, ReLU, Sequential};

/// The binary classifier of seed article 000 (§4, Keras), for `(B, 3, 64, 64)` images.
///
/// Valid 3x3 convolutions 3 → 32 → 64, each followed by ReLU and 2x2 max pooling
/// (64 → 62 → 31 → 29 → 14), then 12544 → 128 → 1 with a sigmoid: the probability of the
/// positive class, trained with binary cross-entropy. 1,625,281 parameters.
pub type KerasBinaryCnn = Sequential<(
    Conv2d<3, 32, 3>,
    ReLU,
    MaxPool2d<2>,
    Conv2d<32, 64, 3>,
    ReLU,
    MaxPool2d<2>,
    Flatten,
    Linear<12544, 128>,
    ReLU,
    Linear<128, 1>,
    Sigmoid,
)>;
