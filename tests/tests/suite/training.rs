//! Learning-rate schedules and label smoothing against PyTorch (`fixtures/training.json`,
//! written by `scripts/make_training_fixtures.py`).

use dfdx::data::OneHotEncode;
use dfdx::prelude::*;
use mapping::train::{
    cross_entropy_with_label_smoothing, weight_penalty, CosineAnnealing, LrSchedule, OneCycle,
    StepDecay, WarmUp,
};
use mapping_tests::fixture_path;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture_path("training.json")).unwrap()).unwrap()
}

fn assert_schedule(name: &str, schedule: &dyn LrSchedule, expected: &Value) {
    let expected: Vec<f64> = expected
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(expected.len() >= 20);
    for (step, &want) in expected.iter().enumerate() {
        let got = schedule.lr(step);
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1e-3),
            "{name} step {step}: {got}, PyTorch {want}"
        );
    }
}

#[test]
fn schedules_equal_pytorchs_schedulers() {
    let f = fixture();
    assert_schedule(
        "StepLR",
        &StepDecay {
            base: 0.1,
            every: 7,
            gamma: 0.5,
        },
        &f["step_lr"],
    );
    assert_schedule(
        "CosineAnnealingLR",
        &CosineAnnealing {
            base: 0.1,
            min: 0.001,
            steps: 20,
        },
        &f["cosine"],
    );
    assert_schedule(
        "OneCycleLR",
        &OneCycle {
            max: 0.1,
            total: 40,
        },
        &f["one_cycle"],
    );
}

#[test]
fn warm_up_ramps_linearly_into_the_schedule() {
    let schedule = WarmUp {
        steps: 4,
        then: StepDecay {
            base: 0.2,
            every: 100,
            gamma: 0.1,
        },
    };
    let rates: Vec<f64> = (0..6).map(|s| schedule.lr(s)).collect();
    assert_eq!(rates, [0.05, 0.1, 0.15000000000000002, 0.2, 0.2, 0.2]);
}

#[test]
fn label_smoothing_equals_pytorch() {
    let f = fixture();
    let dev = Cpu::default();
    let values: Vec<f32> = f["logits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let mut logits: Tensor<Rank2<6, 5>, f32, _> = dev.zeros();
    logits.copy_from(&values);
    let labels: [usize; 6] = std::array::from_fn(|i| f["labels"][i].as_u64().unwrap() as usize);
    let one_hot: Tensor<Rank2<6, 5>, f32, _> = dev.one_hot_encode(Const::<5>, labels);
    for (smoothing, key) in [(0.1, "ce_smooth_0.1"), (0.0, "ce_smooth_0")] {
        let ours =
            cross_entropy_with_label_smoothing(logits.clone(), one_hot.clone(), smoothing).array();
        let theirs = f[key].as_f64().unwrap() as f32;
        assert!(
            (ours - theirs).abs() < 1e-5,
            "smoothing {smoothing}: {ours}, PyTorch {theirs}"
        );
    }
    // and it has a gradient
    let grads = cross_entropy_with_label_smoothing(logits.leaky_trace(), one_hot, 0.1).backward();
    assert!(grads.get(&logits).as_vec().iter().any(|&g| g != 0.0));
}

fn fixture_logits(dev: &Cpu) -> Tensor<Rank2<6, 5>, f32, Cpu> {
    let values: Vec<f32> = fixture()["logits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let mut logits: Tensor<Rank2<6, 5>, f32, _> = dev.zeros();
    logits.copy_from(&values);
    logits
}

/// PyTorch's row order reversed (`logits.flip(0)`).
fn flipped(t: &Tensor<Rank2<6, 5>, f32, Cpu>) -> Tensor<Rank2<6, 5>, f32, Cpu> {
    let rows = t.array();
    t.device()
        .tensor(std::array::from_fn::<_, 6, _>(|i| rows[5 - i]))
}

#[test]
fn binary_cross_entropy_and_mse_equal_pytorch() {
    let f = fixture();
    let dev = Cpu::default();
    let logits = fixture_logits(&dev);
    let bce = binary_cross_entropy_with_logits_loss(logits.clone(), flipped(&logits).sigmoid());
    let mse = mse_loss(logits.clone(), flipped(&logits));
    for (ours, key) in [(bce.array(), "bce_logits"), (mse.array(), "mse")] {
        let theirs = f[key].as_f64().unwrap() as f32;
        assert!(
            (ours - theirs).abs() < 1e-5,
            "{key}: {ours}, PyTorch {theirs}"
        );
    }
}

#[test]
fn weight_penalty_gradients_match_finite_differences() {
    let dev = Cpu::default();
    let mut model = dev.build_module::<Linear<3, 2>, f32>();
    let (l1, l2) = (0.1, 0.05);
    let value = |m: &_| weight_penalty(m, l1, l2).unwrap().array() as f64;

    // The value by hand.
    let w = model.weight.as_vec();
    let b = model.bias.as_vec();
    let by_hand: f64 = w
        .iter()
        .chain(&b)
        .map(|&v| l1 * (v as f64).abs() + l2 * (v as f64).powi(2))
        .sum();
    assert!((value(&model) - by_hand).abs() < 1e-6);

    // Added to a data loss: the gradient is the data gradient plus the penalty's, each weight
    // checked by central differences of the penalty.
    let x: Tensor<Rank2<4, 3>, f32, _> = dev.sample_normal();
    let y: Tensor<Rank2<4, 2>, f32, _> = dev.sample_normal();
    let data_grads = mse_loss(model.forward(x.clone().leaky_trace()), y.clone()).backward();
    let grads = (mse_loss(model.forward(x.leaky_trace()), y)
        + weight_penalty(&model, l1, l2).unwrap())
    .backward();
    let combined = grads.get(&model.weight).as_vec();
    let data = data_grads.get(&model.weight).as_vec();
    let h = 1e-3f32;
    for i in 0..6 {
        let original = model.weight.as_vec();
        let mut shifted = original.clone();
        shifted[i] += h;
        model.weight.copy_from(&shifted);
        let up = value(&model);
        shifted[i] -= 2.0 * h;
        model.weight.copy_from(&shifted);
        let down = value(&model);
        model.weight.copy_from(&original);
        let numeric = (up - down) / (2.0 * h as f64);
        let analytic = (combined[i] - data[i]) as f64;
        assert!(
            (numeric - analytic).abs() < 2e-3,
            "weight {i}: penalty gradient {analytic}, finite difference {numeric}"
        );
        assert!(
            analytic.abs() >= l1 - 1e-6,
            "the L1 part is at least l1 in size"
        );
    }
}

/// A checkpoint of a network with dfdx's `Dropout` loads into one with this crate's (which the
/// prelude's `Dropout` now names), `p` included, and back.
#[test]
fn dropout_checkpoints_are_interchangeable_with_dfdx() {
    let dev = Cpu::default();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropout.safetensors");
    let mut theirs = dev.build_module::<(Linear<3, 2>, dfdx::nn::builders::Dropout), f32>();
    theirs.1.p = 0.3;
    theirs.save_safetensors(&path).unwrap();
    let mut ours = dev.build_module::<(Linear<3, 2>, mapping::nn::builders::Dropout), f32>();
    assert_eq!(ours.1.p, 0.5);
    ours.load_safetensors(&path).unwrap();
    assert_eq!(ours.1.p, 0.3);
    assert_eq!(ours.0.weight.as_vec(), theirs.0.weight.as_vec());
    ours.1.p = 0.1;
    ours.save_safetensors(&path).unwrap();
    theirs.load_safetensors(&path).unwrap();
    assert_eq!(theirs.1.p, 0.1);
}

#[test]
fn dropout_drops_in_training_and_is_the_identity_in_evaluation() {
    let dev = Cpu::default();
    let mut dropout = dev.build_module::<mapping::nn::builders::Dropout, f32>();
    dropout.p = 0.25;
    let x: Tensor<Rank1<20000>, f32, _> = dev.ones();
    // Evaluation (`forward`, with or without a tape): unchanged.
    assert_eq!(dropout.forward(x.clone()).as_vec(), x.as_vec());
    assert_eq!(dropout.forward(x.leaky_trace()).as_vec(), x.as_vec());
    // Training (`forward_mut`, taped): about a quarter zeroed, the rest scaled by 1 / 0.75.
    let trained = dropout.forward_mut(x.leaky_trace()).as_vec();
    let zeros = trained.iter().filter(|&&v| v == 0.0).count() as f64 / trained.len() as f64;
    assert!((zeros - 0.25).abs() < 0.02, "dropped fraction {zeros}");
    assert!(trained
        .iter()
        .all(|&v| v == 0.0 || (v - 1.0 / 0.75).abs() < 1e-6));
}
