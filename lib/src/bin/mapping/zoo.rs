//! The model zoo by kebab-case name, with each model's input shape.

use dfdx::nn::BuildOnDevice;
use mapping::models;
use mapping::train::Classifier;
use mapping::{Error, Result};

use crate::device::{with_device, CliDevice, DeviceChoice, DeviceJob};

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

/// Work to do on device `dev` with a model type `M` taking `C x H x W` images (10 classes).
pub trait ModelJob {
    type Output;
    fn run<D, M, const C: usize, const H: usize, const W: usize>(
        self,
        dev: D,
    ) -> Result<Self::Output>
    where
        D: CliDevice,
        M: BuildOnDevice<D, f32>,
        M::Built: Classifier<C, H, W, 10, D>;
}

/// Runs `job` with the model called `name` on the chosen device, seeded with `seed`.
pub fn with_model<J: ModelJob>(
    name: &str,
    device: DeviceChoice,
    seed: u64,
    job: J,
) -> Result<J::Output> {
    // Before opening a device: a misspelt name should not wait for a GPU to start.
    if !NAMES.contains(&name) {
        return Err(not_in_the_zoo(name));
    }
    struct Named<'a, J>(&'a str, J);
    impl<J: ModelJob> DeviceJob for Named<'_, J> {
        type Output = J::Output;
        fn run<D: CliDevice>(self, dev: D) -> Result<J::Output> {
            with_model_on(self.0, dev, self.1)
        }
    }
    with_device(device, seed, Named(name, job))
}

fn with_model_on<D: CliDevice, J: ModelJob>(name: &str, dev: D, job: J) -> Result<J::Output> {
    match name {
        "seed-cifar-cnn" => job.run::<D, models::SeedCifarCnn, 3, 32, 32>(dev),
        "tf-cifar-cnn" => job.run::<D, models::TfCifarCnn, 3, 32, 32>(dev),
        "small-resnet" => job.run::<D, models::SmallResNet, 3, 32, 32>(dev),
        "patch-attention-net" => job.run::<D, models::PatchAttentionNet, 3, 32, 32>(dev),
        "mnist-cnn" => job.run::<D, models::MnistCnn, 1, 28, 28>(dev),
        "mlp-784" => job.run::<D, models::Mlp784, 1, 28, 28>(dev),
        "tf-imagenet-cnn" => job.run::<D, models::TfImagenetCnn, 3, 224, 224>(dev),
        other => Err(not_in_the_zoo(other)),
    }
}

/// The error for a name missing from [`NAMES`].
fn not_in_the_zoo(name: &str) -> Error {
    let message = match name {
        "keras-binary-cnn" => "keras-binary-cnn has one sigmoid output (binary cross-entropy); \
                               the CLI trains 10-class models — see notebook 05 for the binary one"
            .into(),
        other => format!("unknown model {other:?}; the zoo has {}", NAMES.join(", ")),
    };
    Error::Config {
        what: "model",
        message,
    }
}
