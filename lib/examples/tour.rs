//! A first tour of `mapping`: networks as types, shapes computed by the compiler, one training
//! run on the seed CNN. `cargo run --release -p mapping --example tour`
//!
//! The data here is a fixed random batch: the course's datasets (the synthetic default,
//! MNIST, CIFAR-10) and its notebooks come with the data and kernel work.

use mapping::prelude::*;

fn main() {
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

    // A few steps of SGD with momentum on one fixed batch: the loss must fall.
    let x: Tensor<Rank4<32, 3, 32, 32>, f32, _> = dev.sample_normal();
    let labels: [usize; 32] = std::array::from_fn(|i| i % 10);
    let y: Tensor<Rank2<32, 10>, f32, _> = dev.one_hot_encode(Const::<10>, labels);
    let mut opt = Sgd::new(
        &model,
        SgdConfig {
            lr: 1e-2,
            momentum: Some(Momentum::Classic(0.9)),
            weight_decay: None,
        },
    );
    let mut grads = model.alloc_grads();
    let mut first = None;
    let mut last = 0.0;
    for step in 1..=20 {
        let loss = cross_entropy_with_logits_loss(model.forward_mut(x.trace(grads)), y.clone());
        last = loss.array();
        first.get_or_insert(last);
        if step % 5 == 0 {
            println!("step {step:2} - loss {last:.4}");
        }
        grads = loss.backward();
        opt.update(&mut model, &grads)
            .expect("every parameter has a gradient");
        model.zero_grads(&mut grads);
    }
    let first = first.unwrap();
    assert!(
        last < first,
        "training did not lower the loss ({first} -> {last})"
    );
    println!("loss {first:.4} -> {last:.4}: the mapping is learning");
}
