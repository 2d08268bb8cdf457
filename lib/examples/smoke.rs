use mapping::prelude::*;
fn main() {
    let dev = AutoDevice::default();
    let mut model = dev.build_module::<models::SeedCifarCnn, f32>();
    println!("params {}", model.num_trainable_params());
    let x: Tensor<Rank4<8, 3, 32, 32>, f32, _> = dev.sample_normal();
    let logits: Tensor<Rank2<8, 10>, f32, _> = model.forward(x.clone());
    println!("{:?}", logits.shape());
    let mut grads = model.alloc_grads();
    let mut opt = Sgd::new(
        &model,
        SgdConfig {
            lr: 1e-2,
            momentum: Some(Momentum::Classic(0.9)),
            weight_decay: None,
        },
    );
    let y: Tensor<Rank2<8, 10>, f32, _> = dev.one_hot_encode(Const::<10>, [0, 1, 2, 3, 4, 5, 6, 7]);
    for i in 0..5 {
        let out = model.forward_mut(x.clone().traced(grads));
        let loss = cross_entropy_with_logits_loss(out, y.clone());
        println!("step {i} loss {}", loss.array());
        grads = loss.backward();
        opt.update(&mut model, &grads).unwrap();
        model.zero_grads(&mut grads);
    }
    let r = dev.build_module::<models::SmallResNet, f32>();
    let a = dev.build_module::<models::PatchAttentionNet, f32>();
    let k = dev.build_module::<models::KerasBinaryCnn, f32>();
    let t = dev.build_module::<models::TfCifarCnn, f32>();
    let m = dev.build_module::<models::Mlp784, f32>();
    println!(
        "resnet {} attn {} keras {} tf {} mlp {}",
        r.num_trainable_params(),
        a.num_trainable_params(),
        k.num_trainable_params(),
        t.num_trainable_params(),
        m.num_trainable_params()
    );
    let xa: Tensor<Rank4<2, 3, 32, 32>, f32, _> = dev.sample_normal();
    let _: Tensor<Rank2<2, 10>, f32, _> = r.forward(xa.clone());
    let _: Tensor<Rank2<2, 10>, f32, _> = a.forward(xa);
}
