use dfdx::nn::builders::{LayerNorm1D, Linear, MultiHeadAttention, Residual};

use crate::nn::builders::{Conv2d, PatchTokens, ReLU, Sequential, TokenMean};

/// Attention over image patches (seed article 002, §2.1.3), for `(B, 3, 32, 32)` images.
///
/// A 4x4 stride-4 convolution cuts the image into 8x8 = 64 patches of 64 features each;
/// self-attention (4 heads) lets every patch weigh every other, with a skip connection and
/// layer norm; the mean token goes to a 64 → 10 head.
pub type PatchAttentionNet = Sequential<(
    Conv2d<3, 64, 4, 4>,
    ReLU,
    PatchTokens,
    Residual<MultiHeadAttention<64, 4>>,
    LayerNorm1D<64>,
    TokenMean,
    Linear<64, 10>,
)>;
