//! Learning-rate schedules and label smoothing against PyTorch (`fixtures/training.json`,
//! written by `scripts/make_training_fixtures.py`).

use dfdx::data::OneHotEncode;
use dfdx::prelude::*;
use mapping::train::{
    cross_entropy_with_label_smoothing, CosineAnnealing, LrSchedule, OneCycle, StepDecay, WarmUp,
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
