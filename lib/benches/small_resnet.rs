//! Benchmark: `models::SmallResNet` (chapter 8's residual network: convs, batch norms, skip
//! connections) on the CPU at batch 128 — training and inference images/s.
//!
//! `cargo bench -p mapping --bench small_resnet [-- --batch 128 --steps 10 --repeats 3]`
//! Prints one JSON line (medians of `--repeats` timings). `scripts/bench_small_resnet.sh` runs it
//! beside the same network in PyTorch (`scripts/torch_small_resnet.py`) and prints the ratio.

use dfdx::prelude::*;
use mapping::models::SmallResNet;

mod common;
use common::{arg, time_per_call, CifarTraining};

// As in the seed CNN bench: keep freed activations instead of faulting them back in.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    mapping::alloc::keep_freed_memory();
    let steps = arg("--steps", 10);
    let repeats = arg("--repeats", 3);
    const B: usize = 128;
    assert_eq!(
        arg("--batch", B),
        B,
        "the network's batch is a compile-time dim: this bench is built for 128"
    );
    let dev = Cpu::seed_from_u64(0);
    let mut model = dev.build_module::<SmallResNet, f32>();
    let mut training = CifarTraining::<B, _, _>::new(&dev, &model);
    let x = training.images();
    let mut train_step = || training.step(&mut model);
    for _ in 0..3 {
        train_step();
    }
    let train_s = time_per_call(repeats, steps, &mut train_step);
    // Evaluation mode: batch norm uses its running statistics (PyTorch's `model.eval()`).
    let infer_s = time_per_call(repeats, steps, || {
        let _ = model.forward(x.clone());
    });
    println!(
        r#"{{"impl":"mapping","threads":{},"batch":{B},"train_img_per_s":{:.1},"infer_img_per_s":{:.1}}}"#,
        rayon::current_num_threads(),
        B as f64 / train_s,
        B as f64 / infer_s,
    );
}
