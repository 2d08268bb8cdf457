//! The real datasets in `../shared/data`, when present: exact counts, label histograms and
//! pixel checksums. The expected values were computed from the canonical files with Python's
//! `gzip` and `struct` modules (independently of this crate). Absent data is reported, not
//! silently passed.

use std::path::PathBuf;

use mapping::data::{Dataset, ImageFolder, Mnist, Split};

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

/// Unpacks `cifar10-jpg.tar.gz` once into the test target folder (about 240 MB, 60,000 files).
/// Tests run in parallel threads: one unpacks while the others wait (before, a second test could
/// delete the half-unpacked folder under the first and see 9,999 test images).
fn cifar_jpeg_folder() -> Option<PathBuf> {
    static FOLDER: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    FOLDER.get_or_init(unpack_cifar_jpeg).clone()
}

fn unpack_cifar_jpeg() -> Option<PathBuf> {
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/cifar10-jpg.tar.gz");
    if !file.is_file() {
        eprintln!("SKIPPED: {} is absent", file.display());
        return None;
    }
    let dest = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cifar10-jpg");
    let done = dest.join(".unpacked");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dest);
        let gz = flate2::read::GzDecoder::new(std::fs::File::open(&file).unwrap());
        tar::Archive::new(gz).unpack(&dest).unwrap();
        std::fs::write(&done, "").unwrap();
    }
    Some(dest)
}

#[test]
fn cifar10_jpeg_folders_have_the_published_counts() {
    let Some(root) = cifar_jpeg_folder() else {
        return;
    };
    let classes = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ];
    for (split, per_class) in [("train", 5000), ("test", 1000)] {
        let folder = ImageFolder::open(root.join(split)).unwrap();
        assert_eq!(folder.classes(), classes);
        assert_eq!(folder.len(), 10 * per_class);
        let mut counts = [0usize; 10];
        for i in 0..folder.len() {
            counts[folder.label(i).unwrap()] += 1;
        }
        assert_eq!(counts, [per_class; 10], "{split}");
        for i in [0, folder.len() / 2, folder.len() - 1] {
            let sample = folder.get(i).unwrap();
            assert_eq!(
                sample.image.dims(),
                (3, 32, 32),
                "{}",
                folder.path(i).display()
            );
            assert!(folder
                .path(i)
                .to_str()
                .unwrap()
                .contains(&format!("/{}/", classes[sample.label])));
        }
    }
}

/// Per-channel pixel sums of three images as PIL decodes them (computed with
/// `numpy.asarray(Image.open(p).convert("RGB")).sum(axis=(0, 1))`). JPEG decoders differ by
/// a level here and there (IDCT and upsampling are not bit-exact), so the sums must agree to
/// within one level per pixel on average, not exactly (seen here: up to 0.5 levels, from chroma
/// upsampling).
#[test]
fn cifar10_jpeg_pixels_decode_like_pil() {
    let Some(root) = cifar_jpeg_folder() else {
        return;
    };
    for (file, pil_sums) in [
        ("train/airplane/0000.jpg", [151_732i64, 152_266, 152_422]),
        ("train/truck/4999.jpg", [84_567, 112_171, 125_367]),
        ("test/cat/0500.jpg", [107_237, 85_450, 91_615]),
    ] {
        let bytes = std::fs::read(root.join(file)).unwrap();
        let image = image::load_from_memory(&bytes).unwrap().to_rgb8();
        // through the library's reader, which scales to [0, 1]
        let class_dir = root
            .join(file)
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        let folder = ImageFolder::open(&class_dir).unwrap();
        let index = (0..folder.len())
            .find(|&i| folder.path(i).ends_with(file))
            .unwrap();
        let ours = folder.get(index).unwrap().image;
        for (c, &pil) in pil_sums.iter().enumerate() {
            let sum: i64 = ours
                .plane(c)
                .iter()
                .map(|&v| (v * 255.0).round() as i64)
                .sum();
            let raw: i64 = image.pixels().map(|p| i64::from(p[c])).sum();
            assert_eq!(sum, raw, "{file}: the reader keeps the decoded bytes");
            assert!(
                (sum - pil).abs() <= 32 * 32,
                "{file} channel {c}: sum {sum}, PIL {pil}"
            );
        }
    }
}
