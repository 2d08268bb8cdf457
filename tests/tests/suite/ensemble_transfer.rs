//! Ensembles beat their members on held-out images; transfer learning freezes a backbone
//! (verified bit for bit), replaces the head and fine-tunes.

use dfdx::prelude::*;
use mapping::data::{Loader, LoaderConfig, Synthetic, SyntheticConfig};
use mapping::ensemble::{average, weighted_average, weights_from_scores, Stacking};
use mapping::nn::builders::{BatchNorm2d, Conv2d, Flatten, MaxPool2d, ReLU, Sequential};
use mapping::nn::load_weights;
use mapping::optim::{Adam, Optimizer};
use mapping::train::{evaluate, Evaluation, Fit};

/// Feature extractor for 1x28x28 images: 16 x 7 x 7 features. (Its batch norm's running
/// statistics keep adapting while frozen, as in PyTorch; its weights do not.)
type Backbone = Sequential<(
    Conv2d<1, 8, 3, 1, 1>,
    BatchNorm2d<8>,
    ReLU,
    MaxPool2d<2>,
    Conv2d<8, 16, 3, 1, 1>,
    ReLU,
    MaxPool2d<2>,
    Flatten,
)>;
type Net = (Backbone, Linear<784, 10>);

fn data(len: usize, seed: u64, noise: f32) -> Synthetic {
    let mut config = SyntheticConfig::mnist_like(len, seed);
    config.noise = noise;
    Synthetic::new(config).unwrap()
}

fn eval_loader(len: usize, seed: u64, noise: f32) -> Loader {
    Loader::new(data(len, seed, noise), LoaderConfig::eval(100)).unwrap()
}

#[test]
fn averaged_weighted_and_stacked_ensembles_beat_every_member() {
    let (val, test) = (eval_loader(600, 20, 0.25), eval_loader(1000, 21, 0.25));
    let mut on_val: Vec<Evaluation> = Vec::new();
    let mut on_test: Vec<Evaluation> = Vec::new();
    // Three small, different members, each trained briefly on its own 800 images.
    for member in 0..3u64 {
        let dev = Cpu::seed_from_u64(member);
        let train = Loader::new(
            data(800, 100 + member, 0.25),
            LoaderConfig::train(16, member),
        )
        .unwrap();
        let mut model = dev.build_module::<Net, f32>();
        Fit::new(2)
            .verbose(false)
            .run::<1, 28, 28, 10, _, _, _>(&mut model, &mut Adam::new(2e-3), &train, &dev)
            .unwrap();
        on_val.push(evaluate::<1, 28, 28, 10, _, _>(&model, &val, &dev).unwrap());
        on_test.push(evaluate::<1, 28, 28, 10, _, _>(&model, &test, &dev).unwrap());
    }
    let val_refs: Vec<&Evaluation> = on_val.iter().collect();
    let test_refs: Vec<&Evaluation> = on_test.iter().collect();
    let best_member = on_test.iter().map(|e| e.accuracy()).fold(0.0, f64::max);
    let members: Vec<f64> = on_test.iter().map(|e| e.accuracy()).collect();

    let averaged = average(&test_refs).unwrap().accuracy();
    let scores: Vec<f64> = on_val.iter().map(|e| e.accuracy()).collect();
    let weighted = weighted_average(&test_refs, &weights_from_scores(&scores, 10))
        .unwrap()
        .accuracy();
    let stacking = Stacking::fit(&val_refs, 300, 0.5, 1e-4).unwrap();
    let stacked = stacking.predict(&test_refs).unwrap().accuracy();
    println!("members {members:?}, average {averaged}, weighted {weighted}, stacked {stacked}");
    assert!(
        best_member > 0.3 && best_member < 0.97,
        "members {members:?}"
    );
    assert!(
        averaged > best_member,
        "average {averaged} vs members {members:?}"
    );
    assert!(
        weighted > best_member,
        "weighted {weighted} vs members {members:?}"
    );
    assert!(
        stacked > best_member,
        "stacked {stacked} vs members {members:?}"
    );

    // Members evaluated on different images cannot be combined.
    let err = average(&[&on_val[0], &on_test[0]]).unwrap_err();
    assert!(err.to_string().contains("other images"), "{err}");
}

#[test]
fn a_frozen_backbone_stays_bit_for_bit_and_pretraining_helps() {
    let val = eval_loader(500, 31, 0.2);
    // Source task: train the whole network on plenty of data.
    let dev = Cpu::seed_from_u64(7);
    let source = Loader::new(data(2000, 30, 0.2), LoaderConfig::train(32, 1)).unwrap();
    let mut pretrained = dev.build_module::<Net, f32>();
    Fit::new(2)
        .verbose(false)
        .run::<1, 28, 28, 10, _, _, _>(&mut pretrained, &mut Adam::new(2e-3), &source, &dev)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("backbone.safetensors");
    pretrained.save_safetensors(&saved).unwrap();

    // Target task: a new head on the loaded backbone, few images, backbone frozen.
    let few = Loader::new(data(160, 32, 0.2), LoaderConfig::train(16, 2)).unwrap();
    let fine_tune = |load: bool| {
        let dev = Cpu::seed_from_u64(8);
        let mut model = dev.build_module::<Net, f32>();
        if load {
            // The full network's file: `0.*` names fit the backbone, the old head is ignored.
            let loaded = load_weights(&mut model.0, &saved, "0.").unwrap();
            assert_eq!(loaded, 8, "two convolutions and a batch norm");
        }
        let backbone_before = model.0.clone();
        let head_before = model.1.weight.as_vec();
        let mut opt = Adam::new(5e-3).weight_decay(1e-2);
        opt.freeze(&["0"]);
        Fit::new(3)
            .verbose(false)
            .run::<1, 28, 28, 10, _, _, _>(&mut model, &mut opt, &few, &dev)
            .unwrap();
        // Frozen: every backbone tensor unchanged, even under weight decay; the head moved.
        let (now, before) = (&model.0 .0, &backbone_before.0);
        assert_eq!(now.0.weight.as_vec(), before.0.weight.as_vec());
        assert_eq!(now.0.bias.as_vec(), before.0.bias.as_vec());
        assert_eq!(now.4.weight.as_vec(), before.4.weight.as_vec());
        assert_eq!(now.4.bias.as_vec(), before.4.bias.as_vec());
        assert_ne!(model.1.weight.as_vec(), head_before);
        assert_eq!(opt.state().frozen, ["0"]);
        evaluate::<1, 28, 28, 10, _, _>(&model, &val, &dev)
            .unwrap()
            .accuracy()
    };
    let transferred = fine_tune(true);
    let from_scratch = fine_tune(false);
    println!("head on pretrained backbone {transferred}, on random backbone {from_scratch}");
    assert!(
        transferred > from_scratch + 0.1,
        "pretrained {transferred} vs random {from_scratch}"
    );
}

#[test]
fn load_weights_names_what_is_missing_or_misshapen() {
    let dev = Cpu::default();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("net.safetensors");
    dev.build_module::<Net, f32>()
        .save_safetensors(&path)
        .unwrap();
    let mut backbone = dev.build_module::<Backbone, f32>();
    let err = load_weights(&mut backbone, &path, "")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("net.safetensors") && err.contains("no tensor \"0.weight\""),
        "{err}"
    );
    let mut head = dev.build_module::<Linear<784, 5>, f32>();
    let err = load_weights(&mut head, &path, "1.")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[10, 784]") && err.contains("[5, 784]"),
        "{err}"
    );
}

/// The names of the tensors in a safetensors file, sorted.
fn tensor_names(path: &std::path::Path) -> Vec<String> {
    saved_tensors(path).into_keys().collect()
}

/// A safetensors file's tensors by name, each as its raw bytes.
fn saved_tensors(path: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let file = ::safetensors::SafeTensors::deserialize(&bytes).unwrap();
    file.tensors()
        .into_iter()
        .map(|(name, view)| (name, view.data().to_vec()))
        .collect()
}

/// `Frozen<Backbone>`, Keras's `trainable = False`: the same tensor names as the plain network;
/// training leaves every backbone tensor bit for bit, its batch norm's running statistics
/// included, with no `opt.freeze`; the backbone computes in evaluation mode while training, and
/// gradients still pass through it to its input.
#[test]
fn a_frozen_backbone_keeps_its_names_weights_and_batch_norm_statistics() {
    use mapping::nn::builders::Frozen;
    type FrozenNet = (Frozen<Backbone>, Linear<784, 10>);
    let dev = Cpu::seed_from_u64(7);
    let mut plain = dev.build_module::<Net, f32>();
    // Statistics of a "source task", away from (0, 1), so that using them shows.
    plain.0 .0 .1.inner.running_mean = dev.sample_normal();
    plain.0 .0 .1.inner.running_var = dev.sample_uniform() + 0.5;
    let dir = tempfile::tempdir().unwrap();
    let plain_file = dir.path().join("plain.safetensors");
    plain.save_safetensors(&plain_file).unwrap();

    let mut model = dev.build_module::<FrozenNet, f32>();
    assert_eq!(load_weights(&mut model.0, &plain_file, "0.").unwrap(), 8);
    let frozen_file = dir.path().join("frozen.safetensors");
    model.save_safetensors(&frozen_file).unwrap();
    assert_eq!(tensor_names(&frozen_file), tensor_names(&plain_file));
    // Only the head is trainable: 784 * 10 + 10.
    assert_eq!(model.num_trainable_params(), 7850);
    assert!(plain.num_trainable_params() > 7850);

    // While training, the backbone computes as in evaluation, and passes gradients through.
    let x: Tensor<Rank4<4, 1, 28, 28>, f32, Cpu> = dev.sample_normal();
    let features = plain.0.forward(x.leaky_trace());
    let want = features.as_vec();
    let want_grad = features.sum().backward().get(&x).as_vec();
    let features = model.0.forward_mut(x.leaky_trace());
    assert!(features.as_vec() == want, "not evaluation mode's features");
    let grad = features.sum().backward().get(&x).as_vec();
    assert!(grad == want_grad, "not evaluation mode's input gradient");

    // Training without `opt.freeze`: the backbone, statistics included, stays; the head learns.
    let backbone_before = model.0 .0.clone();
    let head_before = model.1.weight.as_vec();
    let few = Loader::new(data(160, 32, 0.2), LoaderConfig::train(16, 2)).unwrap();
    let mut opt = Adam::new(5e-3).weight_decay(1e-2);
    Fit::new(2)
        .verbose(false)
        .run::<1, 28, 28, 10, _, _, _>(&mut model, &mut opt, &few, &dev)
        .unwrap();
    assert_same_tensors(&model.0 .0, &backbone_before);
    // Still the source task's statistics, as loaded.
    assert_eq!(
        model.0 .0 .0 .1.inner.running_mean.as_vec(),
        plain.0 .0 .1.inner.running_mean.as_vec()
    );
    assert_ne!(model.1.weight.as_vec(), head_before);

    // Every optimizer honours it, this crate's and dfdx's; the head moves under each.
    use dfdx::optim::{Adam as DfdxAdam, Optimizer as _, RMSprop as DfdxRmsProp, Sgd as DfdxSgd};
    use mapping::optim::{AdaGrad, RmsProp, Sgd};
    let sgd = Sgd::new(0.1).momentum(0.9).weight_decay(0.1);
    frozen_step(&mut model, &x, |m, mut g| {
        sgd.clone().update(m, &mut g).unwrap()
    });
    frozen_step(&mut model, &x, |m, mut g| {
        Adam::new(0.1).update(m, &mut g).unwrap()
    });
    frozen_step(&mut model, &x, |m, mut g| {
        AdaGrad::new(0.1).update(m, &mut g).unwrap()
    });
    frozen_step(&mut model, &x, |m, mut g| {
        RmsProp::new(0.1).update(m, &mut g).unwrap()
    });
    frozen_step(&mut model, &x, |m, g| {
        DfdxSgd::new(m, Default::default()).update(m, &g).unwrap()
    });
    frozen_step(&mut model, &x, |m, g| {
        DfdxAdam::new(m, Default::default()).update(m, &g).unwrap()
    });
    frozen_step(&mut model, &x, |m, g| {
        DfdxRmsProp::new(m, Default::default())
            .update(m, &g)
            .unwrap()
    });
}

type FrozenModel =
    <(mapping::nn::builders::Frozen<Backbone>, Linear<784, 10>) as BuildOnDevice<Cpu, f32>>::Built;

/// One training step of `update` on a network with a frozen backbone: the head moves, no tensor
/// of the backbone does.
fn frozen_step(
    model: &mut FrozenModel,
    x: &Tensor<Rank4<4, 1, 28, 28>, f32, Cpu>,
    update: impl FnOnce(&mut FrozenModel, Gradients<f32, Cpu>),
) {
    let (backbone, head) = (model.0 .0.clone(), model.1.weight.as_vec());
    let loss = model
        .forward_mut(x.clone().traced(model.alloc_grads()))
        .square()
        .mean();
    update(model, loss.backward());
    assert_ne!(model.1.weight.as_vec(), head, "the head did not move");
    assert_same_tensors(&model.0 .0, &backbone);
}

/// Every tensor the two modules save (weights, batch-norm statistics, saved scalars) is equal
/// bit for bit, by name.
fn assert_same_tensors<M: SaveToSafetensors<f32, Cpu>>(now: &M, before: &M) {
    let dir = tempfile::tempdir().unwrap();
    let saved = |module: &M, name: &str| {
        let path = dir.path().join(name);
        module.save_safetensors(&path).unwrap();
        saved_tensors(&path)
    };
    let (now, before) = (saved(now, "now"), saved(before, "before"));
    assert!(now.len() >= 4, "saved only {:?}", now.keys());
    for (name, values) in &before {
        assert!(now.get(name) == Some(values), "{name} changed");
    }
    assert_eq!(now.len(), before.len());
}
