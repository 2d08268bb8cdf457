//! End to end: the synthetic default, the loader and a zoo CNN learn together — far above
//! chance (10%) on held-out pictures after two short epochs. (The seed CNN reaches ~90%: see
//! `cargo run --release -p mapping --example tour`.)

use dfdx::optim::{Adam, AdamConfig};
use dfdx::prelude::*;
use mapping::data::transforms::{Compose, Normalize};
use mapping::data::{Loader, LoaderConfig, Synthetic, SyntheticConfig};
use mapping::metrics::{predictions, ConfusionMatrix};
use mapping::models::TfCifarCnn;

const B: usize = 32;

#[test]
fn a_cnn_learns_the_synthetic_shapes() {
    let normalize = || Compose::new().then(Normalize::new(&[0.5; 3], &[0.25; 3]));
    let train = Loader::new(
        Synthetic::new(SyntheticConfig::cifar_like(2400, 1)).unwrap(),
        LoaderConfig::train(B, 3),
    )
    .unwrap()
    .with_transform(normalize());
    let test = Loader::new(
        Synthetic::new(SyntheticConfig::cifar_like(640, 2)).unwrap(),
        LoaderConfig::eval(B),
    )
    .unwrap()
    .with_transform(normalize());
    let dev = Cpu::seed_from_u64(0);
    let mut model = dev.build_module::<TfCifarCnn, f32>();
    let mut opt = Adam::new(
        &model,
        AdamConfig {
            lr: 2e-3,
            ..Default::default()
        },
    );
    let mut grads = model.alloc_grads();
    for epoch in 0..2 {
        for batch in train.epoch(epoch) {
            let batch = batch.unwrap();
            let x: Tensor<Rank4<B, 3, 32, 32>, f32, _> = batch.images_tensor(&dev).unwrap();
            let loss = cross_entropy_with_logits_loss(
                model.forward_mut(x.traced(grads)),
                batch.one_hot::<B, 10, f32, _>(&dev).unwrap(),
            );
            grads = loss.backward();
            opt.update(&mut model, &grads).unwrap();
            model.zero_grads(&mut grads);
        }
    }
    let mut matrix = ConfusionMatrix::new(10);
    for batch in test.epoch(0) {
        let batch = batch.unwrap();
        let logits = model
            .forward(batch.images_tensor::<B, 3, 32, 32, _>(&dev).unwrap())
            .as_vec();
        matrix.merge(
            &ConfusionMatrix::from_labels(&batch.labels, &predictions(&logits, 10), 10).unwrap(),
        );
    }
    let accuracy = matrix.accuracy();
    assert_eq!(matrix.total(), 640);
    assert!(
        accuracy > 0.5,
        "held-out accuracy {accuracy:.3} after 2 epochs"
    );
    eprintln!("held-out accuracy {accuracy:.3}");
}
