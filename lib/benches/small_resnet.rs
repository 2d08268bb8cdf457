//! Benchmark: `models::SmallResNet` (chapter 8's residual network: convs, batch norms, skip
//! connections) on the CPU at batch 128 — training and inference images/s.
//!
//! `cargo bench -p mapping --bench small_resnet [-- --batch 128 --steps 10 --repeats 3]`
//! Prints one JSON line (medians of `--repeats` timings). `scripts/bench_small_resnet.sh` runs it
//! beside the same network in PyTorch (`scripts/torch_small_resnet.py`) and prints the ratio.

use dfdx::data::OneHotEncode;
use dfdx::optim::{Momentum, Sgd, SgdConfig};
use dfdx::prelude::*;
use mapping::models::SmallResNet;

mod common;
use common::{arg, time_per_call};

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
    let mut opt = Sgd::new(
        &model,
        SgdConfig {
            lr: 1e-3,
            momentum: Some(Momentum::Classic(0.9)),
            weight_decay: None,
        },
    );
    let x: Tensor<Rank4<B, 3, 32, 32>, f32, _> = dev.sample_normal();
    let labels: [usize; B] = std::array::from_fn(|i| i % 10);
    let y: Tensor<Rank2<B, 10>, f32, _> = dev.one_hot_encode(Const::<10>, labels);
    let mut grads = model.alloc_grads();
    let mut train_step = || {
        let loss =
            cross_entropy_with_logits_loss(model.forward_mut(x.trace(grads.clone())), y.clone());
        grads = loss.backward();
        opt.update(&mut model, &grads).unwrap();
        model.zero_grads(&mut grads);
    };
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
