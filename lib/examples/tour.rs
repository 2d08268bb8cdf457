//! A first tour of `mapping`: networks as types, shapes computed by the compiler, a convolution
//! by hand, and the seed CNN trained on the synthetic default.
//! `cargo run --release -p mapping --example tour [-- --train 8000 --epochs 3]`

use mapping::data::transforms::{Compose, Normalize, RandomCrop, RandomHorizontalFlip};
use mapping::data::{Loader, LoaderConfig, Synthetic, SyntheticConfig};
use mapping::prelude::*;

// Activations of tens of MB come and go every step: mimalloc, told in `main` to keep the memory
// it frees (`mapping::alloc`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BATCH: usize = 64;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

fn main() -> mapping::Result<()> {
    mapping::alloc::keep_freed_memory();
    let dev = AutoDevice::default();

    // A network is a type; every layer's output shape is computed at compile time.
    let mut model = dev.build_module::<models::SeedCifarCnn, f32>();
    println!(
        "seed CIFAR CNN: {} parameters (PyTorch counts 2,159,114)",
        model.num_trainable_params()
    );

    // The output-size formula (W - K + 2P) / S + 1, by hand and by the library.
    let image: Tensor<Rank4<1, 1, 5, 5>, f32, _> = dev.tensor([[[
        [1., 2., 3., 4., 5.],
        [6., 7., 8., 9., 10.],
        [11., 12., 13., 14., 15.],
        [16., 17., 18., 19., 20.],
        [21., 22., 23., 24., 25.],
    ]]]);
    let edges: Tensor<Rank4<1, 1, 3, 3>, f32, _> =
        dev.tensor([[[[1., 0., -1.], [1., 0., -1.], [1., 0., -1.]]]]);
    let out: Tensor<Rank4<1, 1, 3, 3>, f32, _> = conv2d(image, edges, Conv2dParams::new());
    println!(
        "5x5 ramp * vertical-edge kernel -> (5 - 3 + 0)/1 + 1 = 3: {:?}",
        out.array()[0][0]
    );

    // Train it on the synthetic default (drawn shapes, 10 classes) through the data pipeline:
    // random crop + flip, batches built in parallel, held-out pictures for validation.
    let (train_len, epochs) = (arg("--train", 8000), arg("--epochs", 3));
    let normalize = || Normalize::new(&[0.5; 3], &[0.25; 3]);
    let train = Loader::new(
        Synthetic::new(SyntheticConfig::cifar_like(train_len, 1))?,
        LoaderConfig::train(BATCH, 7),
    )?
    .with_transform(
        Compose::new()
            .then(RandomCrop::new(32, 32).padding(4))
            .then(RandomHorizontalFlip::new(0.5))
            .then(normalize()),
    );
    let test = Loader::new(
        Synthetic::new(SyntheticConfig::cifar_like(2048, 2))?,
        LoaderConfig::eval(BATCH),
    )?
    .with_transform(Compose::new().then(normalize()));
    // Keras-style training: one line per epoch, a History of every metric.
    let mut opt = Adam::new(1e-3);
    let history = Fit::new(epochs)
        .validation(&test)
        .run::<3, 32, 32, 10, _, _, _>(&mut model, &mut opt, &train, &dev)?;
    let accuracy = history.series("val_acc").last().copied().unwrap_or(0.0);
    if accuracy <= 0.5 {
        eprintln!(
            "held-out accuracy {:.1}%: not learned yet; give it more --train images or --epochs",
            accuracy * 100.0
        );
        std::process::exit(1);
    }
    println!(
        "held-out accuracy {:.1}% (chance: 10%): the mapping has been learned",
        accuracy * 100.0
    );
    Ok(())
}
