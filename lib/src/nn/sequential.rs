//! `Sequential`: layers applied one after another, named like PyTorch's `nn.Sequential`.

/// A chain of up to 16 layers, `Sequential<(A, B, C)>`: `C(B(A(x)))`.
///
/// Parameters are named by position, `"3.weight"` for the fourth layer's weight, exactly as in
/// PyTorch's `nn.Sequential` state_dict, so checkpoints move between the two by name.
/// (dfdx's own tuples stop at 6 layers and nest the names of longer chains.)
#[derive(Debug, Default, Clone)]
pub struct Sequential<Layers>(pub Layers);

#[path = "sequential_impls.rs"]
mod impls;
