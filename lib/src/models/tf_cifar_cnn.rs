use dfdx::nn::builders::Linear;

use crate::nn::builders::{Conv2d, Flatten, MaxPool2d, ReLU, Sequential};

/// The TensorFlow CIFAR-10 CNN of seed article 003 (§5), for `(B, 3, 32, 32)` images.
///
/// Valid 3x3 convolutions 3 → 32 → 64 with ReLU and 2x2 max pooling (32 → 30 → 15 → 13 → 6),
/// then one dense layer 2304 → 10 (logits; the article's softmax goes into the loss).
/// 42,442 parameters.
pub type TfCifarCnn = Sequential<(
    Conv2d<3, 32, 3>,
    ReLU,
    MaxPool2d<2>,
    Conv2d<32, 64, 3>,
    ReLU,
    MaxPool2d<2>,
    Flatten,
    Linear<2304, 10>,
)>;
