//! The loader: every sample once per epoch, reproducible whatever the thread count, reshuffled
//! each epoch, never far ahead of its consumer, and errors that stop the epoch.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dfdx::prelude::*;
use mapping::data::transforms::{ColorJitter, Compose, RandomCrop, RandomHorizontalFlip};
use mapping::data::{Batch, Dataset, Loader, LoaderConfig, Sample, Synthetic, SyntheticConfig};
use mapping::Result;

fn synthetic(len: usize) -> Synthetic {
    Synthetic::new(SyntheticConfig::cifar_like(len, 11)).unwrap()
}

fn augment() -> Compose {
    Compose::new()
        .then(RandomCrop::new(32, 32).padding(4))
        .then(RandomHorizontalFlip::new(0.5))
        .then(ColorJitter::new(0.2, 0.2, 0.2, 0.05))
}

fn collect(loader: &Loader, epoch: u64) -> Vec<Batch> {
    loader.epoch(epoch).collect::<Result<_>>().unwrap()
}

#[test]
fn the_same_seed_gives_the_same_batches_on_any_number_of_threads() {
    let config = |threads| LoaderConfig {
        threads,
        ..LoaderConfig::train(8, 42)
    };
    let one = Loader::new(synthetic(40), config(1))
        .unwrap()
        .with_transform(augment());
    let three = Loader::new(synthetic(40), config(3))
        .unwrap()
        .with_transform(augment());
    for epoch in 0..2 {
        assert_eq!(
            collect(&one, epoch),
            collect(&three, epoch),
            "epoch {epoch}"
        );
    }
    let (first, second) = (collect(&one, 0), collect(&one, 1));
    assert_ne!(
        first[0].indices, second[0].indices,
        "each epoch is reshuffled"
    );
    let other_seed = Loader::new(synthetic(40), LoaderConfig::train(8, 43)).unwrap();
    assert_ne!(
        one.epoch_order(0),
        other_seed.epoch_order(0),
        "another seed, another order"
    );
}

#[test]
fn every_sample_once_per_epoch_with_and_without_drop_last() {
    let eval = Loader::new(synthetic(50), LoaderConfig::eval(16)).unwrap();
    let batches = collect(&eval, 0);
    assert_eq!(
        batches.iter().map(Batch::len).collect::<Vec<_>>(),
        [16, 16, 16, 2]
    );
    let seen: Vec<usize> = batches.iter().flat_map(|b| b.indices.clone()).collect();
    assert_eq!(
        seen,
        (0..50).collect::<Vec<_>>(),
        "evaluation keeps the dataset order"
    );

    let train = Loader::new(synthetic(50), LoaderConfig::train(16, 1)).unwrap();
    assert_eq!(train.num_batches(), 3);
    let mut seen: Vec<usize> = collect(&train, 0)
        .iter()
        .flat_map(|b| b.indices.clone())
        .collect();
    assert_eq!(seen.len(), 48);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 48, "no sample twice");
}

#[test]
fn batches_become_compile_time_shaped_tensors() {
    let loader = Loader::new(synthetic(10), LoaderConfig::eval(4)).unwrap();
    let batches = collect(&loader, 0);
    let dev = Cpu::default();
    let x: Tensor<Rank4<4, 3, 32, 32>, f32, _> = batches[0].images_tensor(&dev).unwrap();
    let sample = synthetic(10).get(1).unwrap();
    assert_eq!(
        x.as_vec()[3 * 32 * 32..2 * 3 * 32 * 32],
        sample.image.data()[..]
    );
    let y: Tensor<Rank2<4, 10>, f32, _> = batches[0].one_hot(&dev).unwrap();
    assert_eq!(y.array()[1][sample.label], 1.0);
    let message = batches[2]
        .images_tensor::<4, 3, 32, 32, _>(&dev)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("batch is 2x3x32x32, the model takes 4x3x32x32"),
        "{message}"
    );
    let last = batches[2].images_tensor_dyn(&dev).unwrap();
    assert_eq!(*last.shape(), (2, 3, 32, 32));
}

/// Counts the samples read and not yet handed to the consumer.
struct Counting {
    inner: Synthetic,
    reads: Arc<AtomicUsize>,
}

impl Dataset for Counting {
    fn len(&self) -> usize {
        self.inner.len()
    }
    fn get(&self, index: usize) -> Result<Sample> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.get(index)
    }
    fn classes(&self) -> &[String] {
        self.inner.classes()
    }
}

#[test]
fn prefetch_is_bounded_so_memory_stays_flat() {
    let reads = Arc::new(AtomicUsize::new(0));
    let dataset = Counting {
        inner: synthetic(100_000),
        reads: reads.clone(),
    };
    let config = LoaderConfig {
        prefetch: 2,
        threads: 2,
        ..LoaderConfig::train(10, 0)
    };
    let loader = Loader::new(dataset, config).unwrap();
    let mut batches = loader.epoch(0);
    batches.next().unwrap().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // consumed 1 batch; at most `prefetch` wait in the queue and one more is being built
    let read = reads.load(Ordering::SeqCst);
    assert!(
        read <= (1 + 2 + 1) * 10,
        "the loader read {read} samples ahead of a consumer that took 10"
    );
    drop(batches); // stops the producer
    let after_drop = reads.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        reads.load(Ordering::SeqCst),
        after_drop,
        "no reading after the iterator is dropped"
    );
}

struct FailsAt(usize, Synthetic);

impl Dataset for FailsAt {
    fn len(&self) -> usize {
        self.1.len()
    }
    fn get(&self, index: usize) -> Result<Sample> {
        if index == self.0 {
            // the error a real reader gives for a bad file
            return mapping::data::Mnist::open("/nonexistent/mnist", mapping::data::Split::Test)
                .map(|_| unreachable!());
        }
        self.1.get(index)
    }
    fn classes(&self) -> &[String] {
        self.1.classes()
    }
}

#[test]
fn a_failing_sample_ends_the_epoch_with_its_error() {
    let loader = Loader::new(FailsAt(13, synthetic(40)), LoaderConfig::eval(5)).unwrap();
    let results: Vec<_> = loader.epoch(0).collect();
    assert_eq!(
        results.len(),
        3,
        "two good batches, then the error, then nothing"
    );
    assert!(results[..2].iter().all(Result::is_ok));
    let message = results[2].as_ref().unwrap_err().to_string();
    assert!(message.contains("/nonexistent/mnist"), "{message}");
}

#[test]
fn images_of_different_sizes_need_a_resize() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    image::RgbImage::new(4, 4)
        .save(dir.path().join("a/1.png"))
        .unwrap();
    image::RgbImage::new(5, 4)
        .save(dir.path().join("a/2.png"))
        .unwrap();
    let folder = mapping::data::ImageFolder::open(dir.path()).unwrap();
    let loader = Loader::new(folder, LoaderConfig::eval(2)).unwrap();
    let message = loader.epoch(0).next().unwrap().unwrap_err().to_string();
    assert!(
        message.contains("sample 1 is 3x4x5") && message.contains("Resize"),
        "{message}"
    );
    let resized =
        loader.with_transform(Compose::new().then(mapping::data::transforms::Resize::new(8, 8)));
    assert_eq!(collect(&resized, 0)[0].image_dims, (3, 8, 8));
}

/// A dataset whose `get` panics at one index (a bug in user code, or a poisoned thread pool).
struct PanicsAt(Synthetic, usize);

impl Dataset for PanicsAt {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn get(&self, index: usize) -> Result<Sample> {
        assert_ne!(index, self.1, "sample {index} is cursed");
        self.0.get(index)
    }
    fn classes(&self) -> &[String] {
        self.0.classes()
    }
}

#[test]
fn a_panicking_producer_ends_the_epoch_with_an_error_not_silently_short() {
    let config = LoaderConfig {
        shuffle: false,
        ..LoaderConfig::eval(8)
    };
    let loader = Loader::new(PanicsAt(synthetic(40), 20), config).unwrap();
    let results: Vec<Result<Batch>> = loader.epoch(0).collect();
    // Batches 0 and 1 (samples 0..16) arrive; the batch holding sample 20 fails.
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(results[..2].iter().all(|b| b.is_ok()));
    let message = results[2].as_ref().unwrap_err().to_string();
    assert!(
        message.contains("stopped early") && message.contains("cursed"),
        "{message}"
    );
}
