//! Layers as dfdx modules: the CNN pieces dfdx lacks on stable, plus `Sequential` and a
//! PyTorch-named `BatchNorm2d`. Build them with `dev.build_module::<M, f32>()`.
//!
//! As in dfdx, a layer with parameters has a *builder* type (no device, no dtype — what a model
//! type alias names) and a *built* module holding the tensors; parameterless layers are both.

mod attention_weights;
mod batch_norm2d;
mod conv2d;
mod dropout;
mod flatten;
mod frozen;
mod global_avg_pool;
pub(crate) mod load_weights;
mod pool2d;
mod relu;
mod sequential;
mod tokens;

pub use attention_weights::attention_weights;
pub use dropout::{Dropout, DropoutOneIn};
pub use flatten::Flatten;
pub use frozen::Frozen;
pub use global_avg_pool::GlobalAvgPool;
pub use load_weights::load_weights;
pub use pool2d::{AvgPool2d, MaxPool2d};
pub use relu::ReLU;
pub use sequential::Sequential;
pub use tokens::{PatchTokens, TokenMean};

/// Built modules (tensors on a device).
pub mod modules {
    pub use super::batch_norm2d::BatchNorm2d;
    pub use super::conv2d::{Conv2d, GroupIn};
    pub use super::{
        AvgPool2d, Dropout, DropoutOneIn, Flatten, Frozen, GlobalAvgPool, MaxPool2d, PatchTokens,
        ReLU, Sequential, TokenMean,
    };
}

/// Builder types: what a network's type is written with.
pub mod builders {
    pub use super::batch_norm2d::builder::BatchNorm2d;
    pub use super::conv2d::builder::Conv2d;
    pub use super::{
        AvgPool2d, Dropout, DropoutOneIn, Flatten, Frozen, GlobalAvgPool, MaxPool2d, PatchTokens,
        ReLU, Sequential, TokenMean,
    };
}
