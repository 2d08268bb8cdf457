//! Benchmark: the seed CIFAR CNN on the CPU at batch 128 — training and inference images/s —
//! and each conv layer's forward GFLOP/s beside a plain sgemm of the same sizes.
//!
//! `cargo bench -p mapping --bench seed_cnn [-- --batch 128 --steps 10 --repeats 3]`
//! Prints one JSON line (medians of `--repeats` timings). `scripts/bench_seed_cnn.sh` runs it
//! beside PyTorch (`shared/bench/torch_seed_cnn.py`) and prints the ratio.

use dfdx::prelude::*;
use mapping::models::SeedCifarCnn;
use mapping::ops::{conv2d_with_bias, Conv2dParams};
use rayon::prelude::*;

mod common;
use common::{arg, time_per_call, CifarTraining};

// Large activations are allocated and freed every step; glibc returns them to the OS and pays
// a page fault per 4 KiB when they come back. mimalloc, told to, keeps them (`mapping::alloc`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    mapping::alloc::keep_freed_memory();
    let batch = arg("--batch", 128);
    let steps = arg("--steps", 10);
    let repeats = arg("--repeats", 3);
    assert_eq!(
        batch, 128,
        "the network's batch is a compile-time dim: this bench is built for 128"
    );
    const B: usize = 128;
    let dev = Cpu::seed_from_u64(0);
    let mut model = dev.build_module::<SeedCifarCnn, f32>();
    let mut training = CifarTraining::<B, _, _>::new(&dev, &model);
    let x = training.images();
    let mut train_step = || training.step(&mut model);
    for _ in 0..3 {
        train_step();
    }
    let train_s = time_per_call(repeats, steps, &mut train_step);
    let model = dev.build_module::<SeedCifarCnn, f32>();
    let infer_s = time_per_call(repeats, steps, || {
        let _ = model.forward(x.clone());
    });

    // Each conv layer alone, forward only, against gemm on the same (O x CKK) * (CKK x OHW) per image.
    let mut layers = Vec::new();
    for (c, o, hw) in [(3usize, 32usize, 32usize), (32, 64, 16), (64, 64, 8)] {
        let xi: Tensor<(usize, usize, usize, usize), f32, _> =
            dev.sample_normal_like(&(batch, c, hw, hw));
        let w: Tensor<(usize, usize, usize, usize), f32, _> = dev.sample_normal_like(&(o, c, 3, 3));
        let b: Tensor<(usize,), f32, _> = dev.sample_normal_like(&(o,));
        let params = Conv2dParams {
            stride: 1usize,
            padding: 1usize,
            dilation: 1usize,
            groups: 1usize,
        };
        let flops = 2.0 * (batch * o * hw * hw * c * 9) as f64;
        let conv_s = time_per_call(repeats, steps, || {
            let _ = conv2d_with_bias(xi.clone(), w.clone(), b.clone(), params);
        });
        let (m, n, k) = (o, hw * hw, c * 9);
        let lhs = vec![0.5f32; m * k];
        let rhs = vec![0.25f32; k * n * batch];
        let mut dst = vec![0f32; m * n * batch];
        let gemm_s = time_per_call(repeats, steps, || {
            dst.par_chunks_mut(m * n)
                .zip(rhs.par_chunks(k * n))
                .for_each(|(d, r)| unsafe {
                    gemm::gemm(
                        m,
                        n,
                        k,
                        d.as_mut_ptr(),
                        1,
                        n as isize,
                        false,
                        lhs.as_ptr(),
                        1,
                        k as isize,
                        r.as_ptr(),
                        1,
                        n as isize,
                        0.0,
                        1.0,
                        false,
                        false,
                        false,
                        gemm::Parallelism::None,
                    );
                });
        });
        layers.push(format!(
            r#"{{"layer":"{c}->{o} {hw}x{hw}","conv_gflops":{:.1},"sgemm_gflops":{:.1}}}"#,
            flops / conv_s / 1e9,
            flops / gemm_s / 1e9
        ));
    }
    println!(
        r#"{{"impl":"mapping","threads":{},"batch":{batch},"train_img_per_s":{:.1},"infer_img_per_s":{:.1},"conv_layers":[{}]}}"#,
        rayon::current_num_threads(),
        batch as f64 / train_s,
        batch as f64 / infer_s,
        layers.join(",")
    );
}
