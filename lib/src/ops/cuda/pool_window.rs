//! The pooling kernels' `Window` argument (max_pool2d.cu, avg_pool2d.cu).

use cudarc::driver::DeviceRepr;

use crate::ops::window::Window2d;

/// A square pooling window over `planes` image planes, laid out as the kernels' `Window`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct PoolWindow {
    planes: i64,
    in_h: i64,
    in_w: i64,
    kernel: i64,
    stride: i64,
    padding: i64,
    out_h: i64,
    out_w: i64,
}

// SAFETY: a plain `repr(C)` struct of integers, laid out as the kernels' `Window`.
unsafe impl DeviceRepr for PoolWindow {}

impl PoolWindow {
    pub fn new(w: &Window2d, planes: usize) -> Self {
        debug_assert_eq!(w.kernel_h, w.kernel_w, "pooling windows are square");
        let i = |v: usize| v as i64;
        Self {
            planes: i(planes),
            in_h: i(w.in_h),
            in_w: i(w.in_w),
            kernel: i(w.kernel_h),
            stride: i(w.stride),
            padding: i(w.padding),
            out_h: i(w.out_h),
            out_w: i(w.out_w),
        }
    }
}
