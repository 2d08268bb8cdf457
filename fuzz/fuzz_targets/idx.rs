//! The IDX reader (MNIST) on arbitrary bytes: an error or a dataset, never a panic.
#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use mapping::data::{Dataset, Mnist};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // The first two bytes say where the images file ends and the labels file begins.
    let split = (usize::from(u16::from_le_bytes([data[0], data[1]])) % (data.len() - 1)) + 2;
    let (images, labels) = data[2..].split_at((split - 2).min(data.len() - 2));
    let classes = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    if let Ok(mnist) = Mnist::from_bytes((images, Path::new("images")), (labels, Path::new("labels")), &classes) {
        for i in 0..mnist.len().min(4) {
            let sample = mnist.get(i).expect("a parsed dataset reads every index");
            assert!(sample.label < 10);
        }
    }
});
