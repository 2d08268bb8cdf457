//! The sliding window shared by convolution and pooling: sizes, and which positions of a
//! window row fall inside the image rather than in the zero padding.

use dfdx::shapes::{Const, Dim};
use dfdx::tensor::Tensor;

use crate::error::{Error, Result};
use crate::shape::{conv_output_size, ConvOutDim};

/// Kernel, stride and padding of a pooling window, as dfdx dims: `Const` for compile-time
/// output shapes, `usize` for run-time ones.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolParams<K: Dim, S: Dim, P: Dim> {
    pub kernel: K,
    pub stride: S,
    pub padding: P,
}

impl<K: Dim> PoolParams<K, K, Const<0>> {
    /// A `kernel x kernel` window moved by `kernel` (no overlap), no padding, like PyTorch's
    /// `MaxPool2d(K)`: `PoolParams::kernel(Const::<2>)`.
    pub fn kernel(kernel: K) -> Self {
        Self {
            kernel,
            stride: kernel,
            padding: Const,
        }
    }
}

impl<K: Dim, S: Dim, P: Dim> PoolParams<K, S, P> {
    pub fn stride<S2: Dim>(self, stride: S2) -> PoolParams<K, S2, P> {
        PoolParams {
            kernel: self.kernel,
            stride,
            padding: self.padding,
        }
    }

    pub fn padding<P2: Dim>(self, padding: P2) -> PoolParams<K, S, P2> {
        PoolParams {
            kernel: self.kernel,
            stride: self.stride,
            padding,
        }
    }
}

/// One window's run-time geometry over a batch of `planes` images of `in_h x in_w`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window2d {
    pub in_h: usize,
    pub in_w: usize,
    pub kernel_h: usize,
    pub kernel_w: usize,
    pub stride: usize,
    pub padding: usize,
    pub dilation: usize,
    pub out_h: usize,
    pub out_w: usize,
}

impl Window2d {
    /// Checks the sizes and computes the output with `(in + 2P - D(K-1) - 1) / S + 1`.
    pub fn new(
        op: &'static str,
        (in_h, in_w): (usize, usize),
        (kernel_h, kernel_w): (usize, usize),
        stride: usize,
        padding: usize,
        dilation: usize,
    ) -> Result<Self> {
        if kernel_h == 0 || kernel_w == 0 || stride == 0 || dilation == 0 {
            return Err(Error::shape(
                op,
                format!("kernel {kernel_h}x{kernel_w}, stride {stride} and dilation {dilation} must all be at least 1"),
            ));
        }
        let size = |input, kernel| conv_output_size(input, kernel, stride, padding, dilation);
        match (size(in_h, kernel_h), size(in_w, kernel_w)) {
            (Some(out_h), Some(out_w)) => Ok(Self {
                in_h,
                in_w,
                kernel_h,
                kernel_w,
                stride,
                padding,
                dilation,
                out_h,
                out_w,
            }),
            _ => Err(Error::shape(
                op,
                format!(
                    "a {kernel_h}x{kernel_w} kernel (dilation {dilation}) does not fit a \
                     {in_h}x{in_w} input with padding {padding}"
                ),
            )),
        }
    }

    pub fn in_plane(&self) -> usize {
        self.in_h * self.in_w
    }

    pub fn out_plane(&self) -> usize {
        self.out_h * self.out_w
    }

    /// Input row (or column) read by output position `out` at kernel tap `tap`, if it is
    /// inside the image (not padding).
    #[inline]
    pub fn source(&self, out: usize, tap: usize, extent: usize) -> Option<usize> {
        (out * self.stride + tap * self.dilation)
            .checked_sub(self.padding)
            .filter(|&i| i < extent)
    }

    /// The output columns `lo..hi` whose input column for kernel column `tap` lies inside the
    /// image; the others read zero padding.
    #[inline]
    pub fn valid_columns(&self, tap: usize) -> (usize, usize) {
        let offset = tap * self.dilation;
        let s = self.stride;
        let lo = if offset >= self.padding {
            0
        } else {
            (self.padding - offset).div_ceil(s)
        };
        let end = self.in_w + self.padding;
        let hi = if end <= offset {
            0
        } else {
            (end - offset).div_ceil(s)
        };
        let hi = hi.min(self.out_w);
        (lo.min(hi), hi)
    }
}

/// Checks a pooling window against an image of `in_h x in_w`, as PyTorch does: the padding may
/// be at most half the kernel, so every window holds at least one real pixel.
pub(crate) fn pool_window(
    op: &'static str,
    (in_h, in_w): (usize, usize),
    kernel: usize,
    stride: usize,
    padding: usize,
) -> Result<Window2d> {
    if padding * 2 > kernel {
        return Err(Error::shape(
            op,
            format!("padding {padding} must be at most half the kernel size {kernel}"),
        ));
    }
    Window2d::new(op, (in_h, in_w), (kernel, kernel), stride, padding, 1)
}

impl Window2d {
    /// For a window with dilation 1: the input index of the window's first tap at output
    /// position `out` (may be negative, in the padding), and the taps `lo..hi` that fall inside
    /// an input of `extent` — so kernels loop without a bounds test per tap.
    #[inline]
    pub fn taps(&self, out: usize, kernel: usize, extent: usize) -> (isize, usize, usize) {
        debug_assert_eq!(self.dilation, 1);
        let start = (out * self.stride) as isize - self.padding as isize;
        let lo = (-start).max(0) as usize;
        let hi = (extent as isize - start).clamp(0, kernel as isize) as usize;
        (start, lo.min(hi), hi)
    }
}

/// The output of pooling `(B, C, H, W)` with window `K`, stride `S`, padding `P`.
pub type Pool2dOutput<B, C, H, W, K, S, P, E, D, T> = Tensor<
    (
        B,
        C,
        <H as ConvOutDim<K, S, P, Const<1>>>::Output,
        <W as ConvOutDim<K, S, P, Const<1>>>::Output,
    ),
    E,
    D,
    T,
>;

/// The output dims of a pooling window over `(B, C, H, W)`, checked at run time.
pub(crate) fn pool_output<B: Dim, C: Dim, H, W, K: Dim, S: Dim, P: Dim>(
    op: &'static str,
    (b, c, h, w): (B, C, H, W),
    params: &PoolParams<K, S, P>,
) -> Result<(Window2d, (B, C, H::Output, W::Output))>
where
    H: ConvOutDim<K, S, P, Const<1>>,
    W: ConvOutDim<K, S, P, Const<1>>,
{
    let window = pool_window(
        op,
        (h.size(), w.size()),
        params.kernel.size(),
        params.stride.size(),
        params.padding.size(),
    )?;
    match (
        H::Output::from_size(window.out_h),
        W::Output::from_size(window.out_w),
    ) {
        (Some(oh), Some(ow)) => Ok((window, (b, c, oh, ow))),
        _ => Err(Error::shape(
            op,
            "compile-time output size disagrees with the formula",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_columns_agree_with_source() {
        for (w, k, s, p, d) in [
            (5, 3, 1, 1, 1),
            (7, 3, 2, 3, 2),
            (4, 1, 3, 0, 1),
            (6, 5, 1, 2, 1),
        ] {
            let win = Window2d::new("test", (1, w), (1, k), s, p, d).unwrap();
            for tap in 0..k {
                let (lo, hi) = win.valid_columns(tap);
                for out in 0..win.out_w {
                    let inside = win.source(out, tap, w).is_some();
                    assert_eq!(
                        inside,
                        (lo..hi).contains(&out),
                        "w{w} k{k} s{s} p{p} d{d} tap{tap} out{out}"
                    );
                }
            }
        }
    }

    #[test]
    fn too_large_a_kernel_is_a_clear_error() {
        let err = Window2d::new("max_pool2d", (2, 2), (3, 3), 1, 0, 1).unwrap_err();
        assert!(
            err.to_string().contains("does not fit a 2x2 input"),
            "{err}"
        );
    }
}
