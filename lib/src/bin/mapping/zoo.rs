//! The model zoo by kebab-case name, with each model's input shape.

use dfdx::nn::BuildOnDevice;
use mapping::models;
use mapping::train::Classifier;
use mapping::{Error, Result};

/// The device the CLI trains on.
pub type Dev = dfdx::tensor::Cpu;

/// Names `mapping train --model` accepts.
pub const NAMES: &[&str] = &[
    "seed-cifar-cnn",
    "tf-cifar-cnn",
    "small-resnet",
    "patch-attention-net",
    "mnist-cnn",
    "mlp-784",
    "tf-imagenet-cnn",
];

/// Work to do with a model type `M` taking `C x H x W` images (10 classes).
pub trait ModelJob {
    type Output;
    fn run<M, const C: usize, const H: usize, const W: usize>(self) -> Result<Self::Output>
    where
        M: BuildOnDevice<Dev, f32>,
        M::Built: Classifier<C, H, W, 10, Dev>;
}

/// Runs `job` with the model called `name`.
pub fn with_model<J: ModelJob>(name: &str, job: J) -> Result<J::Output> {
    match name {
        "seed-cifar-cnn" => job.run::<models::SeedCifarCnn, 3, 32, 32>(),
        "tf-cifar-cnn" => job.run::<models::TfCifarCnn, 3, 32, 32>(),
        "small-resnet" => job.run::<models::SmallResNet, 3, 32, 32>(),
        "patch-attention-net" => job.run::<models::PatchAttentionNet, 3, 32, 32>(),
        "mnist-cnn" => job.run::<models::MnistCnn, 1, 28, 28>(),
        "mlp-784" => job.run::<models::Mlp784, 1, 28, 28>(),
        "tf-imagenet-cnn" => job.run::<models::TfImagenetCnn, 3, 224, 224>(),
        "keras-binary-cnn" => Err(Error::Config {
            what: "model",
            message: "keras-binary-cnn has one sigmoid output (binary cross-entropy); the CLI \
                      trains 10-class models — see notebook 05 for the binary one"
                .into(),
        }),
        other => Err(Error::Config {
            what: "model",
            message: format!("unknown model {other:?}; the zoo has {}", NAMES.join(", ")),
        }),
    }
}
