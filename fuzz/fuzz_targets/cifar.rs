//! The CIFAR binary record reader on arbitrary bytes: an error or records, never a panic.
#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use mapping::data::Cifar;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else { return };
    let (label_bytes, which, classes) = if kind % 2 == 0 { (1, 0, 10) } else { (2, usize::from(kind >> 7), 100) };
    let (mut pixels, mut labels) = (Vec::new(), Vec::new());
    if Cifar::parse_records(bytes, Path::new("fuzz.bin"), label_bytes, which, classes, &mut pixels, &mut labels).is_ok() {
        assert_eq!(pixels.len(), labels.len() * 3072);
        assert!(labels.iter().all(|&l| usize::from(l) < classes));
    }
});
