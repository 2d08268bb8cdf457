//! The ops on strided views: an NHWC batch permuted to NCHW, a weight stored in another axis
//! order, one image broadcast across a batch. A view keeps its source's gradient buffer, in the
//! source's layout; each case checks the values and the source's gradient against the op run on
//! a row-major copy, with the layout changes done here by index arithmetic.

use dfdx::prelude::*;
use mapping::nn::builders::BatchNorm2d;
use mapping::ops::{
    conv2d, conv2d_with_bias, relu, try_avg_pool2d, try_max_pool2d, Conv2dParams, PoolParams,
};

type Taped = OwnedTape<f64, Cpu>;
type Nchw = (usize, usize, usize, usize);

/// Row-major index of `(i0, i1, i2, i3)` in a tensor of `dims`.
fn at(dims: [usize; 4], [i0, i1, i2, i3]: [usize; 4]) -> usize {
    ((i0 * dims[1] + i1) * dims[2] + i2) * dims[3] + i3
}

/// `values` of a row-major tensor of `dims`, rearranged so that axis `k` of the result is axis
/// `axes[k]` of the input (what `permute` means), as a row-major vector.
fn permuted(values: &[f64], dims: [usize; 4], axes: [usize; 4]) -> Vec<f64> {
    let out_dims = axes.map(|a| dims[a]);
    let mut out = vec![0.0; values.len()];
    for (i, slot) in out.iter_mut().enumerate() {
        let mut rest = i;
        let mut index = [0; 4];
        for k in (0..4).rev() {
            index[axes[k]] = rest % out_dims[k];
            rest /= out_dims[k];
        }
        *slot = values[at(dims, index)];
    }
    out
}

/// The inverse of `axes` as a permutation.
fn inverse(axes: [usize; 4]) -> [usize; 4] {
    let mut inv = [0; 4];
    for (k, &a) in axes.iter().enumerate() {
        inv[a] = k;
    }
    inv
}

fn assert_same(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
            "{what}[{i}]: {g} vs {w}"
        );
    }
}

/// A loss whose gradient depends on the output's values and positions.
fn loss<S: Shape>(out: Tensor<S, f64, Cpu, Taped>) -> Tensor<Rank0, f64, Cpu, Taped> {
    let weights = out.device().tensor_from_vec(
        (0..out.shape().num_elements())
            .map(|i| 1.0 + (i % 7) as f64 * 0.25)
            .collect(),
        *out.shape(),
    );
    (out.square() * weights).sum()
}

/// Runs `op` on an NHWC source permuted to NCHW (a view), then on a row-major NCHW copy of it,
/// and compares the outputs and the source's gradient. `C`, the channels, may be a `Const`.
fn check_permuted_input<C: Dim, O: Shape>(
    what: &str,
    nhwc: (usize, usize, usize, C),
    op: impl Fn(Tensor<(usize, C, usize, usize), f64, Cpu, Taped>) -> Tensor<O, f64, Cpu, Taped>,
) {
    const TO_NCHW: [usize; 4] = [0, 3, 1, 2];
    let dev = Cpu::seed_from_u64(11);
    let source: Tensor<_, f64, Cpu> = dev.sample_normal_like(&nhwc);
    let view = source.leaky_trace().permute::<_, Axes4<0, 3, 1, 2>>();
    let out = op(view);
    let got_out = out.as_vec();
    let got_grad = loss(out).backward().get(&source).as_vec();

    let (b, h, w, c) = nhwc;
    let dims = [b, h, w, c.size()];
    let copy = dev.tensor_from_vec(permuted(&source.as_vec(), dims, TO_NCHW), (b, c, h, w));
    let out = op(copy.leaky_trace());
    assert_same(&format!("{what}: output"), &got_out, &out.as_vec());
    let grad = loss(out).backward().get(&copy).as_vec();
    let want_grad = permuted(&grad, TO_NCHW.map(|a| dims[a]), inverse(TO_NCHW));
    assert_same(&format!("{what}: gradient"), &got_grad, &want_grad);
}

#[test]
fn ops_on_a_permuted_batch_match_a_row_major_copy() {
    let dev = Cpu::seed_from_u64(5);
    let weight: Tensor<Nchw, f64, Cpu> = dev.sample_normal_like(&(4, 3, 3, 3));
    let bias: Tensor<(usize,), f64, Cpu> = dev.sample_normal_like(&(4,));
    let nhwc = (2, 6, 5, 3usize);
    check_permuted_input("conv2d", nhwc, |x| {
        let params = Conv2dParams::new().padding(1).stride(2);
        conv2d_with_bias(x, weight.clone(), bias.clone(), params)
    });
    check_permuted_input("max_pool2d", nhwc, |x| {
        try_max_pool2d(x, PoolParams::kernel(2usize)).unwrap()
    });
    check_permuted_input("avg_pool2d", nhwc, |x| {
        try_avg_pool2d(x, PoolParams::kernel(3usize).stride(1).padding(1)).unwrap()
    });
    check_permuted_input("relu", nhwc, relu);
    // Training mode normalises with the batch's statistics, so the running ones, which the
    // first call moves, do not change the second call's output.
    let bn = std::cell::RefCell::new(dev.build_module::<BatchNorm2d<3>, f64>());
    check_permuted_input("batch_norm2d (training)", (2, 6, 5, Const::<3>), |x| {
        bn.borrow_mut().forward_mut(x)
    });
    // Evaluation mode on a tape, with running statistics away from (0, 1).
    let mut bn = bn.into_inner();
    bn.inner.running_mean = dev.sample_normal();
    bn.inner.running_var = dev.sample_uniform() + 0.5;
    check_permuted_input("batch_norm2d (evaluation)", (2, 6, 5, Const::<3>), |x| {
        bn.forward(x)
    });
}

#[test]
fn conv2d_with_a_permuted_weight_matches_a_row_major_copy() {
    // A weight kept as (KH, KW, C_in, C_out), TensorFlow's order, viewed as (C_out, C_in, KH, KW).
    const TO_OIHW: [usize; 4] = [3, 2, 0, 1];
    let dev = Cpu::seed_from_u64(8);
    let x: Tensor<Nchw, f64, Cpu> = dev.sample_normal_like(&(2, 3, 5, 5));
    let hwio = [3, 3, 3, 4];
    let source: Tensor<Nchw, f64, Cpu> = dev.sample_normal_like(&(3, 3, 3, 4));
    let params = Conv2dParams::new().padding(1);

    let view = source.leaky_trace().permute::<_, Axes4<3, 2, 0, 1>>();
    let out = conv2d(x.leaky_trace(), view, params);
    let got_out = out.as_vec();
    let got_grad = loss(out).backward().get(&source).as_vec();

    let oihw = TO_OIHW.map(|a| hwio[a]);
    let copy: Tensor<Nchw, f64, Cpu> = dev.tensor_from_vec(
        permuted(&source.as_vec(), hwio, TO_OIHW),
        (oihw[0], oihw[1], oihw[2], oihw[3]),
    );
    let out = conv2d(x.leaky_trace(), copy.leaky_trace(), params);
    assert_same("output", &got_out, &out.as_vec());
    let grad = loss(out).backward().get(&copy).as_vec();
    assert_same(
        "weight gradient",
        &got_grad,
        &permuted(&grad, oihw, inverse(TO_OIHW)),
    );
}

#[test]
fn ops_on_one_image_broadcast_across_a_batch_sum_its_gradient() {
    let dev = Cpu::seed_from_u64(9);
    let (batch, c, h, w) = (3, 2, 5, 4);
    let image: Tensor<(usize, usize, usize), f64, Cpu> = dev.sample_normal_like(&(c, h, w));
    let weight: Tensor<Nchw, f64, Cpu> = dev.sample_normal_like(&(3, c, 3, 3));
    type Op<'a> = &'a dyn Fn(Tensor<Nchw, f64, Cpu, Taped>) -> Tensor<Nchw, f64, Cpu, Taped>;
    let conv = |x| conv2d(x, weight.clone(), Conv2dParams::new().padding(1));
    let pool = |x| try_max_pool2d(x, PoolParams::kernel(2usize).stride(1)).unwrap();
    let cases: [(&str, Op); 3] = [("conv2d", &conv), ("max_pool2d", &pool), ("relu", &relu)];
    for (what, op) in cases {
        // Every batch item is the same image with its own gradient: the image's is their sum.
        let shape = (batch, c, h, w);
        let view = image.leaky_trace().broadcast_like::<_, Axis<0>>(&shape);
        let out = op(view);
        let got_out = out.as_vec();
        let got_grad = loss(out).backward().get(&image).as_vec();

        let tiled: Vec<f64> = (0..batch).flat_map(|_| image.as_vec()).collect();
        let copy: Tensor<Nchw, f64, Cpu> = dev.tensor_from_vec(tiled, shape);
        let out = op(copy.leaky_trace());
        assert_same(&format!("{what}: output"), &got_out, &out.as_vec());
        let grad = loss(out).backward().get(&copy).as_vec();
        let per_image = c * h * w;
        let want: Vec<f64> = (0..per_image)
            .map(|i| (0..batch).map(|b| grad[b * per_image + i]).sum())
            .collect();
        assert_same(&format!("{what}: gradient"), &got_grad, &want);
    }
}
