//! Everything a notebook needs: `use mapping::prelude::*;`.
//!
//! dfdx's prelude (tensors, shapes, losses, its layers) plus this crate's layers, ops, model
//! zoo, optimizers (which replace dfdx's: PyTorch's update rules, savable state), trainer and
//! charts. The crate itself never imports this module.

pub use dfdx::data::*;
pub use dfdx::prelude::*;

pub use crate::data::CourseData;
pub use crate::ensemble::{average, weighted_average, weights_from_scores, Stacking};
#[cfg(feature = "cuda")]
pub use crate::gpu::try_cuda;
pub use crate::models;
pub use crate::nn::builders::{
    AvgPool2d, BatchNorm2d, Conv2d, Dropout, DropoutOneIn, Flatten, Frozen, GlobalAvgPool,
    MaxPool2d, PatchTokens, ReLU, Sequential, TokenMean,
};
pub use crate::nn::{attention_weights, load_weights};
pub use crate::notebook::{display, DisplayHandle, LiveCurves};
pub use crate::ops::{
    avg_pool2d, conv2d, conv2d_with_bias, flatten, flatten_unbatched, global_avg_pool, max_pool2d,
    relu, try_avg_pool2d, try_conv2d, try_max_pool2d, try_relu, Conv2dParams, PoolParams,
};
pub use crate::optim::{AdaGrad, Adam, AnyOptimizer, Optimizer, RmsProp, Sgd};
pub use crate::train::{
    cross_entropy_with_label_smoothing, evaluate, load_checkpoint, save_checkpoint, weight_penalty,
    BestCheckpoint, EarlyStopping, Evaluation, Fit, History, LrScheduler, Monitor,
};
pub use crate::viz::{
    ClassBars, ConfusionHeatmap, EvcxrDisplay, Heatmap, ImageGrid, LineChart, Plot, TrainingCurves,
};
pub use crate::{Error as MappingError, Result as MappingResult};
