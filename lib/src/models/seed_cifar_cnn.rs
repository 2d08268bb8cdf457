use dfdx::nn::builders::Linear;

use crate::nn::builders::{Conv2d, Flatten, MaxPool2d, ReLU, Sequential};

/// The CIFAR-10 CNN of seed article 001 (§5, its PyTorch code), for `(B, 3, 32, 32)` images.
///
/// Three 3x3 convolutions (3 → 32 → 64 → 64, padding 1) with ReLU, 2x2 max pooling after the
/// first two, then 4096 → 512 → 10. The article flattens `64*4*4`; two 2x2 pools take 32x32
/// to 8x8, so the right width is `64*8*8 = 4096` — and the compiler insists on it.
/// 2,159,114 parameters, as PyTorch counts them.
pub type SeedCifarCnn = Sequential<(
    Conv2d<3, 32, 3, 1, 1>,
    ReLU,
    MaxPool2d<2>,
    Conv2d<32, 64, 3, 1, 1>,
    ReLU,
    MaxPool2d<2>,
    Conv2d<64, 64, 3, 1, 1>,
    ReLU,
    Flatten,
    Linear<4096, 512>,
    ReLU,
    Linear<512, 10>,
)>;
