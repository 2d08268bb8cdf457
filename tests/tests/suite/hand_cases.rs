//! Small cases computed by hand, with compile-time shapes: the numbers a learner can check on
//! paper, and the shapes the type system must produce.

use dfdx::prelude::*;
use mapping::ops::{
    avg_pool2d, conv2d, conv2d_with_bias, flatten, global_avg_pool, max_pool2d, try_conv2d,
    try_max_pool2d,
};
use mapping::ops::{Conv2dParams, PoolParams};

fn counting_5x5(dev: &Cpu) -> Tensor<Rank4<1, 1, 5, 5>, f32, Cpu> {
    // pixel (i, j) = 5i + j + 1, i.e. 1..=25 row by row
    let mut values = [[[[0f32; 5]; 5]; 1]; 1];
    for (i, row) in values[0][0].iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (5 * i + j + 1) as f32;
        }
    }
    dev.tensor(values)
}

#[test]
fn a_vertical_edge_filter_on_a_ramp_by_hand() {
    let dev = Cpu::default();
    // Left column minus right column: every row of a 3x3 window contributes j - (j + 2) = -2.
    let kernel: Tensor<Rank4<1, 1, 3, 3>, f32, Cpu> =
        dev.tensor([[[[1., 0., -1.], [1., 0., -1.], [1., 0., -1.]]]]);
    let out: Tensor<Rank4<1, 1, 3, 3>, f32, Cpu> =
        conv2d(counting_5x5(&dev), kernel.clone(), Conv2dParams::new());
    assert_eq!(out.array(), [[[[-6.0; 3]; 3]]]);

    // With padding 1 the output keeps 5x5; at the top-left corner only pixels 1, 2, 6, 7 are
    // under the window, and the kernel's right column (-1) sees 2 and 7: -(2 + 7) = -9.
    let padded: Tensor<Rank4<1, 1, 5, 5>, f32, Cpu> = conv2d(
        counting_5x5(&dev),
        kernel,
        Conv2dParams::new().padding(Const::<1>),
    );
    let padded = padded.array();
    assert_eq!(padded[0][0][0][0], -9.0);
    assert_eq!(padded[0][0][2][2], -6.0);
    // Right edge: the left column sees pixels 4, 9 (top row) and the right column padding.
    assert_eq!(padded[0][0][0][4], 4.0 + 9.0);
}

#[test]
fn stride_and_bias_by_hand() {
    let dev = Cpu::default();
    let ones: Tensor<Rank4<1, 1, 2, 2>, f32, Cpu> = dev.ones();
    let bias: Tensor<Rank1<1>, f32, Cpu> = dev.tensor([0.5]);
    // Stride 3 over 5x5 with a 2x2 all-ones kernel: windows at (0,0), (0,3), (3,0), (3,3).
    let out: Tensor<Rank4<1, 1, 2, 2>, f32, Cpu> = conv2d_with_bias(
        counting_5x5(&dev),
        ones,
        bias,
        Conv2dParams::new().stride(Const::<3>),
    );
    // window sums: 1+2+6+7, 4+5+9+10, 16+17+21+22, 19+20+24+25
    assert_eq!(out.array(), [[[[16.5, 28.5], [76.5, 88.5]]]]);
}

#[test]
fn pooling_by_hand() {
    let dev = Cpu::default();
    let x: Tensor<Rank4<1, 1, 4, 4>, f32, Cpu> = dev.tensor([[[
        [1., 2., 3., 4.],
        [5., 6., 7., 8.],
        [9., 10., 11., 12.],
        [13., 14., 15., 16.],
    ]]]);
    let max: Tensor<Rank4<1, 1, 2, 2>, f32, Cpu> =
        max_pool2d(x.clone(), PoolParams::kernel(Const::<2>));
    assert_eq!(max.array(), [[[[6., 8.], [14., 16.]]]]);
    let avg: Tensor<Rank4<1, 1, 2, 2>, f32, Cpu> =
        avg_pool2d(x.clone(), PoolParams::kernel(Const::<2>));
    assert_eq!(avg.array(), [[[[3.5, 5.5], [11.5, 13.5]]]]);
    // Padding counts in the mean (PyTorch's count_include_pad=True): a 3x3 window at the
    // corner of a padded 2x2 image of ones holds 4 ones and 5 zeros.
    let ones: Tensor<Rank4<1, 1, 2, 2>, f32, Cpu> = dev.ones();
    let padded: Tensor<Rank4<1, 1, 2, 2>, f32, Cpu> = avg_pool2d(
        ones,
        PoolParams {
            kernel: Const::<3>,
            stride: Const::<1>,
            padding: Const::<1>,
        },
    );
    for v in padded.as_vec() {
        assert!((v - 4.0 / 9.0).abs() < 1e-7, "{v}");
    }
    // Global average pooling: one mean per channel.
    let gap: Tensor<Rank2<1, 1>, f32, Cpu> = global_avg_pool(x.clone());
    assert_eq!(gap.array(), [[8.5]]);
    // Max-pool gradient goes to the arg-max only.
    let grads = max_pool2d(x.leaky_trace(), PoolParams::kernel(Const::<2>))
        .sum::<Rank0, _>()
        .backward();
    assert_eq!(
        grads.get(&x).array(),
        [[[
            [0., 0., 0., 0.],
            [0., 1., 0., 1.],
            [0., 0., 0., 0.],
            [0., 1., 0., 1.]
        ]]]
    );
}

#[test]
fn flatten_is_row_major_like_torch_flatten() {
    let dev = Cpu::default();
    let x: Tensor<Rank4<2, 2, 1, 2>, f32, Cpu> =
        dev.tensor([[[[1., 2.]], [[3., 4.]]], [[[5., 6.]], [[7., 8.]]]]);
    let flat: Tensor<Rank2<2, 4>, f32, Cpu> = flatten(x);
    assert_eq!(flat.array(), [[1., 2., 3., 4.], [5., 6., 7., 8.]]);
}

#[test]
fn runtime_dims_get_clear_errors_instead_of_panics() {
    let dev = Cpu::default();
    let x: Tensor<(usize, usize, usize, usize), f32, Cpu> = dev.zeros_like(&(1, 3, 4, 4));
    let w: Tensor<(usize, usize, usize, usize), f32, Cpu> = dev.zeros_like(&(2, 3, 5, 5));
    let err = try_conv2d(x.clone(), w, None, Conv2dParams::new())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("conv2d") && err.contains("5x5 kernel") && err.contains("4x4 input"),
        "{err}"
    );

    let w: Tensor<(usize, usize, usize, usize), f32, Cpu> = dev.zeros_like(&(2, 2, 3, 3));
    let err = try_conv2d(x.clone(), w, None, Conv2dParams::new())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("weight has 2 input channels per group") && err.contains("3 channels"),
        "{err}"
    );

    let w: Tensor<(usize, usize, usize, usize), f32, Cpu> = dev.zeros_like(&(2, 1, 3, 3));
    let err = try_conv2d(x.clone(), w, None, Conv2dParams::new().groups(2usize))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("groups = 2 must divide in_channels = 3"),
        "{err}"
    );

    let err = try_max_pool2d(
        x.clone(),
        PoolParams {
            kernel: 2usize,
            stride: 2usize,
            padding: 2usize,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("padding 2 must be at most half the kernel size 2"),
        "{err}"
    );
    let err = try_max_pool2d(
        x,
        PoolParams {
            kernel: 2usize,
            stride: 0usize,
            padding: 0usize,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("stride 0"), "{err}");
}

#[test]
fn max_pool_propagates_nan_and_keeps_the_first_maximum() {
    let dev = Cpu::default();
    let x: Tensor<Rank4<1, 1, 2, 4>, f32, Cpu> =
        dev.tensor([[[[1., f32::NAN, 3., 3.], [0., 2., 3., 1.]]]]);
    let out = max_pool2d(x.leaky_trace(), PoolParams::kernel(Const::<2>));
    let values = out.as_vec();
    assert!(
        values[0].is_nan(),
        "a NaN in the window wins, as in PyTorch"
    );
    assert_eq!(values[1], 3.0);
    let grads = out.sum::<Rank0, _>().backward();
    // Ties go to the first maximum in row-major order (PyTorch's choice).
    assert_eq!(grads.get(&x).as_vec(), [0., 1., 1., 0., 0., 0., 0., 0.]);
}
