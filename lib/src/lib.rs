//! # mapping — everything is a mapping
//!
//! The course library: compile-time-shaped tensors and CNN layers on [dfdx] 0.13, on stable Rust.
//! dfdx gives tensors, autodiff, `Linear`, `BatchNorm2D`, attention and the optimizers; this
//! crate adds what dfdx only has on nightly — convolution, pooling and flatten, with their
//! gradients — and computes every layer's output shape in the type system.
//!
//! ```
//! use mapping::prelude::*;
//! let dev = AutoDevice::default();
//! let model = dev.build_module::<models::SeedCifarCnn, f32>();
//! let x: Tensor<Rank4<8, 3, 32, 32>, f32, _> = dev.sample_normal();
//! let logits: Tensor<Rank2<8, 10>, f32, _> = model.forward(x);
//! assert_eq!(logits.shape(), &(Const::<8>, Const::<10>));
//! ```
//!

// Output types spell out the shape arithmetic (`<H as ConvOutDim<..>>::Output`): that is the
// point of the crate, not accidental complexity.
#![allow(clippy::type_complexity)]

#[cfg(feature = "cli")]
pub mod alloc;
pub mod data;
pub mod ensemble;
pub mod error;
pub mod fs;
#[cfg(feature = "cuda")]
pub mod gpu;
pub mod metrics;
pub mod models;
pub mod nn;
pub mod notebook;
pub mod ops;
pub mod optim;
pub mod prelude;
pub mod shape;
pub mod train;
pub mod viz;

pub use error::{Error, Result};
