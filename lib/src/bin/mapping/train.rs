//! `mapping train`: a Keras-style run with a live progress bar, writing checkpoints, history,
//! plots and TensorBoard events into `--out`.

use std::path::PathBuf;

use dfdx::nn::BuildOnDevice;
use indicatif::{ProgressBar, ProgressStyle};
use mapping::data::DatasetSpec;
use mapping::metrics::ClassificationReport;
use mapping::optim::AnyOptimizer;
use mapping::train::{
    evaluate, load_checkpoint, BestCheckpoint, Classifier, CosineAnnealing, EarlyStopping, Fit,
    LrScheduler, Monitor, OneCycle,
};
use mapping::viz::{ConfusionHeatmap, Plot, TrainingCurves};
use mapping::Result;
use serde_json::json;

use crate::device::{CliDevice, DeviceChoice};
use crate::pipeline::{loaders, LoaderOptions};
use crate::zoo::{with_model, ModelJob};

#[derive(clap::Args, Clone, Debug)]
pub struct TrainArgs {
    /// Dataset: synthetic, mnist:DIR, fashion-mnist:DIR, cifar10:DIR, cifar100:DIR,
    /// folder:DIR or shards:DIR.
    #[arg(long, default_value = "synthetic")]
    pub data: String,
    /// Model from the zoo (seed-cifar-cnn, tf-cifar-cnn, small-resnet, patch-attention-net,
    /// mnist-cnn, mlp-784, tf-imagenet-cnn).
    #[arg(long, default_value = "seed-cifar-cnn")]
    pub model: String,
    #[arg(long, default_value_t = 10, value_parser = crate::counts::at_least_one)]
    pub epochs: usize,
    #[arg(long, default_value_t = 128, value_parser = crate::counts::at_least_one)]
    pub batch: usize,
    /// sgd (momentum 0.9), sgd-plain, nesterov, adam, adamw, rmsprop or adagrad.
    #[arg(long, default_value = "adam")]
    pub opt: String,
    /// Learning rate (default: 1e-3 for Adam/RMSprop, 0.01 for SGD/AdaGrad).
    #[arg(long)]
    pub lr: Option<f64>,
    /// L2 weight decay.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Learning-rate schedule: constant, cosine (per step) or one-cycle.
    #[arg(long, default_value = "constant")]
    pub schedule: String,
    /// Stop when val_loss has not improved for this many epochs.
    #[arg(long)]
    pub patience: Option<usize>,
    /// Train on the first N training images only.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Validate on the first N validation images only.
    #[arg(long)]
    pub val_limit: Option<usize>,
    /// No random crop + flip.
    #[arg(long)]
    pub no_augment: bool,
    #[arg(long, default_value_t = 0.0)]
    pub label_smoothing: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to compute: auto (the GPU when built with `--features cuda` and one is present),
    /// cpu or cuda.
    #[arg(long, value_enum, default_value_t)]
    pub device: DeviceChoice,
    /// Continue the run in --out from its last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Start a new run in an --out that already holds one, replacing its files.
    #[arg(long, conflicts_with = "resume")]
    pub overwrite: bool,
    /// Output folder (checkpoints, history.json, curves, confusion matrix, TensorBoard events).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn train(args: TrainArgs) -> Result<()> {
    let last = args.out.join("last.safetensors");
    if last.exists() && !args.resume && !args.overwrite {
        return Err(mapping::Error::Config {
            what: "train",
            message: format!(
                "{} already holds a run ({}): --resume continues it, --overwrite starts over",
                args.out.display(),
                last.display()
            ),
        });
    }
    with_model(&args.model.clone(), args.device, args.seed, Train(args))
}

struct Train(TrainArgs);

impl ModelJob for Train {
    type Output = ();

    fn run<D, M, const C: usize, const H: usize, const W: usize>(self, dev: D) -> Result<()>
    where
        D: CliDevice,
        M: BuildOnDevice<D, f32>,
        M::Built: Classifier<C, H, W, 10, D>,
    {
        let args = self.0;
        let spec: DatasetSpec = args.data.parse()?;
        let data = loaders(LoaderOptions {
            spec: &spec,
            spec_text: &args.data,
            dims: (C, H, W),
            batch: args.batch,
            limit: args.limit,
            val_limit: args.val_limit,
            augment: !args.no_augment,
            seed: args.seed,
        })?;
        if data.classes.len() > 10 {
            return Err(mapping::Error::Config {
                what: "data",
                message: format!(
                    "{} has {} classes; the zoo's models have 10 outputs",
                    args.data,
                    data.classes.len()
                ),
            });
        }
        let mut model = dev.build_module::<M, f32>();
        let lr = args.lr.unwrap_or(AnyOptimizer::<D>::default_lr(&args.opt));
        let mut opt = AnyOptimizer::<D>::from_name(&args.opt, lr, args.weight_decay)?;
        println!(
            "{}: {} parameters, device {}; {} training and {} validation images of {C}x{H}x{W} \
             from {}; {} with lr {lr}",
            args.model,
            dfdx::nn::NumParams::num_trainable_params(&model),
            D::NAME,
            data.train.len(),
            data.val.len(),
            args.data,
            args.opt,
        );
        let config = json!({
            "model": args.model,
            "data": args.data,
            "classes": data.classes,
            "image": [C, H, W],
            "normalize": data.normalization,
            "batch": args.batch,
            "opt": args.opt,
            "lr": lr,
            "weight_decay": args.weight_decay,
            "schedule": args.schedule,
            "seed": args.seed,
            "device": D::NAME,
        });
        let mut fit = Fit::new(args.epochs)
            .validation(&data.val)
            .checkpoints(&args.out)
            .tensorboard(args.out.join("tensorboard"))
            .label_smoothing(args.label_smoothing)
            .config(config)
            .callback(BestCheckpoint::new(Monitor::ValAcc));
        let steps = args.epochs * data.train.num_batches();
        match args.schedule.as_str() {
            "constant" => {}
            "cosine" => {
                fit = fit.callback(LrScheduler::per_step(CosineAnnealing {
                    base: lr,
                    min: 0.0,
                    steps,
                }))
            }
            "one-cycle" => {
                fit = fit.callback(LrScheduler::per_step(OneCycle {
                    max: lr,
                    total: steps,
                }))
            }
            other => {
                return Err(mapping::Error::Config {
                    what: "schedule",
                    message: format!("unknown schedule {other:?}: constant, cosine or one-cycle"),
                })
            }
        }
        if let Some(patience) = args.patience {
            fit = fit.callback(EarlyStopping::new(Monitor::ValLoss, patience));
        }
        if args.resume {
            let last = args.out.join("last.safetensors");
            let meta = load_checkpoint(&last, &mut model, Some(&mut opt), &dev)?;
            println!("resuming after epoch {} (update {})", meta.epoch, meta.step);
            fit = fit.resume(meta);
        }
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        let progress_bar = bar.clone();
        let fit = fit.on_progress(move |p| {
            if p.batch == 0 {
                progress_bar.reset();
                progress_bar.set_length(p.batches as u64);
                progress_bar.set_prefix(format!("epoch {}/{}", p.epoch + 1, p.epochs));
            }
            progress_bar.set_position(p.batch as u64 + 1);
            progress_bar.set_message(format!(
                "loss {:.4} acc {:.4} {:.0} img/s",
                p.loss, p.acc, p.images_per_second
            ));
            if p.batch + 1 == p.batches {
                progress_bar.finish_and_clear();
            }
        });
        let history = fit.run::<C, H, W, 10, _, _, _>(&mut model, &mut opt, &data.train, &dev)?;
        bar.finish_and_clear();

        let evaluation = evaluate::<C, H, W, 10, _, _>(&model, &data.val, &dev)?;
        let report = ClassificationReport::new(&evaluation.confusion, &data.classes);
        print!("{report}");
        TrainingCurves::new(&history)
            .title(format!("{} on {}", args.model, args.data))
            .save(args.out.join("curves"))?;
        ConfusionHeatmap::new(&evaluation.confusion, &data.classes)
            .save(args.out.join("confusion"))?;
        println!(
            "wrote {}: last.safetensors, best.safetensors, history.json, curves.svg/png, \
             confusion.svg/png, tensorboard/",
            args.out.display()
        );
        Ok(())
    }
}
