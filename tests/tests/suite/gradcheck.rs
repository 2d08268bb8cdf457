//! Gradients against central finite differences, in f64: the ops' backward passes are checked
//! against their own forward passes, independently of PyTorch.

use dfdx::prelude::*;
use mapping::ops::{relu, try_avg_pool2d, try_conv2d, try_max_pool2d, Conv2dParams, PoolParams};

type Image = Tensor<(usize, usize, usize, usize), f64, Cpu>;

/// d/dv_i of `loss(values)`, by central differences.
fn numeric_gradient(values: &[f64], loss: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let eps = 1e-6;
    let mut probe = values.to_vec();
    (0..values.len())
        .map(|i| {
            probe[i] = values[i] + eps;
            let up = loss(&probe);
            probe[i] = values[i] - eps;
            let down = loss(&probe);
            probe[i] = values[i];
            (up - down) / (2.0 * eps)
        })
        .collect()
}

fn assert_gradients_agree(what: &str, analytic: &[f64], numeric: &[f64]) {
    assert_eq!(analytic.len(), numeric.len());
    for (i, (a, n)) in analytic.iter().zip(numeric).enumerate() {
        assert!(
            (a - n).abs() <= 1e-6 * (1.0 + n.abs()),
            "{what}[{i}]: backward {a}, finite difference {n}"
        );
    }
}

fn random(dev: &Cpu, shape: (usize, usize, usize, usize)) -> Image {
    dev.sample_normal_like(&shape)
}

#[test]
fn conv2d_gradients_equal_finite_differences() {
    let dev = Cpu::seed_from_u64(3);
    // (batch, c_in, c_out, h, w, k, stride, padding, dilation, groups)
    for (b, ci, co, h, w, k, s, p, d, g) in [
        (2, 2, 3, 5, 6, 3, 1, 1, 1, 1),
        (1, 4, 2, 7, 7, 3, 2, 2, 2, 2),
        (2, 3, 3, 4, 4, 1, 1, 0, 1, 3),
        (1, 2, 2, 6, 5, 2, 3, 1, 1, 1),
    ] {
        let x = random(&dev, (b, ci, h, w));
        let wt = random(&dev, (co, ci / g, k, k));
        let bias: Tensor<(usize,), f64, Cpu> = dev.sample_normal_like(&(co,));
        let params = Conv2dParams {
            stride: s,
            padding: p,
            dilation: d,
            groups: g,
        };
        let probe = try_conv2d(x.clone(), wt.clone(), Some(bias.clone()), params).unwrap();
        let upstream: Image = dev.sample_normal_like(probe.shape());
        let loss = |x: &Image, wt: &Image, bias: &Tensor<(usize,), f64, Cpu>| {
            (try_conv2d(x.clone(), wt.clone(), Some(bias.clone()), params).unwrap()
                * upstream.clone())
            .sum::<Rank0, _>()
            .array()
        };
        let out = try_conv2d(
            x.leaky_trace(),
            wt.leaky_trace(),
            Some(bias.leaky_trace()),
            params,
        )
        .unwrap();
        let grads = (out * upstream.clone()).sum::<Rank0, _>().backward();
        let case = format!("conv b{b} c{ci}->{co} {h}x{w} k{k} s{s} p{p} d{d} g{g}");
        let xs = x.as_vec();
        let numeric = numeric_gradient(&xs, |v| {
            loss(&dev.tensor_from_vec(v.to_vec(), *x.shape()), &wt, &bias)
        });
        assert_gradients_agree(&format!("{case} dx"), &grads.get(&x).as_vec(), &numeric);
        let ws = wt.as_vec();
        let numeric = numeric_gradient(&ws, |v| {
            loss(&x, &dev.tensor_from_vec(v.to_vec(), *wt.shape()), &bias)
        });
        assert_gradients_agree(&format!("{case} dw"), &grads.get(&wt).as_vec(), &numeric);
        let bs = bias.as_vec();
        let numeric = numeric_gradient(&bs, |v| {
            loss(&x, &wt, &dev.tensor_from_vec(v.to_vec(), (co,)))
        });
        assert_gradients_agree(&format!("{case} db"), &grads.get(&bias).as_vec(), &numeric);
    }
}

#[test]
fn pooling_gradients_equal_finite_differences() {
    let dev = Cpu::seed_from_u64(5);
    for (b, c, h, w, k, s, p) in [
        (2, 2, 5, 5, 2, 2, 0),
        (1, 3, 7, 6, 3, 2, 1),
        (2, 1, 6, 6, 3, 1, 1),
    ] {
        let x = random(&dev, (b, c, h, w));
        let params = PoolParams {
            kernel: k,
            stride: s,
            padding: p,
        };
        for max in [true, false] {
            let pool = |x: Image| {
                if max {
                    try_max_pool2d(x, params).unwrap()
                } else {
                    try_avg_pool2d(x, params).unwrap()
                }
            };
            let upstream: Image = dev.sample_normal_like(pool(x.clone()).shape());
            let traced = if max {
                try_max_pool2d(x.leaky_trace(), params).unwrap()
            } else {
                try_avg_pool2d(x.leaky_trace(), params).unwrap()
            };
            let grads = (traced * upstream.clone()).sum::<Rank0, _>().backward();
            let numeric = numeric_gradient(&x.as_vec(), |v| {
                (pool(dev.tensor_from_vec(v.to_vec(), *x.shape())) * upstream.clone())
                    .sum::<Rank0, _>()
                    .array()
            });
            let what = format!(
                "{} b{b} c{c} {h}x{w} k{k} s{s} p{p}",
                if max { "max" } else { "avg" }
            );
            assert_gradients_agree(&what, &grads.get(&x).as_vec(), &numeric);
        }
    }
}

#[test]
fn relu_gradient_equals_finite_differences_and_keeps_nan() {
    let dev = Cpu::seed_from_u64(8);
    // Values away from 0, where the derivative jumps, so the finite difference is exact.
    let x: Image = random(&dev, (2, 3, 4, 5)) + 0.01;
    let upstream: Image = random(&dev, (2, 3, 4, 5));
    let grads = (relu(x.leaky_trace()) * upstream.clone())
        .sum::<Rank0, _>()
        .backward();
    let numeric = numeric_gradient(&x.as_vec(), |v| {
        (relu(dev.tensor_from_vec(v.to_vec(), *x.shape())) * upstream.clone())
            .sum::<Rank0, _>()
            .array()
    });
    assert_gradients_agree("relu", &grads.get(&x).as_vec(), &numeric);
    // Same values as dfdx's own relu, and NaN stays NaN (as in PyTorch).
    assert_eq!(relu(x.clone()).as_vec(), x.clone().relu().as_vec());
    let with_nan: Tensor<Rank1<3>, f64, Cpu> = dev.tensor([-1.0, f64::NAN, 2.0]);
    let out = relu(with_nan).as_vec();
    assert_eq!(out[0], 0.0);
    assert!(out[1].is_nan());
    assert_eq!(out[2], 2.0);
}
