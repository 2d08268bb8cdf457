//! Benchmark: loader throughput in images/s, 2 decode threads, batches of 128.
//!
//! - CIFAR-10 JPEG folder -> random crop (32, pad 4) + horizontal flip + normalize;
//! - MNIST IDX -> normalize;
//! - the same CIFAR training set packed into shards, streamed whole: images/s and the
//!   process's peak resident memory (`VmHWM`).
//!
//! `cargo bench -p mapping --bench loader -- --cifar DIR --mnist DIR [--threads 2]`
//! (`scripts/bench_loader.sh` unpacks the data and runs torchvision's DataLoader beside it.)
//! Prints one JSON line.

use std::path::PathBuf;
use std::time::Instant;

use mapping::data::transforms::{Compose, Normalize, RandomCrop, RandomHorizontalFlip};
use mapping::data::{
    pack_image_folder, Dataset, ImageFolder, Loader, LoaderConfig, Mnist, Shards, Split,
};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// Images per second over one epoch (the loader builds batches in the background).
fn throughput(loader: &Loader) -> f64 {
    let start = Instant::now();
    let mut images = 0;
    for batch in loader.epoch(0) {
        images += batch.expect("the benchmark data reads").len();
    }
    images as f64 / start.elapsed().as_secs_f64()
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let threads: usize = arg("--threads").map_or(2, |t| t.parse().unwrap());
    let config = LoaderConfig {
        threads,
        ..LoaderConfig::train(128, 0)
    };
    let cifar =
        PathBuf::from(arg("--cifar").expect("--cifar DIR (the unpacked cifar10-jpg folder)"));
    let mnist = PathBuf::from(arg("--mnist").expect("--mnist DIR"));
    let augment = || {
        Compose::new()
            .then(RandomCrop::new(32, 32).padding(4))
            .then(RandomHorizontalFlip::new(0.5))
            .then(Normalize::cifar10())
    };

    let folder = ImageFolder::open(cifar.join("train")).unwrap();
    let shards_dir =
        std::env::temp_dir().join(format!("mapping-bench-shards-{}", std::process::id()));
    pack_image_folder(&folder, &shards_dir, 10_000).unwrap();
    let rss_before_shards = peak_rss_mb();

    let folder_ips = throughput(
        &Loader::new(folder, config.clone())
            .unwrap()
            .with_transform(augment()),
    );
    let mnist_ips = throughput(
        &Loader::new(Mnist::open(&mnist, Split::Train).unwrap(), config.clone())
            .unwrap()
            .with_transform(Compose::new().then(Normalize::mnist())),
    );
    let shards = Shards::open(&shards_dir).unwrap();
    let shard_len = shards.len();
    let shard_ips = throughput(
        &Loader::new(shards, config)
            .unwrap()
            .with_transform(augment()),
    );
    std::fs::remove_dir_all(&shards_dir).ok();
    println!(
        r#"{{"impl":"mapping","threads":{threads},"batch":128,"cifar_folder_img_per_s":{folder_ips:.0},"mnist_idx_img_per_s":{mnist_ips:.0},"cifar_shards_img_per_s":{shard_ips:.0},"shard_images":{shard_len},"peak_rss_mb_before_streaming":{rss_before_shards:.0},"peak_rss_mb":{:.0}}}"#,
        peak_rss_mb()
    );
}
