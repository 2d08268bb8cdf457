//! The element types the CPU kernels run on.

use dfdx::shapes::Dtype;

/// `f32` or `f64`: what the CPU kernels and the `gemm` crate accept.
pub trait CpuFloat: Dtype + num_traits::Float + Send + Sync + 'static {}

impl CpuFloat for f32 {}
impl CpuFloat for f64 {}
