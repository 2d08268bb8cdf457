//! Compile-time shapes on stable Rust.
//!
//! A layer's output size follows `out = (in + 2P - D(K-1) - 1) / S + 1`. dfdx computes it with
//! `generic_const_exprs`, which only nightly has. Here the arithmetic runs on typenum's binary
//! numbers instead: `Const<N>` goes to typenum (typenum's own table, N <= 1024), the formula is
//! evaluated by trait resolution, and the result comes back to `Const<M>` through a table that
//! `build.rs` generates. With `usize` dims everything is computed at run time instead.
//!
//! A size outside the tables is a compile error that names [`ToConstDim`]; switch that tensor to
//! `usize` dims (and [`dfdx::tensor_ops::RealizeTo::realize`] back to `Const` where needed).

mod conv_out;
mod flatten;
mod per_group;
mod to_const;

pub use conv_out::{conv_output_size, ConvOutDim, ConvOutUInt};
pub use flatten::FlattenDims;
pub use per_group::PerGroup;
pub use to_const::ToConstDim;
