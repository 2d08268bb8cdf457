//! Trains the seed CIFAR CNN on the synthetic default and reports held-out accuracy per epoch.
//! `cargo run --release -p mapping --example synthetic_accuracy [-- --train 8000 --epochs 4]`

use mapping::data::transforms::{Compose, Normalize, RandomCrop, RandomHorizontalFlip};
use mapping::data::{Loader, LoaderConfig, Synthetic, SyntheticConfig};
use mapping::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const B: usize = 64;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

fn main() -> mapping::Result<()> {
    let (train_len, epochs) = (arg("--train", 8000), arg("--epochs", 4));
    let normalize = || Normalize::new(&[0.5; 3], &[0.25; 3]);
    let train = Loader::new(
        Synthetic::new(SyntheticConfig::cifar_like(train_len, 1))?,
        LoaderConfig::train(B, 7),
    )?
    .with_transform(
        Compose::new()
            .then(RandomCrop::new(32, 32).padding(4))
            .then(RandomHorizontalFlip::new(0.5))
            .then(normalize()),
    );
    // Held out: another seed, so not one of the training pictures.
    let test = Loader::new(
        Synthetic::new(SyntheticConfig::cifar_like(2000, 2))?,
        LoaderConfig {
            drop_last: true,
            ..LoaderConfig::eval(B)
        },
    )?
    .with_transform(Compose::new().then(normalize()));
    let dev = AutoDevice::default();
    let mut model = dev.build_module::<models::SeedCifarCnn, f32>();
    let mut opt = Adam::new(
        &model,
        AdamConfig {
            lr: 1e-3,
            ..Default::default()
        },
    );
    let mut grads = model.alloc_grads();
    for epoch in 0..epochs as u64 {
        let start = std::time::Instant::now();
        let mut loss_sum = 0.0;
        for batch in train.epoch(epoch) {
            let batch = batch?;
            let x: Tensor<Rank4<B, 3, 32, 32>, f32, _> = batch.images_tensor(&dev)?;
            let y: Tensor<Rank2<B, 10>, f32, _> = batch.one_hot(&dev)?;
            let loss = cross_entropy_with_logits_loss(model.forward_mut(x.traced(grads)), y);
            loss_sum += loss.array();
            grads = loss.backward();
            opt.update(&mut model, &grads).expect("all parameters used");
            model.zero_grads(&mut grads);
        }
        let (mut correct, mut total) = (0, 0);
        for batch in test.epoch(0) {
            let batch = batch?;
            let logits = model
                .forward(batch.images_tensor::<B, 3, 32, 32, _>(&dev)?)
                .as_vec();
            for (row, &label) in logits.chunks(10).zip(&batch.labels) {
                let predicted = row
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .unwrap()
                    .0;
                correct += usize::from(predicted == label);
                total += 1;
            }
        }
        println!(
            "epoch {}/{epochs} - loss {:.4} - val_acc {:.4} - {:.1}s",
            epoch + 1,
            loss_sum / train.num_batches() as f32,
            correct as f32 / total as f32,
            start.elapsed().as_secs_f32()
        );
    }
    Ok(())
}
