//! 2-D convolution (cross-correlation, as in PyTorch) with stride, padding, dilation and groups.
//!
//! Layouts follow PyTorch: images `(B, C, H, W)`, weight `(O, C / groups, KH, KW)`, bias `(O,)`.
//! The output's height and width types come from [`ConvOutDim`]: `Const` in, `Const` out.

mod cpu;
#[cfg(feature = "cuda")]
mod cuda;
mod shifted_taps;
mod strided;

use dfdx::shapes::{Const, Dim, Dtype, HasShape, Shape};
use dfdx::tensor::{Merge, SplitTape, Tape, Tensor};
use dfdx::tensor_ops::{Device, ReshapeTo};

use crate::error::{Error, Result};
use crate::ops::window::Window2d;
use crate::shape::ConvOutDim;

/// Stride, padding, dilation and groups of a convolution, as dfdx dims.
///
/// `Conv2dParams::new()` is PyTorch's default (1, 0, 1, 1); change one with the builder methods,
/// e.g. `Conv2dParams::new().padding(Const::<1>)`.
#[derive(Clone, Copy, Debug)]
pub struct Conv2dParams<S: Dim, P: Dim, L: Dim, G: Dim> {
    pub stride: S,
    pub padding: P,
    pub dilation: L,
    pub groups: G,
}

impl Conv2dParams<Const<1>, Const<0>, Const<1>, Const<1>> {
    pub fn new() -> Self {
        Self {
            stride: Const,
            padding: Const,
            dilation: Const,
            groups: Const,
        }
    }
}

impl Default for Conv2dParams<Const<1>, Const<0>, Const<1>, Const<1>> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Dim, P: Dim, L: Dim, G: Dim> Conv2dParams<S, P, L, G> {
    pub fn stride<S2: Dim>(self, stride: S2) -> Conv2dParams<S2, P, L, G> {
        Conv2dParams {
            stride,
            padding: self.padding,
            dilation: self.dilation,
            groups: self.groups,
        }
    }
    pub fn padding<P2: Dim>(self, padding: P2) -> Conv2dParams<S, P2, L, G> {
        Conv2dParams {
            stride: self.stride,
            padding,
            dilation: self.dilation,
            groups: self.groups,
        }
    }
    pub fn dilation<L2: Dim>(self, dilation: L2) -> Conv2dParams<S, P, L2, G> {
        Conv2dParams {
            stride: self.stride,
            padding: self.padding,
            dilation,
            groups: self.groups,
        }
    }
    pub fn groups<G2: Dim>(self, groups: G2) -> Conv2dParams<S, P, L, G2> {
        Conv2dParams {
            stride: self.stride,
            padding: self.padding,
            dilation: self.dilation,
            groups,
        }
    }
}

/// The run-time sizes of one convolution call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dGeometry {
    pub batch: usize,
    pub in_channels: usize,
    pub out_channels: usize,
    pub groups: usize,
    pub window: Window2d,
}

impl Conv2dGeometry {
    /// Checks that the input, weight and groups agree, and computes the output size.
    pub fn new(
        (batch, in_channels, in_h, in_w): (usize, usize, usize, usize),
        (out_channels, group_in, kernel_h, kernel_w): (usize, usize, usize, usize),
        stride: usize,
        padding: usize,
        dilation: usize,
        groups: usize,
    ) -> Result<Self> {
        let op = "conv2d";
        if groups == 0 || in_channels % groups != 0 || out_channels % groups != 0 {
            return Err(Error::shape(
                op,
                format!("groups = {groups} must divide in_channels = {in_channels} and out_channels = {out_channels}"),
            ));
        }
        if group_in != in_channels / groups {
            return Err(Error::shape(
                op,
                format!(
                    "weight has {group_in} input channels per group, the image has {in_channels} \
                     channels in {groups} group(s) = {} per group",
                    in_channels / groups
                ),
            ));
        }
        let window = Window2d::new(
            op,
            (in_h, in_w),
            (kernel_h, kernel_w),
            stride,
            padding,
            dilation,
        )?;
        Ok(Self {
            batch,
            in_channels,
            out_channels,
            groups,
            window,
        })
    }

    pub fn group_in(&self) -> usize {
        self.in_channels / self.groups
    }
    pub fn group_out(&self) -> usize {
        self.out_channels / self.groups
    }
    /// Rows of the im2col matrix of one group: `C/groups * KH * KW`.
    pub fn patch_len(&self) -> usize {
        self.group_in() * self.window.kernel_h * self.window.kernel_w
    }
    /// A 1x1 kernel with stride 1 and no padding reads the image as it is: no im2col needed.
    pub fn is_pointwise(&self) -> bool {
        let w = &self.window;
        w.kernel_h == 1 && w.kernel_w == 1 && w.stride == 1 && w.padding == 0
    }
    pub fn input_len(&self) -> usize {
        self.in_channels * self.window.in_plane()
    }
    pub fn output_len(&self) -> usize {
        self.out_channels * self.window.out_plane()
    }
}

/// A device that can run [`conv2d`]: computes the output and records the backward pass.
pub trait Conv2dKernel<E: Dtype>: Device<E> {
    /// Forward pass into a tensor of `out_shape`; if `T` owns a tape, the backward pass
    /// (gradients of `x`, `weight` and `bias`) is added to it.
    fn conv2d_forward<Xs: Shape, Ws: Shape, Bs: Shape, Os: Shape, T: Tape<E, Self>>(
        geometry: Conv2dGeometry,
        x: Tensor<Xs, E, Self>,
        weight: Tensor<Ws, E, Self>,
        bias: Option<Tensor<Bs, E, Self>>,
        out_shape: Os,
        tape: T,
    ) -> Result<Tensor<Os, E, Self, T>, Self::Err>;
}

/// The output type of a convolution of `(B, C, H, W)` with a `(O, C/G, KH, KW)` kernel.
pub type Conv2dOutput<B, O, H, W, KH, KW, S, P, L, E, D, T> = Tensor<
    (
        B,
        O,
        <H as ConvOutDim<KH, S, P, L>>::Output,
        <W as ConvOutDim<KW, S, P, L>>::Output,
    ),
    E,
    D,
    T,
>;

/// Checks the shapes (outer `Result`) and runs the device (inner `Result`), so that layers can
/// report device errors as dfdx's `D::Err`.
pub(crate) fn conv2d_checked<B, C, H, W, O, Cg, KH, KW, S, P, L, G, E, D, T, R>(
    x: Tensor<(B, C, H, W), E, D, T>,
    weight: Tensor<(O, Cg, KH, KW), E, D, R>,
    bias: Option<Tensor<(O,), E, D, R>>,
    params: Conv2dParams<S, P, L, G>,
) -> Result<Result<Conv2dOutput<B, O, H, W, KH, KW, S, P, L, E, D, T>, D::Err>>
where
    B: Dim,
    C: Dim,
    H: ConvOutDim<KH, S, P, L>,
    W: ConvOutDim<KW, S, P, L>,
    O: Dim,
    Cg: Dim,
    KH: Dim,
    KW: Dim,
    S: Dim,
    P: Dim,
    L: Dim,
    G: Dim,
    E: Dtype,
    D: Conv2dKernel<E>,
    T: Tape<E, D> + Merge<R>,
    R: Tape<E, D>,
{
    let (b, c, h, w) = *x.shape();
    let (o, cg, kh, kw) = *weight.shape();
    let geometry = Conv2dGeometry::new(
        (b.size(), c.size(), h.size(), w.size()),
        (o.size(), cg.size(), kh.size(), kw.size()),
        params.stride.size(),
        params.padding.size(),
        params.dilation.size(),
        params.groups.size(),
    )?;
    if let Some(bias) = &bias {
        if bias.shape().0.size() != o.size() {
            return Err(Error::shape(
                "conv2d",
                format!(
                    "bias has {} entries for {} output channels",
                    bias.shape().0.size(),
                    o.size()
                ),
            ));
        }
    }
    let out_h = H::Output::from_size(geometry.window.out_h);
    let out_w = W::Output::from_size(geometry.window.out_w);
    let (Some(out_h), Some(out_w)) = (out_h, out_w) else {
        return Err(Error::shape(
            "conv2d",
            "compile-time output size disagrees with the formula",
        ));
    };
    let run = || {
        let (x, x_tape) = x.try_contiguous()?.split_tape();
        let (weight, w_tape) = weight.try_contiguous()?.split_tape();
        let mut tape = x_tape.merge(w_tape);
        let bias = match bias {
            Some(bias) => {
                let (bias, b_tape) = bias.try_contiguous()?.split_tape();
                tape = tape.merge(b_tape);
                Some(bias)
            }
            None => None,
        };
        D::conv2d_forward(geometry, x, weight, bias, (b, o, out_h, out_w), tape)
    };
    Ok(run())
}

/// Convolution with an optional bias; errors name what does not fit.
///
/// The bias shares the weight's tape type: both are parameters of one layer.
pub fn try_conv2d<B, C, H, W, O, Cg, KH, KW, S, P, L, G, E, D, T, R>(
    x: Tensor<(B, C, H, W), E, D, T>,
    weight: Tensor<(O, Cg, KH, KW), E, D, R>,
    bias: Option<Tensor<(O,), E, D, R>>,
    params: Conv2dParams<S, P, L, G>,
) -> Result<Conv2dOutput<B, O, H, W, KH, KW, S, P, L, E, D, T>>
where
    B: Dim,
    C: Dim,
    H: ConvOutDim<KH, S, P, L>,
    W: ConvOutDim<KW, S, P, L>,
    O: Dim,
    Cg: Dim,
    KH: Dim,
    KW: Dim,
    S: Dim,
    P: Dim,
    L: Dim,
    G: Dim,
    E: Dtype,
    D: Conv2dKernel<E>,
    T: Tape<E, D> + Merge<R>,
    R: Tape<E, D>,
{
    conv2d_checked(x, weight, bias, params)?.map_err(Error::device)
}

/// Convolution without bias. Panics with the error's message where [`try_conv2d`] would fail.
pub fn conv2d<B, C, H, W, O, Cg, KH, KW, S, P, L, G, E, D, T, R>(
    x: Tensor<(B, C, H, W), E, D, T>,
    weight: Tensor<(O, Cg, KH, KW), E, D, R>,
    params: Conv2dParams<S, P, L, G>,
) -> Conv2dOutput<B, O, H, W, KH, KW, S, P, L, E, D, T>
where
    B: Dim,
    C: Dim,
    H: ConvOutDim<KH, S, P, L>,
    W: ConvOutDim<KW, S, P, L>,
    O: Dim,
    Cg: Dim,
    KH: Dim,
    KW: Dim,
    S: Dim,
    P: Dim,
    L: Dim,
    G: Dim,
    E: Dtype,
    D: Conv2dKernel<E>,
    T: Tape<E, D> + Merge<R>,
    R: Tape<E, D>,
{
    try_conv2d(x, weight, None, params).unwrap_or_else(|e| panic!("{e}"))
}

/// Convolution plus a per-output-channel bias, fused into one pass.
pub fn conv2d_with_bias<B, C, H, W, O, Cg, KH, KW, S, P, L, G, E, D, T, R>(
    x: Tensor<(B, C, H, W), E, D, T>,
    weight: Tensor<(O, Cg, KH, KW), E, D, R>,
    bias: Tensor<(O,), E, D, R>,
    params: Conv2dParams<S, P, L, G>,
) -> Conv2dOutput<B, O, H, W, KH, KW, S, P, L, E, D, T>
where
    B: Dim,
    C: Dim,
    H: ConvOutDim<KH, S, P, L>,
    W: ConvOutDim<KW, S, P, L>,
    O: Dim,
    Cg: Dim,
    KH: Dim,
    KW: Dim,
    S: Dim,
    P: Dim,
    L: Dim,
    G: Dim,
    E: Dtype,
    D: Conv2dKernel<E>,
    T: Tape<E, D> + Merge<R>,
    R: Tape<E, D>,
{
    try_conv2d(x, weight, Some(bias), params).unwrap_or_else(|e| panic!("{e}"))
}
