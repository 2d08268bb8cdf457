//! The CUDA kernels against the CPU kernels (feature `cuda`, run by `scripts/gpu-check.sh`).
//!
//! Forward values and the gradients of every input equal the CPU's within 1e-4 (relative), on
//! the same random configurations as the PyTorch fixture tests (`fixtures/ops.safetensors`;
//! batch norm is dfdx's module on the GPU and this crate's op on the CPU),
//! and match PyTorch's values too; then the seed CIFAR CNN takes training steps on the GPU.
//! Without a CUDA device each test says SKIPPED and returns.
#![cfg(feature = "cuda")]

use dfdx::data::OneHotEncode;
use dfdx::optim::{Momentum, Sgd, SgdConfig};
use dfdx::prelude::*;
use mapping::models::SeedCifarCnn;
use mapping::ops::{
    flatten, global_avg_pool, relu, try_avg_pool2d, try_conv2d, try_max_pool2d, AvgPool2dKernel,
    Conv2dKernel, Conv2dParams, MaxPool2dKernel, PoolParams, ReluKernel,
};
use mapping_tests::{assert_close, batch_norm_run, Fixture, BATCH_NORM_RESULTS};
use serde::Deserialize;

const RTOL: f32 = 1e-4;

fn gpu() -> Option<Cuda> {
    // `try_cuda` asks the driver first: cudarc 0.9 panics where its library exists but no GPU.
    match mapping::gpu::try_cuda(0, 0) {
        Ok(dev) => Some(dev),
        Err(e) => {
            eprintln!("SKIPPED: no CUDA device ({e})");
            None
        }
    }
}

#[derive(Deserialize, Debug)]
struct ConvCase {
    bias: bool,
    stride: usize,
    padding: usize,
    dilation: usize,
    groups: usize,
}

#[derive(Deserialize, Debug)]
struct PoolCase {
    kernel: usize,
    stride: usize,
    padding: usize,
}

#[derive(Deserialize)]
struct Cases {
    conv2d: Vec<ConvCase>,
    max_pool2d: Vec<PoolCase>,
    avg_pool2d: Vec<PoolCase>,
    /// Only counted: `batch_norm_run` reads each case's sizes from its tensors.
    batch_norm2d: Vec<serde_json::Value>,
}

type Image<D> = Tensor<(usize, usize, usize, usize), f32, D>;

fn image<D: Device<f32>>(dev: &D, fixture: &Fixture, name: &str) -> Image<D> {
    let (values, shape) = fixture.tensor(name);
    dev.tensor_from_vec(values, (shape[0], shape[1], shape[2], shape[3]))
}

/// Output, then the gradients of x, weight and bias, for `sum(conv2d(x, w, b) * grad_out)`.
fn conv_run<D: Conv2dKernel<f32>>(
    dev: &D,
    fixture: &Fixture,
    key: &str,
    case: &ConvCase,
) -> Vec<Vec<f32>> {
    let x = image(dev, fixture, &format!("{key}.x"));
    let w = image(dev, fixture, &format!("{key}.weight"));
    let b = fixture
        .get(&format!("{key}.bias"))
        .map(|(v, s)| dev.tensor_from_vec(v, (s[0],)));
    let params = Conv2dParams {
        stride: case.stride,
        padding: case.padding,
        dilation: case.dilation,
        groups: case.groups,
    };
    let out = try_conv2d(
        x.leaky_trace(),
        w.leaky_trace(),
        b.as_ref().map(|b| b.leaky_trace()),
        params,
    )
    .unwrap_or_else(|e| panic!("{key} {case:?}: {e}"));
    let values = out.as_vec();
    let grads = (out * image(dev, fixture, &format!("{key}.grad_out")))
        .sum::<Rank0, _>()
        .backward();
    let mut results = vec![values, grads.get(&x).as_vec(), grads.get(&w).as_vec()];
    results.extend(b.map(|b| grads.get(&b).as_vec()));
    results
}

#[test]
fn conv2d_on_the_gpu_equals_the_cpu_and_pytorch() {
    let Some(gpu) = gpu() else { return };
    let fixture = Fixture::open("ops.safetensors");
    let cases: Cases = serde_json::from_str(&fixture.metadata("cases")).unwrap();
    assert!(cases.conv2d.len() >= 30);
    for (i, case) in cases.conv2d.iter().enumerate() {
        let key = format!("conv2d.{i}");
        assert_eq!(fixture.get(&format!("{key}.bias")).is_some(), case.bias);
        let on_gpu = conv_run(&gpu, &fixture, &key, case);
        let on_cpu = conv_run(&Cpu::default(), &fixture, &key, case);
        let names = ["out", "grad_x", "grad_weight", "grad_bias"];
        for ((name, g), c) in names.iter().zip(&on_gpu).zip(&on_cpu) {
            assert_close(&format!("{key}.{name} {case:?} (GPU vs CPU)"), g, c, RTOL);
            let pytorch = fixture.tensor(&format!("{key}.{name}")).0;
            assert_close(&format!("{key}.{name} (GPU vs PyTorch)"), g, &pytorch, RTOL);
        }
    }
}

/// Output and input gradient of a max (`max = true`) or average pool.
fn pool_run<D: MaxPool2dKernel<f32> + AvgPool2dKernel<f32>>(
    dev: &D,
    fixture: &Fixture,
    key: &str,
    case: &PoolCase,
    max: bool,
) -> [Vec<f32>; 2] {
    let x = image(dev, fixture, &format!("{key}.x"));
    let params = PoolParams {
        kernel: case.kernel,
        stride: case.stride,
        padding: case.padding,
    };
    let out = if max {
        try_max_pool2d(x.leaky_trace(), params)
    } else {
        try_avg_pool2d(x.leaky_trace(), params)
    }
    .unwrap_or_else(|e| panic!("{key} {case:?}: {e}"));
    let values = out.as_vec();
    let grads = (out * image(dev, fixture, &format!("{key}.grad_out")))
        .sum::<Rank0, _>()
        .backward();
    [values, grads.get(&x).as_vec()]
}

#[test]
fn pooling_on_the_gpu_equals_the_cpu_and_pytorch() {
    let Some(gpu) = gpu() else { return };
    let fixture = Fixture::open("ops.safetensors");
    let cases: Cases = serde_json::from_str(&fixture.metadata("cases")).unwrap();
    for (kind, cases, max) in [
        ("max_pool2d", &cases.max_pool2d, true),
        ("avg_pool2d", &cases.avg_pool2d, false),
    ] {
        assert!(cases.len() >= 15, "{kind}: too few cases");
        for (i, case) in cases.iter().enumerate() {
            let key = format!("{kind}.{i}");
            let on_gpu = pool_run(&gpu, &fixture, &key, case, max);
            let on_cpu = pool_run(&Cpu::default(), &fixture, &key, case, max);
            for ((name, g), c) in ["out", "grad_x"].iter().zip(&on_gpu).zip(&on_cpu) {
                assert_close(&format!("{key}.{name} {case:?} (GPU vs CPU)"), g, c, RTOL);
                let pytorch = fixture.tensor(&format!("{key}.{name}")).0;
                assert_close(&format!("{key}.{name} (GPU vs PyTorch)"), g, &pytorch, RTOL);
            }
        }
    }
}

#[test]
fn batch_norm_on_the_gpu_equals_the_cpu_and_pytorch() {
    let Some(gpu) = gpu() else { return };
    let fixture = Fixture::open("ops.safetensors");
    let cases: Cases = serde_json::from_str(&fixture.metadata("cases")).unwrap();
    assert!(cases.batch_norm2d.len() >= 6);
    for i in 0..cases.batch_norm2d.len() {
        let key = format!("batch_norm2d.{i}");
        let on_gpu = batch_norm_run(&gpu, &fixture, i);
        let on_cpu = batch_norm_run(&Cpu::default(), &fixture, i);
        for ((name, g), c) in BATCH_NORM_RESULTS.iter().zip(&on_gpu).zip(&on_cpu) {
            assert_close(&format!("{key}.{name} (GPU vs CPU)"), g, c, RTOL);
            let pytorch = fixture.tensor(&format!("{key}.{name}")).0;
            assert_close(&format!("{key}.{name} (GPU vs PyTorch)"), g, &pytorch, RTOL);
        }
    }
}

/// ReLU, flatten and global average pooling, forward and backward, on one random batch.
fn elementwise_run<D: ReluKernel<f32>>(dev: &D, values: &[f32]) -> [Vec<f32>; 4] {
    let x: Tensor<Rank4<4, 3, 5, 6>, f32, D> = dev.tensor(values.to_vec());
    let flat_weights: Tensor<Rank2<4, 90>, f32, D> =
        dev.tensor((0..360).map(|i| i as f32).collect::<Vec<_>>());
    let pool_weights: Tensor<Rank2<4, 3>, f32, D> =
        dev.tensor((0..12).map(|i| i as f32).collect::<Vec<_>>());
    let through_flatten = (flatten(relu(x.leaky_trace())) * flat_weights)
        .sum::<Rank0, _>()
        .backward();
    let pooled = global_avg_pool(relu(x.leaky_trace()));
    let pooled_values = pooled.as_vec();
    let through_pool = (pooled * pool_weights).sum::<Rank0, _>().backward();
    [
        relu(x.clone()).as_vec(),
        pooled_values,
        through_flatten.get(&x).as_vec(),
        through_pool.get(&x).as_vec(),
    ]
}

#[test]
fn relu_flatten_and_global_pool_on_the_gpu_equal_the_cpu() {
    let Some(gpu) = gpu() else { return };
    let values: Vec<f32> = (0..360)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
        .collect();
    let on_gpu = elementwise_run(&gpu, &values);
    let on_cpu = elementwise_run(&Cpu::default(), &values);
    for ((name, g), c) in [
        "relu",
        "global_avg_pool",
        "grad through flatten",
        "grad through pool",
    ]
    .iter()
    .zip(&on_gpu)
    .zip(&on_cpu)
    {
        assert_close(&format!("{name} (GPU vs CPU)"), g, c, RTOL);
    }
}

#[test]
fn conv2d_in_f64_on_the_gpu_equals_the_cpu() {
    let Some(gpu) = gpu() else { return };
    let run = |x: Vec<f64>, w: Vec<f64>, dev_is_gpu: bool| -> Vec<Vec<f64>> {
        fn go<D: Conv2dKernel<f64>>(dev: &D, x: Vec<f64>, w: Vec<f64>) -> Vec<Vec<f64>> {
            let x: Tensor<Rank4<2, 4, 9, 7>, f64, D> = dev.tensor(x);
            let w: Tensor<Rank4<6, 2, 3, 3>, f64, D> = dev.tensor(w);
            let params = Conv2dParams::new()
                .stride(Const::<2>)
                .padding(Const::<1>)
                .groups(Const::<2>);
            let out = try_conv2d(x.leaky_trace(), w.leaky_trace(), None, params).unwrap();
            let values = out.as_vec();
            let grads = out.square().sum::<Rank0, _>().backward();
            vec![values, grads.get(&x).as_vec(), grads.get(&w).as_vec()]
        }
        if dev_is_gpu {
            go(&gpu, x, w)
        } else {
            go(&Cpu::default(), x, w)
        }
    };
    let x: Vec<f64> = (0..504)
        .map(|i| ((i * 13 % 29) as f64 - 14.0) / 3.0)
        .collect();
    let w: Vec<f64> = (0..108)
        .map(|i| ((i * 7 % 11) as f64 - 5.0) / 5.0)
        .collect();
    for (g, c) in run(x.clone(), w.clone(), true)
        .iter()
        .zip(&run(x, w, false))
    {
        assert_eq!(g.len(), c.len());
        for (a, b) in g.iter().zip(c) {
            assert!((a - b).abs() <= 1e-10 * b.abs().max(1.0), "{a} vs {b}");
        }
    }
}

/// Outputs and the source's gradient of conv2d, the pools and ReLU on an NHWC batch permuted to
/// NCHW: a view, whose gradient buffer has the source's layout (`tests/suite/views.rs` checks
/// the CPU against a row-major copy).
fn permuted_run<D>(dev: &D, nhwc: Vec<f32>, weight: Vec<f32>) -> Vec<Vec<f32>>
where
    D: Conv2dKernel<f32> + MaxPool2dKernel<f32> + AvgPool2dKernel<f32> + ReluKernel<f32>,
{
    let source: Tensor<Rank4<2, 6, 5, 3>, f32, D> = dev.tensor(nhwc);
    let weight: Tensor<Rank4<4, 3, 3, 3>, f32, D> = dev.tensor(weight);
    let view = || source.leaky_trace().permute::<_, Axes4<0, 3, 1, 2>>();
    let mut results = Vec::new();
    let mut record = |out: Tensor<(usize,), f32, D, OwnedTape<f32, D>>| {
        results.push(out.as_vec());
        results.push(
            out.square()
                .sum::<Rank0, _>()
                .backward()
                .get(&source)
                .as_vec(),
        );
    };
    fn flat<S: Shape, D: Device<f32>>(
        t: Tensor<S, f32, D, OwnedTape<f32, D>>,
    ) -> Tensor<(usize,), f32, D, OwnedTape<f32, D>> {
        let n = t.shape().num_elements();
        t.reshape_like(&(n,))
    }
    let params = Conv2dParams::new().padding(Const::<1>).stride(Const::<2>);
    record(flat(
        try_conv2d(view(), weight.clone(), None, params).unwrap(),
    ));
    record(flat(
        try_max_pool2d(view(), PoolParams::kernel(Const::<2>)).unwrap(),
    ));
    let avg = PoolParams::kernel(Const::<3>)
        .stride(Const::<1>)
        .padding(Const::<1>);
    record(flat(try_avg_pool2d(view(), avg).unwrap()));
    record(flat(relu(view())));
    results
}

#[test]
fn ops_on_a_permuted_batch_on_the_gpu_equal_the_cpu() {
    let Some(gpu) = gpu() else { return };
    let nhwc: Vec<f32> = (0..180)
        .map(|i| ((i * 17 % 31) as f32 - 15.0) / 4.0)
        .collect();
    let weight: Vec<f32> = (0..108)
        .map(|i| ((i * 7 % 13) as f32 - 6.0) / 6.0)
        .collect();
    let on_gpu = permuted_run(&gpu, nhwc.clone(), weight.clone());
    let on_cpu = permuted_run(&Cpu::default(), nhwc, weight);
    assert_eq!(on_gpu.len(), 8);
    let names = ["conv2d", "max_pool2d", "avg_pool2d", "relu"];
    for (i, (g, c)) in on_gpu.iter().zip(&on_cpu).enumerate() {
        let what = ["output", "source gradient"][i % 2];
        assert_close(&format!("{} {what} (GPU vs CPU)", names[i / 2]), g, c, RTOL);
    }
}

#[test]
fn the_seed_cnn_trains_on_the_gpu() {
    let Some(gpu) = gpu() else { return };
    const B: usize = 32;
    let cpu = Cpu::seed_from_u64(7);
    let cpu_model = cpu.build_module::<SeedCifarCnn, f32>();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed_cnn.safetensors");
    cpu_model.save_safetensors(&path).unwrap();
    let mut model = gpu.build_module::<SeedCifarCnn, f32>();
    model.load_safetensors(&path).unwrap();

    let images: Vec<f32> = (0..B * 3 * 32 * 32)
        .map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0)
        .collect();
    let labels: [usize; B] = std::array::from_fn(|i| i % 10);
    let x_cpu: Tensor<Rank4<B, 3, 32, 32>, f32, Cpu> = cpu.tensor(images.clone());
    let x: Tensor<Rank4<B, 3, 32, 32>, f32, Cuda> = gpu.tensor(images);
    assert_close(
        "seed CNN logits (GPU vs CPU)",
        &model.forward(x.clone()).as_vec(),
        &cpu_model.forward(x_cpu).as_vec(),
        1e-3,
    );

    let y: Tensor<Rank2<B, 10>, f32, Cuda> = gpu.one_hot_encode(Const::<10>, labels);
    let mut opt = Sgd::new(
        &model,
        SgdConfig {
            lr: 1e-2,
            momentum: Some(Momentum::Classic(0.9)),
            weight_decay: None,
        },
    );
    let mut grads = model.alloc_grads();
    let mut losses = Vec::new();
    for _ in 0..30 {
        let loss = cross_entropy_with_logits_loss(model.forward_mut(x.trace(grads)), y.clone());
        losses.push(loss.array());
        grads = loss.backward();
        opt.update(&mut model, &grads).unwrap();
        model.zero_grads(&mut grads);
    }
    eprintln!("seed CNN on the GPU, loss per step: {losses:?}");
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(
        losses[29] < 0.5 * losses[0],
        "30 steps on one batch should at least halve the loss: {losses:?}"
    );
}
