use dfdx::nn::builders::Linear;

use crate::nn::builders::{Conv2d, Flatten, MaxPool2d, ReLU, Sequential};

/// The 224x224 TensorFlow CNN of seed article 002 (§4.1), for `(B, 3, 224, 224)` images.
///
/// Valid 3x3 convolutions 3 → 32 → 64 → 128, each with ReLU and 2x2 max pooling
/// (224 → 222 → 111 → 109 → 54 → 52 → 26), then 86528 → 128 → 10 (logits; the article's
/// softmax plus `from_logits=True` applies softmax twice — its erratum). 11,170,250 parameters,
/// 99% of them in the first dense layer: why the course later swaps it for global pooling.
pub type TfImagenetCnn = Sequential<(
    Conv2d<3, 32, 3>,
    ReLU,
    MaxPool2d<2>,
    Conv2d<32, 64, 3>,
    ReLU,
    MaxPool2d<2>,
    Conv2d<64, 128, 3>,
    ReLU,
    MaxPool2d<2>,
    Flatten,
    Linear<86528, 128>,
    ReLU,
    Linear<128, 10>,
)>;
