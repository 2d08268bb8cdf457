//! What an attention layer looks at: the softmax weights dfdx's `MultiHeadAttention` computes
//! inside its forward pass and does not return.

use dfdx::nn::modules::MultiHeadAttention;
use dfdx::nn::Module;
use dfdx::shapes::{Axes4, Axis, Const, Dim, Dtype, HasShape};
use dfdx::tensor::Tensor;
use dfdx::tensor_ops::{Device, PermuteTo, ReshapeTo, TryMatMul, TryMul};
use num_traits::Float;

/// Self-attention weights of `mha` for `tokens` `(B, S, M)`: a `(B, H, S, S)` tensor whose
/// `[b, h, i, j]` is how much query token `i` takes from token `j` in head `h`,
/// `softmax(q k^T / sqrt(K / H))` — each row sums to 1.
///
/// The same computation as dfdx's forward pass (`tests/tests/suite/attention_weights.rs` rebuilds the
/// layer's output from these weights and compares).
pub fn attention_weights<
    const M: usize,
    const H: usize,
    const K: usize,
    const V: usize,
    B,
    S,
    E,
    D,
>(
    mha: &MultiHeadAttention<M, H, K, V, E, D>,
    tokens: &Tensor<(B, S, Const<M>), E, D>,
) -> Result<Tensor<(B, usize, S, S), E, D>, D::Err>
where
    B: Dim,
    S: Dim,
    E: Dtype + Float,
    D: Device<E>,
{
    let (b, s, _) = *tokens.shape();
    let q = mha
        .w_q
        .try_forward(tokens.clone())?
        .try_reshape_like(&(b, s, H, K / H))?
        .try_permute::<_, Axes4<0, 2, 1, 3>>()?;
    let k = mha
        .w_k
        .try_forward(tokens.clone())?
        .try_reshape_like(&(b, s, H, K / H))?
        .try_permute::<_, Axes4<0, 2, 3, 1>>()?;
    let scale = E::from_f64(1.0 / ((K / H) as f64).sqrt()).expect("a float dtype");
    q.try_matmul(k)?.try_mul(scale)?.try_softmax::<Axis<3>>()
}
