//! The model zoo: parameter counts against PyTorch, PyTorch state_dict names and weights,
//! training with each dfdx optimizer, and the batched/unbatched forms of the layers.

use dfdx::data::OneHotEncode;
use dfdx::optim::{Adam, AdamConfig, Momentum, RMSprop, RMSpropConfig, Sgd, SgdConfig};
use dfdx::prelude::*;
use mapping::models;
use mapping::nn::builders::{Conv2d, MaxPool2d};
use mapping_tests::{assert_close, fixture_path, Fixture};

fn torch_count(name: &str) -> usize {
    let text = std::fs::read_to_string(fixture_path("param_counts.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["counts"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no PyTorch count for {name}")) as usize
}

#[test]
fn parameter_counts_equal_pytorch() {
    let dev = Cpu::default();
    let ours = [
        (
            "SeedCifarCnn",
            dev.build_module::<models::SeedCifarCnn, f32>()
                .num_trainable_params(),
        ),
        (
            "KerasBinaryCnn",
            dev.build_module::<models::KerasBinaryCnn, f32>()
                .num_trainable_params(),
        ),
        (
            "TfCifarCnn",
            dev.build_module::<models::TfCifarCnn, f32>()
                .num_trainable_params(),
        ),
        (
            "TfImagenetCnn",
            dev.build_module::<models::TfImagenetCnn, f32>()
                .num_trainable_params(),
        ),
        (
            "Mlp784",
            dev.build_module::<models::Mlp784, f32>()
                .num_trainable_params(),
        ),
        (
            "SmallResNet",
            dev.build_module::<models::SmallResNet, f32>()
                .num_trainable_params(),
        ),
        (
            "PatchAttentionNet",
            dev.build_module::<models::PatchAttentionNet, f32>()
                .num_trainable_params(),
        ),
    ];
    for (name, count) in ours {
        assert_eq!(count, torch_count(name), "{name}");
    }
    assert_eq!(
        torch_count("SeedCifarCnn"),
        2_159_114,
        "the course's quoted figure"
    );
}

#[test]
fn every_zoo_network_maps_images_to_the_documented_shape() {
    let dev = Cpu::default();
    let cifar: Tensor<Rank4<2, 3, 32, 32>, f32, _> = dev.sample_normal();
    let _: Tensor<Rank2<2, 10>, f32, _> = dev
        .build_module::<models::SeedCifarCnn, f32>()
        .forward(cifar.clone());
    let _: Tensor<Rank2<2, 10>, f32, _> = dev
        .build_module::<models::TfCifarCnn, f32>()
        .forward(cifar.clone());
    let _: Tensor<Rank2<2, 10>, f32, _> = dev
        .build_module::<models::SmallResNet, f32>()
        .forward(cifar.clone());
    let _: Tensor<Rank2<2, 10>, f32, _> = dev
        .build_module::<models::PatchAttentionNet, f32>()
        .forward(cifar);
    let keras: Tensor<Rank4<1, 3, 64, 64>, f32, _> = dev.sample_normal();
    let p: Tensor<Rank2<1, 1>, f32, _> = dev
        .build_module::<models::KerasBinaryCnn, f32>()
        .forward(keras);
    assert!(
        (0.0..=1.0).contains(&p.array()[0][0]),
        "sigmoid head gives a probability"
    );
    let mnist: Tensor<Rank4<3, 1, 28, 28>, f32, _> = dev.sample_normal();
    let _: Tensor<Rank2<3, 10>, f32, _> = dev.build_module::<models::Mlp784, f32>().forward(mnist);
}

#[test]
fn parameter_names_are_pytorch_state_dict_names() {
    let dev = Cpu::default();
    let model = dev.build_module::<models::SeedCifarCnn, f32>();
    let path =
        std::env::temp_dir().join(format!("mapping-names-{}.safetensors", std::process::id()));
    model.save_safetensors(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let file = ::safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names: Vec<String> = file.names().into_iter().cloned().collect();
    names.sort();
    // PyTorch: [k for k in nn.Sequential(...).state_dict()] for the same layer list.
    let expected = [
        "0.bias",
        "0.weight",
        "11.bias",
        "11.weight",
        "3.bias",
        "3.weight",
        "6.bias",
        "6.weight",
        "9.bias",
        "9.weight",
    ];
    assert_eq!(names, expected);
    assert_eq!(
        file.tensor("3.weight").unwrap().shape(),
        &[64, 32, 3, 3],
        "PyTorch's (out, in/groups, kh, kw) layout"
    );
    assert_eq!(
        file.tensor("9.weight").unwrap().shape(),
        &[512, 4096],
        "PyTorch's (out, in) Linear layout"
    );
}

#[test]
fn a_pytorch_state_dict_loads_by_name_and_gives_pytorch_logits() {
    let dev = Cpu::default();
    let mut model = dev.build_module::<models::TfCifarCnn, f32>();
    model
        .load_safetensors(fixture_path("tf_cifar_cnn.safetensors"))
        .unwrap();
    let fixture = Fixture::open("tf_cifar_cnn.safetensors");
    let (input, shape) = fixture.tensor("input");
    assert_eq!(shape, [2, 3, 32, 32]);
    let mut x: Tensor<Rank4<2, 3, 32, 32>, f32, _> = dev.zeros();
    x.copy_from(&input);
    let logits = model.forward(x);
    assert_close(
        "logits",
        &logits.as_vec(),
        &fixture.tensor("logits").0,
        1e-4,
    );
}

#[test]
fn save_then_load_restores_every_parameter() {
    let dev = Cpu::seed_from_u64(9);
    let model = dev.build_module::<models::SmallResNet, f32>();
    let path = std::env::temp_dir().join(format!(
        "mapping-roundtrip-{}.safetensors",
        std::process::id()
    ));
    model.save_safetensors(&path).unwrap();
    let mut other = dev.build_module::<models::SmallResNet, f32>();
    let x: Tensor<Rank4<2, 3, 32, 32>, f32, _> = dev.sample_normal();
    assert_ne!(
        model.forward(x.clone()).as_vec(),
        other.forward(x.clone()).as_vec()
    );
    other.load_safetensors(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(model.forward(x.clone()).as_vec(), other.forward(x).as_vec());
}

/// Trains the seed CNN for a few steps on one fixed batch with `opt` and returns the losses.
fn seed_cnn_losses<O>(
    make_opt: impl FnOnce(&<models::SeedCifarCnn as BuildOnDevice<Cpu, f32>>::Built) -> O,
) -> Vec<f32>
where
    O: Optimizer<<models::SeedCifarCnn as BuildOnDevice<Cpu, f32>>::Built, Cpu, f32>,
{
    let dev = Cpu::seed_from_u64(0);
    let mut model = dev.build_module::<models::SeedCifarCnn, f32>();
    let mut opt = make_opt(&model);
    let x: Tensor<Rank4<16, 3, 32, 32>, f32, _> = dev.sample_normal();
    let labels: [usize; 16] = std::array::from_fn(|i| i % 10);
    let y: Tensor<Rank2<16, 10>, f32, _> = dev.one_hot_encode(Const::<10>, labels);
    let mut grads = model.alloc_grads();
    (0..6)
        .map(|_| {
            let loss = cross_entropy_with_logits_loss(
                model.forward_mut(x.trace(grads.clone())),
                y.clone(),
            );
            let value = loss.array();
            grads = loss.backward();
            opt.update(&mut model, &grads).unwrap();
            model.zero_grads(&mut grads);
            value
        })
        .collect()
}

#[test]
fn a_training_step_of_the_seed_cnn_lowers_the_loss_with_every_optimizer() {
    let runs = [
        (
            "sgd+momentum",
            seed_cnn_losses(|m| {
                Sgd::new(
                    m,
                    SgdConfig {
                        lr: 1e-2,
                        momentum: Some(Momentum::Classic(0.9)),
                        weight_decay: None,
                    },
                )
            }),
        ),
        (
            "adam",
            seed_cnn_losses(|m| {
                Adam::new(
                    m,
                    AdamConfig {
                        lr: 1e-3,
                        ..Default::default()
                    },
                )
            }),
        ),
        // dfdx's RMSprop starts its square average at 1 (TensorFlow's choice; PyTorch starts at
        // 0), so its first steps are about `lr * grad`: it needs an SGD-sized learning rate.
        (
            "rmsprop",
            seed_cnn_losses(|m| {
                RMSprop::new(
                    m,
                    RMSpropConfig {
                        lr: 5e-2,
                        ..Default::default()
                    },
                )
            }),
        ),
    ];
    for (name, losses) in runs {
        assert!(losses.iter().all(|l| l.is_finite()), "{name}: {losses:?}");
        // A full step (forward, backward through every conv/pool/linear, update) lowers the loss
        // on the batch it was computed on, and keeps lowering it.
        assert!(
            losses[1] < losses[0],
            "{name}: the first step did not lower the loss: {losses:?}"
        );
        assert!(
            losses[5] < losses[0] - 0.02,
            "{name}: loss did not fall: {losses:?}"
        );
    }
}

#[test]
fn layers_accept_single_images_as_a_batch_of_one() {
    let dev = Cpu::seed_from_u64(2);
    let conv = dev.build_module::<Conv2d<3, 4, 3, 2, 1>, f32>();
    let pool = MaxPool2d::<2>;
    let image: Tensor<Rank3<3, 9, 9>, f32, _> = dev.sample_normal();
    let single: Tensor<Rank3<4, 2, 2>, f32, _> = pool.forward(conv.forward(image.clone()));
    let batch: Tensor<Rank4<1, 4, 2, 2>, f32, _> =
        pool.forward(conv.forward(image.reshape::<Rank4<1, 3, 9, 9>>()));
    assert_eq!(single.as_vec(), batch.as_vec());
}
