//! conv2d, max_pool2d, avg_pool2d and the BatchNorm2d layer against PyTorch: forward values and
//! the gradients of every input, on the cases in `fixtures/ops.safetensors` (written by
//! `scripts/make_fixtures.py`).

use dfdx::prelude::*;
use mapping::ops::{try_avg_pool2d, try_conv2d, try_max_pool2d, Conv2dParams, PoolParams};
use mapping_tests::{assert_close, batch_norm_run, Fixture, BATCH_NORM_RESULTS};
use serde::Deserialize;

const RTOL: f32 = 1e-4;

#[derive(Deserialize)]
struct Cases {
    conv2d: Vec<ConvCase>,
    max_pool2d: Vec<PoolCase>,
    avg_pool2d: Vec<PoolCase>,
    batch_norm2d: Vec<BatchNormCase>,
}

#[derive(Deserialize, Debug)]
struct BatchNormCase {
    batch: usize,
    channels: usize,
    height: usize,
    width: usize,
}

#[derive(Deserialize, Debug)]
struct ConvCase {
    batch: usize,
    in_channels: usize,
    out_channels: usize,
    height: usize,
    width: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
    groups: usize,
    bias: bool,
}

#[derive(Deserialize, Debug)]
struct PoolCase {
    batch: usize,
    channels: usize,
    height: usize,
    width: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
}

fn cases(fixture: &Fixture) -> Cases {
    serde_json::from_str(&fixture.metadata("cases")).unwrap()
}

fn image(
    dev: &Cpu,
    fixture: &Fixture,
    name: &str,
) -> Tensor<(usize, usize, usize, usize), f32, Cpu> {
    let (values, shape) = fixture.tensor(name);
    dev.tensor_from_vec(values, (shape[0], shape[1], shape[2], shape[3]))
}

#[test]
fn conv2d_forward_and_gradients_match_pytorch() {
    let fixture = Fixture::open("ops.safetensors");
    let dev = Cpu::default();
    let cases = cases(&fixture).conv2d;
    assert!(
        cases.len() >= 30,
        "the issue asks for at least 30 configurations"
    );
    for (i, case) in cases.iter().enumerate() {
        let key = format!("conv2d.{i}");
        let x = image(&dev, &fixture, &format!("{key}.x"));
        let w = image(&dev, &fixture, &format!("{key}.weight"));
        assert_eq!(x.shape().0, case.batch, "{key}: {case:?}");
        let bias = fixture
            .get(&format!("{key}.bias"))
            .map(|(v, s)| dev.tensor_from_vec(v, (s[0],)));
        assert_eq!(bias.is_some(), case.bias);
        let params = Conv2dParams {
            stride: case.stride,
            padding: case.padding,
            dilation: case.dilation,
            groups: case.groups,
        };
        let out = try_conv2d(
            x.leaky_trace(),
            w.leaky_trace(),
            bias.as_ref().map(|b| b.leaky_trace()),
            params,
        )
        .unwrap_or_else(|e| panic!("{key} {case:?}: {e}"));
        let (expected, shape) = fixture.tensor(&format!("{key}.out"));
        let (b, c, h, wd) = *out.shape();
        assert_eq!(vec![b, c, h, wd], shape, "{key}: output shape");
        assert_eq!(c, case.out_channels);
        assert_eq!(
            (x.shape().1, x.shape().2, x.shape().3),
            (case.in_channels, case.height, case.width)
        );
        assert_close(
            &format!("{key}.out {case:?}"),
            &out.as_vec(),
            &expected,
            RTOL,
        );

        let grad_out = image(&dev, &fixture, &format!("{key}.grad_out"));
        let grads = (out * grad_out).sum::<Rank0, _>().backward();
        assert_close(
            &format!("{key}.grad_x"),
            &grads.get(&x).as_vec(),
            &fixture.tensor(&format!("{key}.grad_x")).0,
            RTOL,
        );
        assert_close(
            &format!("{key}.grad_weight"),
            &grads.get(&w).as_vec(),
            &fixture.tensor(&format!("{key}.grad_weight")).0,
            RTOL,
        );
        if let Some(bias) = &bias {
            assert_close(
                &format!("{key}.grad_bias"),
                &grads.get(bias).as_vec(),
                &fixture.tensor(&format!("{key}.grad_bias")).0,
                RTOL,
            );
        }
        assert_eq!(w.shape().2, case.kernel);
    }
}

#[test]
fn pooling_forward_and_gradients_match_pytorch() {
    let fixture = Fixture::open("ops.safetensors");
    let dev = Cpu::default();
    let all = cases(&fixture);
    for (kind, cases) in [
        ("max_pool2d", &all.max_pool2d),
        ("avg_pool2d", &all.avg_pool2d),
    ] {
        assert!(cases.len() >= 15, "{kind}: too few cases");
        for (i, case) in cases.iter().enumerate() {
            let key = format!("{kind}.{i}");
            let x = image(&dev, &fixture, &format!("{key}.x"));
            assert_eq!(
                *x.shape(),
                (case.batch, case.channels, case.height, case.width)
            );
            let params = PoolParams {
                kernel: case.kernel,
                stride: case.stride,
                padding: case.padding,
            };
            let out = if kind == "max_pool2d" {
                try_max_pool2d(x.leaky_trace(), params)
            } else {
                try_avg_pool2d(x.leaky_trace(), params)
            }
            .unwrap_or_else(|e| panic!("{key} {case:?}: {e}"));
            let (expected, shape) = fixture.tensor(&format!("{key}.out"));
            let (b, c, h, w) = *out.shape();
            assert_eq!(vec![b, c, h, w], shape, "{key}: output shape");
            assert_close(
                &format!("{key}.out {case:?}"),
                &out.as_vec(),
                &expected,
                RTOL,
            );
            let grad_out = image(&dev, &fixture, &format!("{key}.grad_out"));
            let grads = (out * grad_out).sum::<Rank0, _>().backward();
            assert_close(
                &format!("{key}.grad_x {case:?}"),
                &grads.get(&x).as_vec(),
                &fixture.tensor(&format!("{key}.grad_x")).0,
                RTOL,
            );
        }
    }
}

#[test]
fn batch_norm2d_training_step_and_evaluation_match_pytorch() {
    let fixture = Fixture::open("ops.safetensors");
    let cases = cases(&fixture).batch_norm2d;
    assert!(cases.len() >= 6, "too few batch norm cases");
    for (i, case) in cases.iter().enumerate() {
        let key = format!("batch_norm2d.{i}");
        let (_, shape) = fixture.tensor(&format!("{key}.x"));
        assert_eq!(
            shape,
            [case.batch, case.channels, case.height, case.width],
            "{key}"
        );
        let results = batch_norm_run(&Cpu::default(), &fixture, i);
        for (name, actual) in BATCH_NORM_RESULTS.iter().zip(&results) {
            let expected = fixture.tensor(&format!("{key}.{name}")).0;
            assert_close(&format!("{key}.{name} {case:?}"), actual, &expected, RTOL);
        }
    }
}
