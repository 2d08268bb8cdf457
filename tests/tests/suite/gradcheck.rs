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
    // Same values as dfdx's own relu, on a tape or not (the two take different routes); the
    // untaped one works in place, yet must leave a tensor it shares storage with alone.
    let before = x.as_vec();
    assert_eq!(relu(x.clone()).as_vec(), x.clone().relu().as_vec());
    assert_eq!(relu(x.leaky_trace()).as_vec(), x.clone().relu().as_vec());
    assert_eq!(x.as_vec(), before);
    // NaN stays NaN (as in PyTorch), both ways.
    let with_nan: Tensor<Rank1<3>, f64, Cpu> = dev.tensor([-1.0, f64::NAN, 2.0]);
    for out in [
        relu(with_nan.clone()).as_vec(),
        relu(with_nan.leaky_trace()).as_vec(),
    ] {
        assert_eq!(out[0], 0.0);
        assert!(out[1].is_nan());
        assert_eq!(out[2], 2.0);
    }
}

/// Evaluation mode on a tape (a saliency map, fine-tuning under frozen statistics): the input's,
/// weight's and bias's gradients, for batched images and for one `(C, H, W)` image. The input
/// also feeds a product recorded after the batch norm, whose backward runs first, so a backward
/// that overwrote the input's gradient instead of adding to it would fail.
#[test]
fn batch_norm_in_evaluation_mode_gradients_equal_finite_differences() {
    use mapping::nn::{builders, modules::BatchNorm2d};
    type Bn = BatchNorm2d<3, f64, Cpu>;
    let dev = Cpu::seed_from_u64(9);
    let mut bn: Bn = dev.build_module::<builders::BatchNorm2d<3>, f64>();
    bn.inner.scale = dev.sample_normal();
    bn.inner.bias = dev.sample_normal();
    bn.inner.running_mean = dev.sample_normal();
    bn.inner.running_var = dev.sample_uniform() + 0.5;
    let with = |scale: &[f64], bias: &[f64]| {
        let mut changed = bn.clone();
        changed.inner.scale = dev.tensor(scale.to_vec());
        changed.inner.bias = dev.tensor(bias.to_vec());
        changed
    };
    let (scale, bias) = (bn.inner.scale.as_vec(), bn.inner.bias.as_vec());

    let batch = (2, Const::<3>, 4, 5);
    let x: Tensor<_, f64, Cpu> = dev.sample_normal_like(&batch);
    let (u, v): (Tensor<_, f64, Cpu>, Tensor<_, f64, Cpu>) = (
        dev.sample_normal_like(&batch),
        dev.sample_normal_like(&batch),
    );
    let loss = |bn: &Bn, x: &[f64]| {
        let x = dev.tensor_from_vec(x.to_vec(), batch);
        (bn.forward(x.clone()) * u.clone() + x * v.clone())
            .sum::<Rank0, _>()
            .array()
    };
    let grads = {
        let x = x.leaky_trace();
        (bn.forward(x.retaped()) * u.clone() + x * v.clone())
            .sum::<Rank0, _>()
            .backward()
    };
    let xs = x.as_vec();
    let numeric = numeric_gradient(&xs, |x| loss(&bn, x));
    assert_gradients_agree("batch norm eval, input", &grads.get(&x).as_vec(), &numeric);
    let numeric = numeric_gradient(&scale, |s| loss(&with(s, &bias), &xs));
    let analytic = grads.get(&bn.inner.scale).as_vec();
    assert_gradients_agree("batch norm eval, weight", &analytic, &numeric);
    let numeric = numeric_gradient(&bias, |b| loss(&with(&scale, b), &xs));
    let analytic = grads.get(&bn.inner.bias).as_vec();
    assert_gradients_agree("batch norm eval, bias", &analytic, &numeric);

    let single = (Const::<3>, 4, 5);
    let image: Tensor<_, f64, Cpu> = dev.sample_normal_like(&single);
    let w: Tensor<_, f64, Cpu> = dev.sample_normal_like(&single);
    let grads = (bn.forward(image.leaky_trace()) * w.clone())
        .sum::<Rank0, _>()
        .backward();
    let loss = |bn: &Bn, x: &[f64]| {
        (bn.forward(dev.tensor_from_vec(x.to_vec(), single)) * w.clone())
            .sum::<Rank0, _>()
            .array()
    };
    let pixels = image.as_vec();
    // The single image's own path (dfdx's ops) gives the batched kernel's values.
    let alone = bn.forward(image.clone()).as_vec();
    let in_a_batch = bn.forward(dev.tensor_from_vec(pixels.clone(), (1, Const::<3>, 4, 5)));
    for (a, b) in alone.iter().zip(in_a_batch.as_vec()) {
        assert!(
            (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
            "one image: {a}, in a batch: {b}"
        );
    }
    let numeric = numeric_gradient(&pixels, |x| loss(&bn, x));
    let analytic = grads.get(&image).as_vec();
    assert_gradients_agree("batch norm eval, one image", &analytic, &numeric);
    let numeric = numeric_gradient(&scale, |s| loss(&with(s, &bias), &pixels));
    let analytic = grads.get(&bn.inner.scale).as_vec();
    assert_gradients_agree("batch norm eval, one image, weight", &analytic, &numeric);
}

/// A saliency map, as after PyTorch's `model.eval()`: SmallResNet (batch norms in evaluation
/// mode, skip connections, strided convolutions) on a tape, its input gradient at a few pixels
/// against finite differences of the same network.
#[test]
fn a_resnets_input_gradient_in_evaluation_mode_equals_finite_differences() {
    let dev = Cpu::seed_from_u64(10);
    let mut model = dev.build_module::<mapping::models::SmallResNet, f64>();
    // Training forwards move the running statistics away from (0, 1).
    let fresh = model.clone();
    for _ in 0..2 {
        let x: Tensor<Rank4<4, 3, 32, 32>, f64, Cpu> = dev.sample_normal();
        model.forward_mut(x.traced(model.alloc_grads()));
    }
    let x: Tensor<Rank4<2, 3, 32, 32>, f64, Cpu> = dev.sample_normal();
    let moved = model.forward(x.clone()).as_vec() != fresh.forward(x.clone()).as_vec();
    assert!(moved, "training forwards left evaluation mode unchanged");
    let upstream: Tensor<Rank2<2, 10>, f64, Cpu> = dev.sample_normal();
    let grads = (model.forward(x.leaky_trace()) * upstream.clone())
        .sum::<Rank0, _>()
        .backward();
    let loss = |v: &[f64]| {
        let x: Tensor<Rank4<2, 3, 32, 32>, f64, Cpu> = dev.tensor(v.to_vec());
        (model.forward(x) * upstream.clone())
            .sum::<Rank0, _>()
            .array()
    };
    let pixels = [0, 33, 1023, 1024 + 500, 3071, 3072 + 2047, 6143];
    assert_saliency_at(&grads.get(&x).as_vec(), &x.as_vec(), &pixels, loss);
}

/// The same for Keras' MNIST CNN, whose dropout layers are the identity in evaluation mode also
/// on a tape (dfdx's dropout refused one there).
#[test]
fn a_dropout_networks_input_gradient_in_evaluation_mode_equals_finite_differences() {
    let dev = Cpu::seed_from_u64(11);
    let model = dev.build_module::<mapping::models::MnistCnn, f64>();
    let x: Tensor<Rank4<2, 1, 28, 28>, f64, Cpu> = dev.sample_normal();
    let upstream: Tensor<Rank2<2, 10>, f64, Cpu> = dev.sample_normal();
    let taped = model.forward(x.leaky_trace());
    assert_eq!(taped.as_vec(), model.forward(x.clone()).as_vec());
    let grads = (taped * upstream.clone()).sum::<Rank0, _>().backward();
    let loss = |v: &[f64]| {
        let x: Tensor<Rank4<2, 1, 28, 28>, f64, Cpu> = dev.tensor(v.to_vec());
        (model.forward(x) * upstream.clone())
            .sum::<Rank0, _>()
            .array()
    };
    let pixels = [30, 200, 407, 783, 784 + 300, 784 + 600];
    assert_saliency_at(&grads.get(&x).as_vec(), &x.as_vec(), &pixels, loss);
}

/// `saliency` (a backward's input gradient) equals central differences of `loss` at `pixels`,
/// and is not zero everywhere.
fn assert_saliency_at(
    saliency: &[f64],
    values: &[f64],
    pixels: &[usize],
    loss: impl Fn(&[f64]) -> f64,
) {
    let eps = 1e-6;
    for &i in pixels {
        let (mut up, mut down) = (values.to_vec(), values.to_vec());
        up[i] += eps;
        down[i] -= eps;
        let numeric = (loss(&up) - loss(&down)) / (2.0 * eps);
        assert!(
            (saliency[i] - numeric).abs() <= 1e-6 * (1.0 + numeric.abs()),
            "pixel {i}: backward {}, finite difference {numeric}",
            saliency[i]
        );
    }
    assert!(saliency.iter().any(|g| *g != 0.0));
}
