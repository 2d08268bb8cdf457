//! The real datasets in `../shared/data`, when present: exact counts, label histograms and
//! pixel checksums. The expected values were computed from the canonical files with Python's
//! `gzip` and `struct` modules (independently of this crate). Absent data is reported, not
//! silently passed.

use std::path::PathBuf;

use mapping::data::{Dataset, Mnist, Split};

fn shared_data(name: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (the shared data folder beside the checkout)",
            dir.display()
        );
        None
    }
}

#[test]
fn mnist_counts_histograms_and_checksums() {
    let Some(dir) = shared_data("mnist") else {
        return;
    };
    for (split, count, histogram, pixel_sum, first_labels) in [
        (
            Split::Train,
            60_000,
            [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
            1_567_298_545u64,
            [5, 0, 4, 1, 9, 2, 1, 3],
        ),
        (
            Split::Test,
            10_000,
            [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
            264_923_200,
            [7, 2, 1, 0, 4, 1, 4, 9],
        ),
    ] {
        let data = Mnist::open(&dir, split).unwrap();
        assert_eq!(data.len(), count);
        let mut seen = [0usize; 10];
        let mut sum = 0u64;
        for i in 0..data.len() {
            seen[data.label(i).unwrap()] += 1;
            sum += data.pixels(i).iter().map(|&p| u64::from(p)).sum::<u64>();
        }
        assert_eq!(seen, histogram, "{split:?}");
        assert_eq!(sum, pixel_sum, "{split:?}");
        let firsts: Vec<usize> = (0..8).map(|i| data.label(i).unwrap()).collect();
        assert_eq!(firsts, first_labels);
        let first = data.get(0).unwrap().image;
        assert_eq!(first.dims(), (1, 28, 28));
    }
}
