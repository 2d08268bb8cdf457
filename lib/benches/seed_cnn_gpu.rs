//! Benchmark: the seed CIFAR CNN training on the GPU at batch 512, images/s (feature `cuda`).
//!
//! `cargo bench -p mapping --features cuda --bench seed_cnn_gpu [-- --steps 20 --repeats 5]`
//! Prints one JSON line (median of `--repeats` timings of `--steps` steps, each timed to the
//! device's completion). `scripts/gpu-check.sh` runs it beside PyTorch on the same GPU
//! (`scripts/torch_seed_cnn_gpu.py`) and prints the ratio.

use std::time::Instant;

use dfdx::prelude::*;
use mapping::models::SeedCifarCnn;

// Only `arg` and the training step: the GPU timing waits for the device (below).
#[allow(dead_code)]
mod common;
use common::{arg, CifarTraining};

fn main() {
    const B: usize = 512;
    let steps = arg("--steps", 20);
    let repeats = arg("--repeats", 5);
    let dev = Cuda::seed_from_u64(0);
    // Reuse freed buffers instead of a cudaMalloc/cudaFree pair per tensor per step, as
    // PyTorch's caching allocator does.
    dev.enable_cache();
    let mut model = dev.build_module::<SeedCifarCnn, f32>();
    let mut training = CifarTraining::<B, _, _>::new(&dev, &model);
    let mut train_step = || training.step(&mut model);
    for _ in 0..5 {
        train_step();
    }
    dev.synchronize();
    let mut per_step: Vec<f64> = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..steps {
                train_step();
            }
            dev.synchronize();
            start.elapsed().as_secs_f64() / steps as f64
        })
        .collect();
    per_step.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = per_step[per_step.len() / 2];
    println!(
        r#"{{"framework":"mapping (dfdx 0.13)","device":"cuda","batch":{B},"train_images_per_s":{:.0},"step_ms":{:.3}}}"#,
        B as f64 / median,
        median * 1e3
    );
}
