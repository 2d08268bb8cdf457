//! The CNN ops dfdx 0.13 only offers on nightly, built on its public tape API, and CPU kernels
//! for two it has (ReLU, batch norm) whose generic form is slow on the CPU.
//!
//! One folder per op, as in dfdx: `mod.rs` checks shapes, computes the output type and records
//! the backward pass on the tape; `cpu.rs` holds the kernel (a `cuda.rs` sits beside it behind
//! the `cuda` feature). Every op takes batched `(B, C, H, W)` images; the `_unbatched` forms take
//! `(C, H, W)`.
//!
//! Kernels see their inputs, and write the inputs' gradients, in row-major order, so each op's
//! entry point (its `mod.rs`; batch norm's layer, `nn::BatchNorm2d`) passes the inputs through
//! dfdx's `contiguous` first (free when they already are row-major). A
//! view such as `x.permute()` keeps its source's id, so it shares the source's gradient buffer,
//! laid out as the source is: a kernel writing that buffer row-major would add each value's
//! gradient to another value.

mod cpu_float;
#[cfg(feature = "cuda")]
pub mod cuda;
mod gemm;
mod grads;
mod host;
mod window;

pub mod avg_pool2d;
pub mod batch_norm2d;
pub mod conv2d;
pub mod flatten;
pub mod global_avg_pool;
pub mod max_pool2d;
pub mod relu;

pub use avg_pool2d::AvgPool2dKernel;
pub use avg_pool2d::{avg_pool2d, try_avg_pool2d};
pub use batch_norm2d::BatchNorm2dKernel;
pub use conv2d::{conv2d, conv2d_with_bias, try_conv2d, Conv2dKernel, Conv2dParams};
pub use cpu_float::CpuFloat;
pub use flatten::{flatten, flatten_unbatched};
pub use global_avg_pool::global_avg_pool;
pub use max_pool2d::{max_pool2d, try_max_pool2d, MaxPool2dKernel};
pub use relu::{relu, try_relu, ReluKernel};
pub use window::{PoolParams, Window2d};
