//! The optimizers against PyTorch's (`fixtures/training.json`, `scripts/make_training_fixtures.py`):
//! six steps on `sum(rate * p^2) + 0.3 * sum(p)` for every configuration, and an exact resume
//! from saved state.

use dfdx::prelude::*;
use mapping::optim::{AdaGrad, Adam, Optimizer, RmsProp, Sgd};
use mapping_tests::fixture_path;
use serde_json::Value;

type Param = Tensor<Rank2<2, 3>, f32, Cpu>;
/// Runs one configured optimizer from a starting point, returning the trajectory.
type Trajectory = Box<dyn FnMut(&mut Param, &Param) -> Vec<Vec<f32>>>;

fn fixture() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture_path("training.json")).unwrap()).unwrap()
}

fn matrix(v: &Value) -> [[f32; 3]; 2] {
    let rows: Vec<Vec<f32>> = serde_json::from_value(v.clone()).unwrap();
    [
        [rows[0][0], rows[0][1], rows[0][2]],
        [rows[1][0], rows[1][1], rows[1][2]],
    ]
}

/// Runs `steps` updates of `opt` from `p`, returning the parameters after each.
fn run(opt: &mut impl Optimizer<Cpu>, p: &mut Param, rate: &Param, steps: usize) -> Vec<Vec<f32>> {
    // sum(rate * p^2) + 0.3 * sum(p) has the gradient of sum(rate * (p + 0.15 / rate)^2),
    // which uses `p` once (a taped tensor cannot be cloned).
    let shift = (rate.clone().recip()) * 0.15;
    let mut grads = p.alloc_grads();
    let mut out = Vec::new();
    for _ in 0..steps {
        let loss = ((p.clone().traced(grads) + shift.clone()).square() * rate.clone()).sum();
        grads = loss.backward();
        opt.update(p, &mut grads).unwrap();
        p.zero_grads(&mut grads);
        out.push(p.as_vec());
    }
    out
}

fn optimizers() -> Vec<(&'static str, Trajectory)> {
    fn boxed<O: Optimizer<Cpu> + 'static>(mut opt: O) -> Trajectory {
        Box::new(move |p, rate| run(&mut opt, p, rate, 6))
    }
    vec![
        ("sgd", boxed(Sgd::new(0.05))),
        (
            "sgd_momentum",
            boxed(
                Sgd::new(0.05)
                    .momentum(0.9)
                    .dampening(0.1)
                    .weight_decay(0.01),
            ),
        ),
        (
            "sgd_nesterov",
            boxed(Sgd::new(0.05).momentum(0.9).nesterov().weight_decay(0.01)),
        ),
        ("adam", boxed(Adam::new(0.05))),
        ("adam_l2", boxed(Adam::new(0.05).weight_decay(0.1))),
        ("adamw", boxed(Adam::adamw(0.05, 0.1).betas(0.8, 0.99))),
        ("rmsprop", boxed(RmsProp::new(0.01))),
        (
            "rmsprop_centered_momentum",
            boxed(
                RmsProp::new(0.01)
                    .alpha(0.9)
                    .momentum(0.5)
                    .centered()
                    .weight_decay(0.01),
            ),
        ),
        ("adagrad", boxed(AdaGrad::new(0.1))),
        (
            "adagrad_decay",
            boxed(
                AdaGrad::new(0.1)
                    .lr_decay(0.05)
                    .weight_decay(0.01)
                    .initial_accumulator_value(0.1),
            ),
        ),
    ]
}

#[test]
fn every_optimizer_follows_pytorchs_trajectory() {
    let f = fixture();
    let dev = Cpu::default();
    let rate: Param = dev.tensor(matrix(&f["optim_rate"]));
    let mut checked = 0;
    for (name, mut run) in optimizers() {
        let mut p: Param = dev.tensor(matrix(&f["optim_p0"]));
        let got = run(&mut p, &rate);
        let want: Vec<Vec<f32>> = serde_json::from_value(f["optim"][name].clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got.len(), want.len(), "{name}");
        for (step, (g, w)) in got.iter().zip(&want).enumerate() {
            for (a, b) in g.iter().zip(w) {
                assert!(
                    (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                    "{name} step {}: {g:?}, PyTorch {w:?}",
                    step + 1
                );
            }
        }
        // The trajectory moved: a rule that did nothing would fail above, but say it plainly.
        assert_ne!(got[5], p0_flat(&f), "{name} did not move");
        checked += 1;
    }
    assert_eq!(checked, 10);
}

fn p0_flat(f: &Value) -> Vec<f32> {
    matrix(&f["optim_p0"]).concat()
}

#[test]
fn saved_state_resumes_exactly() {
    let f = fixture();
    let dev = Cpu::default();
    let rate: Param = dev.tensor(matrix(&f["optim_rate"]));
    let make = || Adam::new(0.05).weight_decay(0.1);

    let mut straight = dev.tensor(matrix(&f["optim_p0"]));
    let all = run(&mut make(), &mut straight, &rate, 6);

    let mut p = dev.tensor(matrix(&f["optim_p0"]));
    let mut first = make();
    run(&mut first, &mut p, &rate, 3);
    let state = first.state();
    assert_eq!(state.steps, 3);
    assert_eq!(state.buffers.len(), 2, "exp_avg and exp_avg_sq");
    // Through JSON for the config and step, as a checkpoint stores it.
    let mut restored_state: mapping::optim::OptimizerState =
        serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
    restored_state.buffers = state.buffers.clone();
    let mut second = Adam::new(999.0);
    second.load_state(&restored_state, &dev).unwrap();
    let rest = run(&mut second, &mut p, &rate, 3);
    assert_eq!(rest, all[3..], "resumed Adam must continue bit for bit");

    // Loading another optimizer's state is refused with a message.
    let err = Sgd::<Cpu>::new(0.1).load_state(&state, &dev).unwrap_err();
    assert!(err.to_string().contains("\"adam\""), "{err}");
}

#[test]
fn an_optimizer_refuses_another_models_parameters() {
    let dev = Cpu::default();
    let mut small: Tensor<Rank1<3>, f32, _> = dev.ones();
    let mut big: Tensor<Rank1<5>, f32, _> = dev.ones();
    let mut opt = Sgd::new(0.1).momentum(0.9);
    let mut grads = small.alloc_grads();
    opt.update(&mut small, &mut grads).unwrap();
    let mut grads = big.alloc_grads();
    let err = opt.update(&mut big, &mut grads).unwrap_err();
    assert!(err.to_string().contains("saved state has 3"), "{err}");
}
