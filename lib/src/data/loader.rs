//! The loader: seeded shuffling, parallel decode + augment, bounded prefetch, tensors out.
//!
//! A producer thread builds the batches of an epoch in order, each on a rayon pool (one task
//! per sample), and hands them over through a channel that holds at most `prefetch` batches:
//! the loader never runs further ahead than that, however large the dataset. Every sample's
//! augmentation draws from its own generator, seeded by (seed, epoch, sample), so the batches
//! are the same whatever the number of threads.

use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;

use dfdx::shapes::{Const, Dtype, Rank4};
use dfdx::tensor::{Tensor, TensorFromVec};
use rand::seq::SliceRandom;
use rayon::prelude::*;

use super::rng::{purpose, stream};
use super::{Compose, Dataset};
use crate::error::{Error, Result};

/// How a [`Loader`] batches and orders an epoch.
#[derive(Clone, Debug)]
pub struct LoaderConfig {
    pub batch_size: usize,
    /// Reshuffle the order every epoch (from `seed` and the epoch number).
    pub shuffle: bool,
    /// Drop a last batch smaller than `batch_size` (needed for compile-time batch dims).
    pub drop_last: bool,
    /// Batches built ahead of the consumer, at most.
    pub prefetch: usize,
    /// Threads that decode and augment (0: one per core).
    pub threads: usize,
    pub seed: u64,
}

impl LoaderConfig {
    /// Shuffled training batches of `batch_size`, last partial batch dropped.
    pub fn train(batch_size: usize, seed: u64) -> Self {
        Self {
            batch_size,
            shuffle: true,
            drop_last: true,
            prefetch: 4,
            threads: 0,
            seed,
        }
    }

    /// Evaluation batches in dataset order, the last one possibly smaller.
    pub fn eval(batch_size: usize) -> Self {
        Self {
            batch_size,
            shuffle: false,
            drop_last: false,
            prefetch: 4,
            threads: 0,
            seed: 0,
        }
    }
}

/// Batches from a dataset: see the module docs.
pub struct Loader {
    dataset: Arc<dyn Dataset>,
    transform: Arc<Compose>,
    indices: Arc<Vec<usize>>,
    config: LoaderConfig,
}

/// One batch: images as `B x C x H x W` floats, row-major, and their labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub images: Vec<f32>,
    pub labels: Vec<usize>,
    /// Dataset indices of the samples, for tracing a prediction back to its image.
    pub indices: Vec<usize>,
    /// `(C, H, W)` of every image in the batch.
    pub image_dims: (usize, usize, usize),
}

impl Batch {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The images as a compile-time-shaped tensor; an error if the batch is not `B x C x H x W`.
    pub fn images_tensor<const B: usize, const C: usize, const H: usize, const W: usize, D>(
        &self,
        dev: &D,
    ) -> Result<Tensor<Rank4<B, C, H, W>, f32, D>>
    where
        D: TensorFromVec<f32>,
    {
        if (self.len(), self.image_dims) != (B, (C, H, W)) {
            let (c, h, w) = self.image_dims;
            return Err(Error::shape(
                "loader",
                format!(
                    "batch is {}x{c}x{h}x{w}, the model takes {B}x{C}x{H}x{W}",
                    self.len()
                ),
            ));
        }
        dev.try_tensor_from_vec(self.images.clone(), (Const, Const, Const, Const))
            .map_err(Error::device)
    }

    /// The images with run-time dims, for a last, smaller batch.
    pub fn images_tensor_dyn<D: TensorFromVec<f32>>(
        &self,
        dev: &D,
    ) -> Result<Tensor<(usize, usize, usize, usize), f32, D>> {
        let (c, h, w) = self.image_dims;
        dev.try_tensor_from_vec(self.images.clone(), (self.len(), c, h, w))
            .map_err(Error::device)
    }

    /// The images with a run-time batch dim and compile-time `C x H x W`: what the trainer
    /// feeds a model, so that a last, smaller batch fits the same type.
    pub fn images_batch<const C: usize, const H: usize, const W: usize, D>(
        &self,
        dev: &D,
    ) -> Result<Tensor<(usize, Const<C>, Const<H>, Const<W>), f32, D>>
    where
        D: TensorFromVec<f32>,
    {
        if self.image_dims != (C, H, W) {
            let (c, h, w) = self.image_dims;
            return Err(Error::shape(
                "loader",
                format!("images are {c}x{h}x{w}, the model takes {C}x{H}x{W}"),
            ));
        }
        dev.try_tensor_from_vec(self.images.clone(), (self.len(), Const, Const, Const))
            .map_err(Error::device)
    }

    /// One-hot labels `len x K`, for a batch from [`Batch::images_batch`].
    pub fn one_hot_batch<const K: usize, D: TensorFromVec<f32>>(
        &self,
        dev: &D,
    ) -> Result<Tensor<(usize, Const<K>), f32, D>> {
        if let Some(&label) = self.labels.iter().find(|&&l| l >= K) {
            return Err(Error::shape(
                "loader",
                format!("label {label} does not fit a model with {K} classes"),
            ));
        }
        let mut values = vec![0.0; self.len() * K];
        for (row, &label) in self.labels.iter().enumerate() {
            values[row * K + label] = 1.0;
        }
        dev.try_tensor_from_vec(values, (self.len(), Const))
            .map_err(Error::device)
    }

    /// One-hot labels `B x N` (N classes), for cross-entropy.
    pub fn one_hot<const B: usize, const N: usize, E: Dtype, D: TensorFromVec<E>>(
        &self,
        dev: &D,
    ) -> Result<Tensor<(Const<B>, Const<N>), E, D>> {
        if self.len() != B || self.labels.iter().any(|&l| l >= N) {
            return Err(Error::shape(
                "loader",
                format!(
                    "{} labels (max {:?}) do not fit {B} rows of {N} classes",
                    self.len(),
                    self.labels.iter().max()
                ),
            ));
        }
        let mut values = vec![E::default(); B * N];
        for (row, &label) in self.labels.iter().enumerate() {
            values[row * N + label] = E::ONE;
        }
        dev.try_tensor_from_vec(values, (Const, Const))
            .map_err(Error::device)
    }
}

impl Loader {
    pub fn new(dataset: impl Dataset + 'static, config: LoaderConfig) -> Result<Self> {
        Self::from_arc(Arc::new(dataset), config)
    }

    pub fn from_arc(dataset: Arc<dyn Dataset>, config: LoaderConfig) -> Result<Self> {
        if config.batch_size == 0 {
            return Err(Error::shape("loader", "batch size must be at least 1"));
        }
        let indices = Arc::new((0..dataset.len()).collect());
        Ok(Self {
            dataset,
            transform: Arc::new(Compose::default()),
            indices,
            config,
        })
    }

    /// Applies `transform` to every image (decode, then augment, then normalise).
    pub fn with_transform(mut self, transform: Compose) -> Self {
        self.transform = Arc::new(transform);
        self
    }

    /// Restricts the loader to these dataset indices (a split or a fold).
    pub fn with_indices(mut self, indices: Vec<usize>) -> Result<Self> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.dataset.len()) {
            return Err(Error::shape(
                "loader",
                format!(
                    "index {bad} out of range: the dataset has {} samples",
                    self.dataset.len()
                ),
            ));
        }
        self.indices = Arc::new(indices);
        Ok(self)
    }

    pub fn dataset(&self) -> &Arc<dyn Dataset> {
        &self.dataset
    }

    pub fn config(&self) -> &LoaderConfig {
        &self.config
    }

    /// Samples per epoch.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Batches per epoch.
    pub fn num_batches(&self) -> usize {
        let (n, b) = (self.indices.len(), self.config.batch_size);
        if self.config.drop_last {
            n / b
        } else {
            n.div_ceil(b)
        }
    }

    /// The dataset indices of epoch `epoch`, in the order they will be served.
    pub fn epoch_order(&self, epoch: u64) -> Vec<usize> {
        let mut order = self.indices.as_ref().clone();
        if self.config.shuffle {
            order.shuffle(&mut stream(
                self.config.seed,
                purpose(0x5348_5546, epoch as u32),
                epoch >> 32,
            ));
        }
        let keep = self
            .num_batches()
            .saturating_mul(self.config.batch_size)
            .min(order.len());
        order.truncate(keep);
        order
    }

    /// The batches of epoch `epoch`, built in the background. Dropping the iterator stops the
    /// work.
    pub fn epoch(&self, epoch: u64) -> Batches {
        let order = self.epoch_order(epoch);
        let expected = order.len().div_ceil(self.config.batch_size);
        let (tx, rx) = sync_channel(self.config.prefetch.max(1));
        let (dataset, transform) = (self.dataset.clone(), self.transform.clone());
        let (batch_size, seed, threads) = (
            self.config.batch_size,
            self.config.seed,
            self.config.threads,
        );
        let producer = std::thread::Builder::new()
            .name("mapping-loader".into())
            .spawn(move || {
                // A pool per epoch rather than per loader: in a notebook every cell links its own
                // copy of rayon, and a pool made by one cell's copy panics when another cell's
                // copy hands it work (its thread-locals are not that copy's). Starting threads
                // costs well under a millisecond; an epoch takes seconds.
                let pool = match rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("mapping-loader-{i}"))
                    .build()
                {
                    Ok(pool) => pool,
                    Err(e) => {
                        let message = format!("cannot start worker threads: {e}");
                        let _ = tx.send(Err(Error::shape("loader", message)));
                        return;
                    }
                };
                for chunk in order.chunks(batch_size) {
                    let batch = pool
                        .install(|| build_batch(dataset.as_ref(), &transform, chunk, seed, epoch));
                    let failed = batch.is_err();
                    if tx.send(batch).is_err() || failed {
                        return; // the consumer stopped listening, or the epoch cannot go on
                    }
                }
            })
            .expect("spawn the loader thread");
        Batches {
            rx: Some(rx),
            producer: Some(producer),
            remaining: expected,
        }
    }
}

fn build_batch(
    dataset: &dyn Dataset,
    transform: &Compose,
    chunk: &[usize],
    seed: u64,
    epoch: u64,
) -> Result<Batch> {
    let samples: Vec<_> = chunk
        .par_iter()
        .map(|&index| {
            let sample = dataset.get(index)?;
            let mut rng = stream(seed, purpose(0x4155_474d, epoch as u32), index as u64);
            Ok((transform.apply(sample.image, &mut rng)?, sample.label))
        })
        .collect::<Result<_>>()?;
    let image_dims = samples
        .first()
        .map(|(image, _)| image.dims())
        .unwrap_or((0, 0, 0));
    let mut images = Vec::with_capacity(samples.len() * image_dims.0 * image_dims.1 * image_dims.2);
    let mut labels = Vec::with_capacity(samples.len());
    for ((image, label), &index) in samples.into_iter().zip(chunk) {
        if image.dims() != image_dims {
            let (c, h, w) = image.dims();
            let (ec, eh, ew) = image_dims;
            return Err(Error::shape(
                "loader",
                format!("sample {index} is {c}x{h}x{w} after the transforms, the batch's first image {ec}x{eh}x{ew}: add a Resize or CenterCrop"),
            ));
        }
        images.extend_from_slice(image.data());
        labels.push(label);
    }
    Ok(Batch {
        images,
        labels,
        indices: chunk.to_vec(),
        image_dims,
    })
}

/// The batches of one epoch, in order (an iterator of `Result<Batch>`).
pub struct Batches {
    rx: Option<Receiver<Result<Batch>>>,
    producer: Option<JoinHandle<()>>,
    /// Batches still to come; the channel closing before that means the producer died.
    remaining: usize,
}

impl Iterator for Batches {
    type Item = Result<Batch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        match self.rx.as_ref()?.recv() {
            Ok(batch) => {
                // After an error the producer stops: end the epoch there.
                self.remaining = if batch.is_ok() { self.remaining - 1 } else { 0 };
                Some(batch)
            }
            Err(_) => {
                // The producer ended early without an error: it panicked. Never end an epoch
                // silently short.
                self.remaining = 0;
                drop(self.rx.take());
                let reason = match self.producer.take().map(JoinHandle::join) {
                    Some(Err(panic)) => panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "a panic".into()),
                    _ => "no reason given".into(),
                };
                Some(Err(Error::shape(
                    "loader",
                    format!("the batch producer stopped early: {reason}"),
                )))
            }
        }
    }
}

impl Drop for Batches {
    fn drop(&mut self) {
        // Closing the channel first makes a blocked producer's `send` fail, so it returns.
        drop(self.rx.take());
        if let Some(producer) = self.producer.take() {
            let _ = producer.join();
        }
    }
}
