//! What the trainer asks of a model: images in, class scores out, with and without a tape.

use dfdx::losses::cross_entropy_with_logits_loss;
use dfdx::nn::tensor_collection::TensorCollection;
use dfdx::nn::{Module, ModuleMut};
use dfdx::shapes::Axis;
use dfdx::shapes::Const;
use dfdx::tensor::{NoneTape, OwnedTape, Tensor};
use dfdx::tensor_ops::Device;

use crate::data::Loader;
use crate::error::{Error, Result};
use crate::metrics::{predictions, ConfusionMatrix};

/// A batch of `C x H x W` images; the batch size is known at run time, so a last, smaller
/// batch has the same type.
pub type Images<const C: usize, const H: usize, const W: usize, D, T = NoneTape> =
    Tensor<(usize, Const<C>, Const<H>, Const<W>), f32, D, T>;

/// Scores (logits) for `K` classes, one row per image.
pub type Logits<const K: usize, D, T = NoneTape> = Tensor<(usize, Const<K>), f32, D, T>;

/// A model mapping `C x H x W` images to `K` class scores: evaluation through `forward`
/// (batch norm uses running statistics, dropout is off) and training through `forward_mut`.
/// Every model of the zoo is one; any dfdx module with these signatures is too.
pub trait Classifier<const C: usize, const H: usize, const W: usize, const K: usize, D>:
    Module<Images<C, H, W, D>, Output = Logits<K, D>, Error = D::Err>
    + ModuleMut<
        Images<C, H, W, D, OwnedTape<f32, D>>,
        Output = Logits<K, D, OwnedTape<f32, D>>,
        Error = D::Err,
    > + TensorCollection<f32, D>
where
    D: Device<f32>,
{
}

impl<const C: usize, const H: usize, const W: usize, const K: usize, D, M> Classifier<C, H, W, K, D>
    for M
where
    D: Device<f32>,
    M: Module<Images<C, H, W, D>, Output = Logits<K, D>, Error = D::Err>
        + ModuleMut<
            Images<C, H, W, D, OwnedTape<f32, D>>,
            Output = Logits<K, D, OwnedTape<f32, D>>,
            Error = D::Err,
        > + TensorCollection<f32, D>,
{
}

/// A model's predictions on a whole dataset.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// Mean cross-entropy.
    pub loss: f64,
    pub confusion: ConfusionMatrix,
    /// Softmax probabilities, `len x K`, in loader order.
    pub probabilities: Vec<f32>,
    pub labels: Vec<usize>,
    /// Dataset indices, to trace a prediction back to its image.
    pub indices: Vec<usize>,
}

impl Evaluation {
    pub fn accuracy(&self) -> f64 {
        self.confusion.accuracy()
    }

    pub fn classes(&self) -> usize {
        self.confusion.classes()
    }

    pub fn predictions(&self) -> Vec<usize> {
        predictions(&self.probabilities, self.classes())
    }

    /// Builds an evaluation from probabilities (an ensemble's, say) and the true labels; the
    /// loss is the cross-entropy of the probabilities (each clamped at 1e-12).
    pub fn from_probabilities(
        probabilities: Vec<f32>,
        labels: Vec<usize>,
        indices: Vec<usize>,
        classes: usize,
    ) -> Result<Self> {
        if probabilities.len() != labels.len() * classes {
            return Err(Error::shape(
                "evaluation",
                format!(
                    "{} probabilities for {} labels of {classes} classes",
                    probabilities.len(),
                    labels.len()
                ),
            ));
        }
        let confusion =
            ConfusionMatrix::from_labels(&labels, &predictions(&probabilities, classes), classes)?;
        let loss = cross_entropy_of_probabilities(&probabilities, &labels, classes);
        Ok(Self {
            loss,
            confusion,
            probabilities,
            labels,
            indices,
        })
    }
}

/// Runs `model` over every batch of `loader` in evaluation mode.
pub fn evaluate<const C: usize, const H: usize, const W: usize, const K: usize, M, D>(
    model: &M,
    loader: &Loader,
    dev: &D,
) -> Result<Evaluation>
where
    D: Device<f32>,
    M: Classifier<C, H, W, K, D>,
{
    let mut probabilities = Vec::with_capacity(loader.len() * K);
    let mut labels = Vec::with_capacity(loader.len());
    let mut indices = Vec::with_capacity(loader.len());
    let mut loss_sum = 0.0;
    for batch in loader.epoch(0) {
        let batch = batch?;
        let logits = model
            .try_forward(batch.images_batch::<C, H, W, _>(dev)?)
            .map_err(Error::device)?;
        let loss =
            cross_entropy_with_logits_loss(logits.clone(), batch.one_hot_batch::<K, _>(dev)?);
        loss_sum += loss.as_vec()[0] as f64 * batch.len() as f64;
        probabilities.extend(logits.softmax::<Axis<1>>().as_vec());
        labels.extend_from_slice(&batch.labels);
        indices.extend_from_slice(&batch.indices);
    }
    let mut evaluation = Evaluation::from_probabilities(probabilities, labels, indices, K)?;
    // The exact loss from the logits, not from rounded probabilities.
    evaluation.loss = loss_sum / evaluation.labels.len().max(1) as f64;
    Ok(evaluation)
}

/// Mean `-ln p[label]`, with `p` clamped at 1e-12 so that a confident mistake costs 27.6, not
/// infinity.
fn cross_entropy_of_probabilities(probabilities: &[f32], labels: &[usize], classes: usize) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    let total: f64 = labels
        .iter()
        .enumerate()
        .map(|(row, &label)| -(probabilities[row * classes + label].max(1e-12) as f64).ln())
        .sum();
    total / labels.len() as f64
}
