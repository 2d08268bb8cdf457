//! Everything a notebook needs: `use mapping::prelude::*;`.
//!
//! dfdx's prelude (tensors, shapes, optimizers, losses, its layers) plus this crate's layers,
//! ops and model zoo. The crate itself never imports this module.

pub use dfdx::data::*;
pub use dfdx::optim::{
    Adam, AdamConfig, Momentum, RMSprop, RMSpropConfig, Sgd, SgdConfig, WeightDecay,
};
pub use dfdx::prelude::*;

pub use crate::models;
pub use crate::nn::builders::{
    AvgPool2d, BatchNorm2d, Conv2d, Flatten, GlobalAvgPool, MaxPool2d, PatchTokens, ReLU,
    Sequential, TokenMean,
};
pub use crate::ops::{
    avg_pool2d, conv2d, conv2d_with_bias, flatten, flatten_unbatched, global_avg_pool, max_pool2d,
    relu, try_avg_pool2d, try_conv2d, try_max_pool2d, try_relu, Conv2dParams, PoolParams,
};
pub use crate::{Error as MappingError, Result as MappingResult};
