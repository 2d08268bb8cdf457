//! `mapping eval` and `mapping predict`: a checkpoint's model, rebuilt from its metadata.

use std::path::{Path, PathBuf};

use dfdx::nn::{BuildOnDevice, Module};
use dfdx::shapes::{Axis, Const};
use mapping::data::{class_difference, read_image, DatasetSpec, Loader, LoaderConfig, Split};
use mapping::metrics::ClassificationReport;
use mapping::optim::AnyOptimizer;
use mapping::train::{evaluate, load_checkpoint, read_checkpoint_meta, Classifier};
use mapping::viz::{ConfusionHeatmap, Plot};
use mapping::{Error, Result};

use crate::device::{CliDevice, DeviceChoice};
use crate::pipeline::{eval_transform, prepare, Normalization};
use crate::zoo::{with_model, ModelJob};

/// What `train` stored about the run.
struct RunConfig {
    model: String,
    data: String,
    classes: Vec<String>,
    normalization: Normalization,
}

fn run_config(checkpoint: &Path) -> Result<RunConfig> {
    let meta = read_checkpoint_meta(checkpoint)?;
    let c = &meta.config;
    Ok(RunConfig {
        model: field(c, checkpoint, "model")?,
        data: field(c, checkpoint, "data")?,
        classes: field(c, checkpoint, "classes")?,
        normalization: field(c, checkpoint, "normalize")?,
    })
}

/// One setting from a checkpoint's config, with an error naming the file if it is missing.
fn field<T: serde::de::DeserializeOwned>(
    config: &serde_json::Value,
    checkpoint: &Path,
    name: &str,
) -> Result<T> {
    let value = config.get(name).cloned().ok_or_else(|| Error::Data {
        path: checkpoint.to_path_buf(),
        message: format!("checkpoint config has no {name:?} (not written by `mapping train`)"),
    })?;
    serde_json::from_value(value).map_err(|e| Error::Data {
        path: checkpoint.to_path_buf(),
        message: format!("checkpoint config {name:?}: {e}"),
    })
}

fn load<D, M, const C: usize, const H: usize, const W: usize>(
    checkpoint: &Path,
    dev: &D,
) -> Result<M::Built>
where
    D: CliDevice,
    M: BuildOnDevice<D, f32>,
    M::Built: Classifier<C, H, W, 10, D>,
{
    let mut model = dev.build_module::<M, f32>();
    load_checkpoint(checkpoint, &mut model, None::<&mut AnyOptimizer<D>>, dev)?;
    Ok(model)
}

pub fn eval(
    checkpoint: PathBuf,
    data: Option<String>,
    out: Option<PathBuf>,
    device: DeviceChoice,
) -> Result<()> {
    let config = run_config(&checkpoint)?;
    let data = data.unwrap_or(config.data.clone());
    let out = out.unwrap_or_else(|| checkpoint.parent().unwrap_or(Path::new(".")).to_path_buf());
    with_model(
        &config.model.clone(),
        device,
        0,
        Eval {
            checkpoint,
            data,
            out,
            config,
        },
    )
}

struct Eval {
    checkpoint: PathBuf,
    data: String,
    out: PathBuf,
    config: RunConfig,
}

impl ModelJob for Eval {
    type Output = ();

    fn run<D, M, const C: usize, const H: usize, const W: usize>(self, dev: D) -> Result<()>
    where
        D: CliDevice,
        M: BuildOnDevice<D, f32>,
        M::Built: Classifier<C, H, W, 10, D>,
    {
        let model = load::<D, M, C, H, W>(&self.checkpoint, &dev)?;
        let spec: DatasetSpec = self.data.parse()?;
        let dataset = match spec.open_test()? {
            Some(test) => test,
            None => {
                println!(
                    "{} has no test split: evaluating its training images",
                    self.data
                );
                spec.open(Split::Train)?
            }
        };
        if let Some(difference) = class_difference(&self.config.classes, dataset.classes()) {
            return Err(Error::Config {
                what: "eval",
                message: format!(
                    "{} does not have the classes {} was trained on: {difference}",
                    self.data,
                    self.checkpoint.display()
                ),
            });
        }
        let steps = eval_transform(
            dataset.as_ref(),
            (C, H, W),
            &self.data,
            &self.config.normalization,
        )?;
        let loader = Loader::new(dataset, LoaderConfig::eval(256))?.with_transform(steps);
        let evaluation = evaluate::<C, H, W, 10, _, _>(&model, &loader, &dev)?;
        println!(
            "{} on {}: {} images, loss {:.4}",
            self.config.model,
            self.data,
            evaluation.labels.len(),
            evaluation.loss
        );
        print!(
            "{}",
            ClassificationReport::new(&evaluation.confusion, &self.config.classes)
        );
        std::fs::create_dir_all(&self.out).map_err(|e| Error::Io {
            path: self.out.clone(),
            source: e,
        })?;
        let csv_path = self.out.join("confusion.csv");
        let mut csv = String::from("true\\predicted,");
        csv += &self.config.classes.join(",");
        csv.push('\n');
        for (row, name) in self.config.classes.iter().enumerate() {
            let counts: Vec<String> = evaluation
                .confusion
                .row(row)
                .iter()
                .map(u64::to_string)
                .collect();
            csv += &format!("{name},{}\n", counts.join(","));
        }
        std::fs::write(&csv_path, csv).map_err(|e| Error::Io {
            path: csv_path.clone(),
            source: e,
        })?;
        ConfusionHeatmap::new(&evaluation.confusion, &self.config.classes)
            .save(self.out.join("confusion"))?;
        println!("wrote {} and confusion.svg/png", csv_path.display());
        Ok(())
    }
}

pub fn predict(
    checkpoint: PathBuf,
    images: Vec<PathBuf>,
    top: usize,
    device: DeviceChoice,
) -> Result<()> {
    let config = run_config(&checkpoint)?;
    with_model(
        &config.model.clone(),
        device,
        0,
        Predict {
            checkpoint,
            images,
            top,
            config,
        },
    )
}

struct Predict {
    checkpoint: PathBuf,
    images: Vec<PathBuf>,
    top: usize,
    config: RunConfig,
}

impl ModelJob for Predict {
    type Output = ();

    fn run<D, M, const C: usize, const H: usize, const W: usize>(self, dev: D) -> Result<()>
    where
        D: CliDevice,
        M: BuildOnDevice<D, f32>,
        M::Built: Classifier<C, H, W, 10, D>,
    {
        let model = load::<D, M, C, H, W>(&self.checkpoint, &dev)?;
        for path in &self.images {
            let image = prepare(read_image(path)?, (C, H, W), &self.config.normalization)?;
            let x = dev.tensor_from_vec(
                image.data().to_vec(),
                (1usize, Const::<C>, Const::<H>, Const::<W>),
            );
            let probabilities = model
                .try_forward(x)
                .map_err(|e| Error::Device(format!("{e:?}")))?
                .softmax::<Axis<1>>()
                .as_vec();
            let mut ranked: Vec<(usize, f32)> = probabilities.into_iter().enumerate().collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
            let shown: Vec<String> = ranked
                .iter()
                .take(self.top)
                .map(|&(class, p)| {
                    let name = self
                        .config
                        .classes
                        .get(class)
                        .cloned()
                        .unwrap_or(class.to_string());
                    format!("{name} {:.1}%", p * 100.0)
                })
                .collect();
            println!("{}: {}", path.display(), shown.join(", "));
        }
        Ok(())
    }
}
