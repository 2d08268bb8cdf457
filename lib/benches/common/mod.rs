//! What the benches share: command-line numbers, median timings and the training step.

use std::time::Instant;

use dfdx::data::OneHotEncode;
use dfdx::optim::{Momentum, Sgd, SgdConfig};
use dfdx::prelude::*;

/// The number after `name` on the command line, or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Seconds per call of `f`, median over `repeats` runs of `steps` calls.
pub fn time_per_call(repeats: usize, steps: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..repeats)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..steps {
                    f();
                }
                start.elapsed().as_secs_f64() / steps as f64
            })
            .collect(),
    )
}

/// A fixed random CIFAR-sized batch of `B` images and SGD (lr 1e-3, momentum 0.9) on
/// cross-entropy: the training step every bench times, and its PyTorch peers take.
pub struct CifarTraining<const B: usize, M, D: Device<f32>> {
    opt: Sgd<M, f32, D>,
    x: Tensor<Rank4<B, 3, 32, 32>, f32, D>,
    y: Tensor<Rank2<B, 10>, f32, D>,
    grads: Gradients<f32, D>,
}

impl<const B: usize, M, D> CifarTraining<B, M, D>
where
    D: Device<f32>,
    M: TensorCollection<f32, D>
        + ModuleMut<
            Tensor<Rank4<B, 3, 32, 32>, f32, D, OwnedTape<f32, D>>,
            Output = Tensor<Rank2<B, 10>, f32, D, OwnedTape<f32, D>>,
        >,
{
    pub fn new(dev: &D, model: &M) -> Self {
        let opt = Sgd::new(
            model,
            SgdConfig {
                lr: 1e-3,
                momentum: Some(Momentum::Classic(0.9)),
                weight_decay: None,
            },
        );
        let labels: [usize; B] = std::array::from_fn(|i| i % 10);
        Self {
            opt,
            x: dev.sample_normal(),
            y: dev.one_hot_encode(Const::<10>, labels),
            grads: model.alloc_grads(),
        }
    }

    /// The batch's images, for timing inference on them.
    pub fn images(&self) -> Tensor<Rank4<B, 3, 32, 32>, f32, D> {
        self.x.clone()
    }

    pub fn step(&mut self, model: &mut M) {
        let logits = model.forward_mut(self.x.trace(self.grads.clone()));
        let grads = cross_entropy_with_logits_loss(logits, self.y.clone()).backward();
        self.opt.update(model, &grads).unwrap();
        self.grads = grads;
        model.zero_grads(&mut self.grads);
    }
}
