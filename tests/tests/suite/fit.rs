//! The trainer: it learns, logs, stops on a bad loss, checkpoints atomically and resumes
//! exactly, and its callbacks act.

use dfdx::prelude::*;
use mapping::data::{Loader, LoaderConfig, Synthetic, SyntheticConfig};
use mapping::nn::builders::{BatchNorm2d, Conv2d, Flatten, MaxPool2d, ReLU, Sequential};
use mapping::optim::{Adam, Optimizer, Sgd};
use mapping::train::{
    evaluate, load_checkpoint, read_checkpoint_meta, BestCheckpoint, Callback, Control,
    EarlyStopping, EpochRecord, Fit, LrScheduler, Monitor, StepDecay,
};

/// A small CNN for 1x28x28 images, with batch norm so that running statistics must survive a
/// checkpoint too.
type TinyCnn = Sequential<(
    Conv2d<1, 8, 3, 1, 1>,
    BatchNorm2d<8>,
    ReLU,
    MaxPool2d<2>,
    Conv2d<8, 16, 3, 1, 1>,
    ReLU,
    MaxPool2d<2>,
    Flatten,
    Linear<784, 10>,
)>;

fn loaders(train_len: usize) -> (Loader, Loader) {
    let train = Loader::new(
        Synthetic::new(SyntheticConfig::mnist_like(train_len, 1)).unwrap(),
        LoaderConfig::train(32, 5),
    )
    .unwrap();
    let val = Loader::new(
        Synthetic::new(SyntheticConfig::mnist_like(300, 2)).unwrap(),
        LoaderConfig::eval(64),
    )
    .unwrap();
    (train, val)
}

fn weights(model: &impl TensorCollection<f32, Cpu>) -> Vec<f32> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    model.save_safetensors(&path).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let parsed = ::safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names: Vec<_> = parsed.names().into_iter().cloned().collect();
    names.sort();
    names
        .iter()
        .flat_map(|n| {
            parsed
                .tensor(n)
                .unwrap()
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn fit_learns_and_records_a_serializable_history() {
    let dev = Cpu::seed_from_u64(0);
    let (train, val) = loaders(1600);
    let mut model = dev.build_module::<TinyCnn, f32>();
    let before = evaluate::<1, 28, 28, 10, _, _>(&model, &val, &dev).unwrap();
    let mut opt = Adam::new(2e-3);
    let history = Fit::new(3)
        .validation(&val)
        .run::<1, 28, 28, 10, _, _, _>(&mut model, &mut opt, &train, &dev)
        .unwrap();
    assert_eq!(history.len(), 3);
    let acc = history.series("val_acc");
    assert!(
        acc[2] > 0.8 && acc[2] > before.accuracy() + 0.5,
        "val_acc {acc:?} (before training {:.3})",
        before.accuracy()
    );
    let losses = history.series("loss");
    assert!(losses[2] < losses[0], "training loss {losses:?}");
    // The line is Keras-shaped.
    let line = history.epochs[2].line(3);
    assert!(line.starts_with("epoch 3/3 - loss "), "{line}");
    assert!(
        line.contains(" - val_acc ") && line.ends_with('s'),
        "{line}"
    );
    // evaluate() reports the same accuracy the history recorded.
    let after = evaluate::<1, 28, 28, 10, _, _>(&model, &val, &dev).unwrap();
    assert_eq!(Some(after.accuracy()), history.epochs[2].val_acc);
    assert_eq!(
        after.labels.len(),
        300,
        "the last, smaller batch is evaluated too"
    );
    // JSON round trip.
    let json = serde_json::to_string(&history).unwrap();
    assert_eq!(
        serde_json::from_str::<mapping::train::History>(&json).unwrap(),
        history
    );
}

#[test]
fn runs_with_the_same_seeds_are_identical() {
    let run = || {
        let dev = Cpu::seed_from_u64(3);
        let (train, _) = loaders(320);
        let mut model = dev.build_module::<TinyCnn, f32>();
        let mut opt = Sgd::new(0.05).momentum(0.9);
        let history = Fit::new(2)
            .verbose(false)
            .run::<1, 28, 28, 10, _, _, _>(&mut model, &mut opt, &train, &dev)
            .unwrap();
        (history.series("loss"), weights(&model))
    };
    let (a, b) = (run(), run());
    assert_eq!(a.0, b.0);
    assert!(a.1 == b.1, "weights differ between identical runs");
}

#[test]
fn a_diverging_loss_stops_with_the_step_named() {
    let dev = Cpu::seed_from_u64(0);
    let (train, _) = loaders(320);
    let mut model = dev.build_module::<TinyCnn, f32>();
    let mut opt = Sgd::new(1e30);
    let err = Fit::new(2)
        .verbose(false)
        .run::<1, 28, 28, 10, _, _, _>(&mut model, &mut opt, &train, &dev)
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("at epoch 1, batch 2/10") || message.contains("at epoch 1, batch 3/10"),
        "{message}"
    );
    assert!(message.contains("learning rate"), "{message}");
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let (train, val) = loaders(320);
    let make_opt = || Adam::new(1e-3).weight_decay(1e-4);

    // Three epochs straight.
    let dev = Cpu::seed_from_u64(9);
    let mut straight = dev.build_module::<TinyCnn, f32>();
    let initial = weights(&straight);
    let history = Fit::new(3)
        .verbose(false)
        .validation(&val)
        .run::<1, 28, 28, 10, _, _, _>(&mut straight, &mut make_opt(), &train, &dev)
        .unwrap();

    // One epoch with checkpoints, then a fresh process-like start from `last`.
    let dev = Cpu::seed_from_u64(9);
    let mut first = dev.build_module::<TinyCnn, f32>();
    assert_eq!(weights(&first), initial);
    Fit::new(1)
        .verbose(false)
        .validation(&val)
        .checkpoints(dir.path())
        .config(serde_json::json!({"model": "tiny"}))
        .run::<1, 28, 28, 10, _, _, _>(&mut first, &mut make_opt(), &train, &dev)
        .unwrap();
    let last = dir.path().join("last.safetensors");
    assert!(dir.path().join("last.json").exists() && dir.path().join("history.json").exists());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(".tmp")),
        "temporary files left: {names:?}"
    );

    let dev = Cpu::seed_from_u64(1234);
    let mut resumed = dev.build_module::<TinyCnn, f32>();
    let mut opt = Adam::new(0.5);
    let meta = load_checkpoint(&last, &mut resumed, Some(&mut opt), &dev).unwrap();
    assert_eq!((meta.epoch, meta.step), (1, 10));
    assert_eq!(meta.config["model"], "tiny");
    assert_eq!(opt.lr(), 1e-3, "the optimizer's settings come back too");
    let resumed_history = Fit::new(3)
        .verbose(false)
        .validation(&val)
        .resume(meta)
        .run::<1, 28, 28, 10, _, _, _>(&mut resumed, &mut opt, &train, &dev)
        .unwrap();
    assert_eq!(resumed_history.series("loss"), history.series("loss"));
    assert_eq!(resumed_history.series("val_acc"), history.series("val_acc"));
    assert!(
        weights(&resumed) == weights(&straight),
        "resumed weights differ from the uninterrupted run's"
    );
}

#[test]
fn a_damaged_checkpoint_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.safetensors");
    std::fs::write(&path, b"not a checkpoint").unwrap();
    let dev = Cpu::default();
    let mut model = dev.build_module::<TinyCnn, f32>();
    let err = load_checkpoint(&path, &mut model, None::<&mut Adam<Cpu>>, &dev).unwrap_err();
    assert!(err.to_string().contains("broken.safetensors"), "{err}");
    // A plain weights file is not a checkpoint either.
    model.save_safetensors(&path).unwrap();
    let err = read_checkpoint_meta(&path).unwrap_err();
    assert!(err.to_string().contains("not a checkpoint"), "{err}");
}

fn record(epoch: usize, val_loss: f64, val_acc: f64) -> EpochRecord {
    EpochRecord {
        epoch,
        loss: 1.0,
        acc: 0.5,
        val_loss: Some(val_loss),
        val_acc: Some(val_acc),
        lr: 0.1,
        seconds: 1.0,
        images_per_second: 100.0,
    }
}

fn control() -> Control {
    Control {
        lr: 0.1,
        stop: false,
        save_best: false,
        reason: None,
    }
}

#[test]
fn early_stopping_waits_for_its_patience() {
    let mut stopper = EarlyStopping::new(Monitor::ValLoss, 2);
    let mut c = control();
    let losses = [1.0, 0.8, 0.85, 0.9];
    for (i, loss) in losses.iter().enumerate() {
        stopper.on_epoch_end(&record(i + 1, *loss, 0.5), &mut c);
        assert_eq!(c.stop, i == 3, "epoch {}", i + 1);
    }
    assert!(c
        .reason
        .unwrap()
        .contains("val_loss has not improved on 0.8000 for 2 epochs"));
}

#[test]
fn best_checkpoint_and_schedules_act_through_fit() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Cpu::seed_from_u64(4);
    let (train, val) = loaders(320);
    let mut model = dev.build_module::<TinyCnn, f32>();
    let mut opt = Sgd::new(0.1).momentum(0.9);
    let history = Fit::new(3)
        .verbose(false)
        .validation(&val)
        .checkpoints(dir.path())
        .callback(BestCheckpoint::new(Monitor::ValAcc))
        .callback(LrScheduler::per_epoch(StepDecay {
            base: 0.1,
            every: 1,
            gamma: 0.5,
        }))
        .run::<1, 28, 28, 10, _, _, _>(&mut model, &mut opt, &train, &dev)
        .unwrap();
    assert_eq!(history.series("lr"), [0.1, 0.05, 0.025]);
    let acc = history.series("val_acc");
    let best_epoch = (0..3)
        .rev()
        .max_by(|&a, &b| acc[a].partial_cmp(&acc[b]).unwrap())
        .unwrap();
    // The first epoch reaching the best value is the one saved.
    let first_best = (0..3).find(|&e| acc[e] == acc[best_epoch]).unwrap();
    let meta = read_checkpoint_meta(&dir.path().join("best.safetensors")).unwrap();
    assert_eq!(meta.epoch, first_best + 1, "val_acc {acc:?}");
    let mut reloaded = dev.build_module::<TinyCnn, f32>();
    load_checkpoint(
        &dir.path().join("best.safetensors"),
        &mut reloaded,
        None::<&mut Sgd<Cpu>>,
        &dev,
    )
    .unwrap();
    let again = evaluate::<1, 28, 28, 10, _, _>(&reloaded, &val, &dev).unwrap();
    assert_eq!(again.accuracy(), acc[first_best]);
}

#[test]
fn histories_read_back_bit_for_bit() {
    // This value came back one ulp off through serde_json without `float_roundtrip` (CI).
    let value = 1854.4828328327762f64;
    let json = serde_json::to_string(&value).unwrap();
    assert_eq!(
        serde_json::from_str::<f64>(&json).unwrap().to_bits(),
        value.to_bits()
    );
}
