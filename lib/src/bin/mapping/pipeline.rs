//! From a dataset spec to loaders shaped for a model: limits, validation split, resizing,
//! normalization and augmentation.

use mapping::data::transforms::{
    Compose, Normalize, RandomCrop, RandomHorizontalFlip, Resize, Transform,
};
use mapping::data::{
    class_difference, train_val_split, Dataset, DatasetSpec, Loader, LoaderConfig, Split,
};
use mapping::{Error, Result};
use serde::{Deserialize, Serialize};

/// Per-channel normalization, stored in the checkpoint so that `predict` repeats it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Normalization {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Normalization {
    /// The usual statistics for each kind of data.
    pub fn for_spec(spec: &DatasetSpec, channels: usize) -> Self {
        let (mean, std) = match (spec, channels) {
            (DatasetSpec::Mnist(_) | DatasetSpec::FashionMnist(_), _) | (_, 1) => {
                (vec![0.1307], vec![0.3081])
            }
            (DatasetSpec::Synthetic, _) => (vec![0.5; 3], vec![0.25; 3]),
            _ => (vec![0.4914, 0.4822, 0.4465], vec![0.2470, 0.2435, 0.2616]),
        };
        Self { mean, std }
    }

    pub fn transform(&self) -> Normalize {
        Normalize::new(&self.mean, &self.std)
    }
}

/// Checks a dataset's images against the model's `C x H x W`: channels must agree; whether
/// other sizes need resizing is the answer.
fn needs_resize(dataset: &dyn Dataset, dims: (usize, usize, usize), spec: &str) -> Result<bool> {
    let first = dataset.get(0)?.image.dims();
    if first.0 != dims.0 {
        return Err(Error::Config {
            what: "data",
            message: format!(
                "{spec} has {}-channel images; the model takes {} channels",
                first.0, dims.0
            ),
        });
    }
    Ok((first.1, first.2) != (dims.1, dims.2))
}

/// A resize to the model's `H x W` when `resize`, else nothing.
fn fit_size(dims: (usize, usize, usize), resize: bool) -> Compose {
    let steps = Compose::new();
    if resize {
        steps.then(Resize::new(dims.1, dims.2))
    } else {
        steps
    }
}

/// What evaluation does to a dataset's images for a model: resize if needed, normalize.
pub fn eval_transform(
    dataset: &dyn Dataset,
    dims: (usize, usize, usize),
    spec: &str,
    normalization: &Normalization,
) -> Result<Compose> {
    let resize = needs_resize(dataset, dims, spec)?;
    Ok(fit_size(dims, resize).then(normalization.transform()))
}

pub struct Loaders {
    pub train: Loader,
    pub val: Loader,
    pub classes: Vec<String>,
    pub normalization: Normalization,
}

pub struct LoaderOptions<'a> {
    pub spec: &'a DatasetSpec,
    pub spec_text: &'a str,
    pub dims: (usize, usize, usize),
    pub batch: usize,
    pub limit: Option<usize>,
    pub val_limit: Option<usize>,
    pub augment: bool,
    pub seed: u64,
}

fn limited(len: usize, limit: Option<usize>) -> Vec<usize> {
    (0..limit.map_or(len, |l| l.min(len))).collect()
}

/// Training and validation loaders: the spec's test split validates when it has one;
/// otherwise 10% of the training images are held out.
pub fn loaders(o: LoaderOptions) -> Result<Loaders> {
    let train_set = o.spec.open(Split::Train)?;
    let classes = train_set.classes().to_vec();
    let normalization = Normalization::for_spec(o.spec, o.dims.0);
    // A test split that is there but unreadable is an error, not a reason to hold out instead.
    let (train_indices, val_set, val_indices) = match o.spec.open_test()? {
        Some(test) => {
            if let Some(difference) = class_difference(&classes, test.classes()) {
                return Err(Error::Config {
                    what: "data",
                    message: format!(
                        "{}: the test split's classes are not the training split's: {difference}",
                        o.spec_text
                    ),
                });
            }
            let val_indices = limited(test.len(), o.val_limit);
            (limited(train_set.len(), o.limit), Some(test), val_indices)
        }
        None => {
            let (train, val) = train_val_split(train_set.len(), 0.1, o.seed);
            let mut train = train;
            train.truncate(o.limit.unwrap_or(usize::MAX));
            let mut val = val;
            val.truncate(o.val_limit.unwrap_or(usize::MAX));
            (train, None, val)
        }
    };
    let resize = needs_resize(train_set.as_ref(), o.dims, o.spec_text)?;
    let mut train_steps = fit_size(o.dims, resize);
    // Crop + flip suit photos (CIFAR-like), not digits: a flipped 2 is no 2.
    if o.augment && o.dims.0 == 3 && o.dims.1 == o.dims.2 && o.dims.1 <= 64 {
        train_steps = train_steps
            .then(RandomCrop::new(o.dims.1, o.dims.2).padding(o.dims.1 / 8))
            .then(RandomHorizontalFlip::new(0.5));
    }
    let eval_steps = fit_size(o.dims, resize).then(normalization.transform());
    let train_steps = train_steps.then(normalization.transform());
    let train_set: std::sync::Arc<dyn Dataset> = std::sync::Arc::from(train_set);
    let train = Loader::from_arc(train_set.clone(), LoaderConfig::train(o.batch, o.seed))?
        .with_indices(train_indices)?
        .with_transform(train_steps);
    let val_source: std::sync::Arc<dyn Dataset> = match val_set {
        Some(test) => std::sync::Arc::from(test),
        None => train_set,
    };
    let val = Loader::from_arc(val_source, LoaderConfig::eval(o.batch.max(64)))?
        .with_indices(val_indices)?
        .with_transform(eval_steps);
    Ok(Loaders {
        train,
        val,
        classes,
        normalization,
    })
}

/// Resize (when needed) and normalize one image for a model, as evaluation does.
pub fn prepare(
    image: mapping::data::Image,
    dims: (usize, usize, usize),
    normalization: &Normalization,
) -> Result<mapping::data::Image> {
    let mut image = image;
    if dims.0 == 1 && image.channels() == 3 {
        let (h, w) = (image.height(), image.width());
        let data = image.data();
        let gray = (0..h * w)
            .map(|i| (data[i] + data[h * w + i] + data[2 * h * w + i]) / 3.0)
            .collect();
        image = mapping::data::Image::new(1, h, w, gray);
    }
    let mut rng = mapping::data::rng::stream(0, 0, 0);
    if (image.height(), image.width()) != (dims.1, dims.2) {
        image = Resize::new(dims.1, dims.2).apply(image, &mut rng)?;
    }
    normalization.transform().apply(image, &mut rng)
}
