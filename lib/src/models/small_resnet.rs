use dfdx::nn::builders::{GeneralizedResidual, Linear, Residual};

use crate::nn::builders::{BatchNorm2d, Conv2d, GlobalAvgPool, ReLU, Sequential};

/// A residual block that keeps `C` channels: `relu(x + bn(conv(relu(bn(conv(x))))))`
/// (the skip connection of seed article 002, §2.1.2; He et al.'s basic block).
pub type BasicBlock<const C: usize> = Sequential<(
    Residual<
        Sequential<(
            Conv2d<C, C, 3, 1, 1>,
            BatchNorm2d<C>,
            ReLU,
            Conv2d<C, C, 3, 1, 1>,
            BatchNorm2d<C>,
        )>,
    >,
    ReLU,
)>;

/// A residual block that halves the resolution and goes from `I` to `O` channels; the skip
/// path is a strided 1x1 convolution so the two branches have the same shape.
pub type DownBlock<const I: usize, const O: usize> = Sequential<(
    GeneralizedResidual<
        Sequential<(
            Conv2d<I, O, 3, 2, 1>,
            BatchNorm2d<O>,
            ReLU,
            Conv2d<O, O, 3, 1, 1>,
            BatchNorm2d<O>,
        )>,
        Sequential<(Conv2d<I, O, 1, 2, 0>, BatchNorm2d<O>)>,
    >,
    ReLU,
)>;

/// A small CIFAR ResNet for `(B, 3, 32, 32)`: a 16-channel stem, one block at each of
/// 16/32/64 channels (32x32, 16x16, 8x8), global average pooling and a 64 → 10 head.
pub type SmallResNet = Sequential<(
    Conv2d<3, 16, 3, 1, 1>,
    BatchNorm2d<16>,
    ReLU,
    BasicBlock<16>,
    DownBlock<16, 32>,
    DownBlock<32, 64>,
    GlobalAvgPool,
    Linear<64, 10>,
)>;
