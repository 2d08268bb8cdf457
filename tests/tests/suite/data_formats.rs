//! Dataset readers on files the tests write in each official format — and on broken ones,
//! which must give an error naming the file and what is wrong, never a panic.

use std::io::Write;
use std::path::Path;

use mapping::data::{
    class_difference, BadImagePolicy, Cifar, Cifar100Labels, Dataset, DatasetSpec, ImageFolder,
    Mnist, Split,
};

fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Three 2x2 "digits" with pixel values 0..12 and labels 7, 0, 9.
fn write_mnist(dir: &Path, compress: bool) {
    let images = idx(&[3, 2, 2], &(0..12).collect::<Vec<u8>>());
    let labels = idx(&[3], &[7, 0, 9]);
    let (images, labels, ext) = if compress {
        (gzip(&images), gzip(&labels), ".gz")
    } else {
        (images, labels, "")
    };
    std::fs::write(dir.join(format!("t10k-images-idx3-ubyte{ext}")), images).unwrap();
    std::fs::write(dir.join(format!("t10k-labels-idx1-ubyte{ext}")), labels).unwrap();
}

#[test]
fn mnist_reads_raw_and_gzipped_idx() {
    for compress in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        write_mnist(dir.path(), compress);
        let data = Mnist::open(dir.path(), Split::Test).unwrap();
        assert_eq!(data.len(), 3);
        let second = data.get(1).unwrap();
        assert_eq!(second.label, 0);
        assert_eq!(second.image.dims(), (1, 2, 2));
        assert_eq!(
            second.image.data(),
            &[4.0 / 255.0, 5.0 / 255.0, 6.0 / 255.0, 7.0 / 255.0]
        );
        assert_eq!(data.classes()[9], "9");
        assert!(Mnist::open(dir.path(), Split::Train)
            .unwrap_err()
            .to_string()
            .contains("train-images-idx3-ubyte"));
    }
}

#[test]
fn broken_idx_files_are_named_errors() {
    let cases: [(&str, Vec<u8>, Vec<u8>, &str); 5] = [
        (
            "wrong magic",
            b"PK\x03\x04rest".to_vec(),
            idx(&[1], &[0]),
            "bad magic number",
        ),
        (
            "wrong type",
            vec![0, 0, 0x0d, 3, 0, 0, 0, 1],
            idx(&[1], &[0]),
            "element type 0x0d",
        ),
        (
            "truncated",
            idx(&[2, 2, 2], &[1, 2, 3]),
            idx(&[2], &[0, 1]),
            "truncated",
        ),
        (
            "label out of range",
            idx(&[1, 1, 1], &[0]),
            idx(&[1], &[12]),
            "label 12 at offset 8",
        ),
        (
            "count mismatch",
            idx(&[2, 1, 1], &[0, 0]),
            idx(&[1], &[3]),
            "1 labels for 2 images",
        ),
    ];
    for (what, images, labels, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("train-images-idx3-ubyte"), images).unwrap();
        std::fs::write(dir.path().join("train-labels-idx1-ubyte"), labels).unwrap();
        let message = Mnist::open(dir.path(), Split::Train)
            .unwrap_err()
            .to_string();
        assert!(message.contains(expected), "{what}: {message}");
        assert!(
            message.contains("idx"),
            "{what}: the error names the file: {message}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("train-images-idx3-ubyte.gz"),
        [0x1f, 0x8b, 8, 0, 1, 2],
    )
    .unwrap();
    std::fs::write(dir.path().join("train-labels-idx1-ubyte"), idx(&[1], &[0])).unwrap();
    let message = Mnist::open(dir.path(), Split::Train)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("corrupt gzip") && message.contains("train-images-idx3-ubyte.gz"),
        "{message}"
    );
}

fn cifar_record(label_bytes: &[u8], fill: u8) -> Vec<u8> {
    let mut record = label_bytes.to_vec();
    record.extend((0..3072).map(|i| fill.wrapping_add((i / 1024) as u8)));
    record
}

#[test]
fn cifar10_and_cifar100_binary_records() {
    let dir = tempfile::tempdir().unwrap();
    let batches = dir.path().join("cifar-10-batches-bin");
    std::fs::create_dir(&batches).unwrap();
    for i in 1..=5u8 {
        let data = [cifar_record(&[i], 10 * i), cifar_record(&[9], 0)].concat();
        std::fs::write(batches.join(format!("data_batch_{i}.bin")), data).unwrap();
    }
    std::fs::write(batches.join("test_batch.bin"), cifar_record(&[3], 200)).unwrap();
    let train = Cifar::cifar10(dir.path(), Split::Train).unwrap();
    assert_eq!(train.len(), 10);
    let third = train.get(4).unwrap(); // batch 3, first record
    assert_eq!(third.label, 3);
    assert_eq!(third.image.dims(), (3, 32, 32));
    // planes: red = 30, green = 31, blue = 32
    assert_eq!(
        (
            third.image.get(0, 5, 5),
            third.image.get(1, 0, 0),
            third.image.get(2, 31, 31)
        ),
        (30.0 / 255.0, 31.0 / 255.0, 32.0 / 255.0)
    );
    assert_eq!(train.classes()[3], "cat");
    assert_eq!(Cifar::cifar10(dir.path(), Split::Test).unwrap().len(), 1);

    let hundred = tempfile::tempdir().unwrap();
    std::fs::write(
        hundred.path().join("test.bin"),
        [cifar_record(&[4, 42], 1), cifar_record(&[19, 99], 2)].concat(),
    )
    .unwrap();
    let fine = Cifar::cifar100(hundred.path(), Split::Test, Cifar100Labels::Fine).unwrap();
    let coarse = Cifar::cifar100(hundred.path(), Split::Test, Cifar100Labels::Coarse).unwrap();
    assert_eq!(
        (fine.get(1).unwrap().label, coarse.get(1).unwrap().label),
        (99, 19)
    );
    assert_eq!((fine.classes().len(), coarse.classes().len()), (100, 20));
}

#[test]
fn broken_cifar_files_are_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("test_batch.bin"),
        &cifar_record(&[1], 0)[..3000],
    )
    .unwrap();
    let message = Cifar::cifar10(dir.path(), Split::Test)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("test_batch.bin")
            && message.contains("3000 bytes is not a whole number of 3073-byte records"),
        "{message}"
    );
    std::fs::write(
        dir.path().join("test_batch.bin"),
        [cifar_record(&[1], 0), cifar_record(&[10], 0)].concat(),
    )
    .unwrap();
    let message = Cifar::cifar10(dir.path(), Split::Test)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("label 10 at offset 3073 (record 1)"),
        "{message}"
    );
    let message = Cifar::cifar10(dir.path(), Split::Train)
        .unwrap_err()
        .to_string();
    assert!(message.contains("data_batch_1.bin"), "{message}");
}

/// A test split that is absent is `None`; one that is there but broken is an error naming the
/// file, so a caller never swaps in other images without saying so.
#[test]
fn a_missing_test_split_is_none_and_a_broken_one_an_error() {
    let test_of = |spec: &str| {
        let spec: DatasetSpec = spec.parse().unwrap();
        spec.open_test().map(|t| t.map(|t| t.len()))
    };
    let message = |result: mapping::Result<Option<usize>>| result.unwrap_err().to_string();

    // MNIST: both t10k files, neither, or only the images.
    let mnist = tempfile::tempdir().unwrap();
    let spec = format!("mnist:{}", mnist.path().display());
    write_mnist(mnist.path(), true);
    assert_eq!(test_of(&spec).unwrap(), Some(3));
    std::fs::remove_file(mnist.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
    assert!(message(test_of(&spec)).contains("t10k-labels-idx1-ubyte"));
    std::fs::remove_file(mnist.path().join("t10k-images-idx3-ubyte.gz")).unwrap();
    assert_eq!(test_of(&spec).unwrap(), None);
    assert!(!DatasetSpec::Mnist(mnist.path().into()).has_split(Split::Train));

    // CIFAR-10: a truncated test batch, then none.
    let cifar = tempfile::tempdir().unwrap();
    let spec = format!("cifar10:{}", cifar.path().display());
    std::fs::write(cifar.path().join("test_batch.bin"), [0u8; 100]).unwrap();
    assert!(message(test_of(&spec)).contains("test_batch.bin"));
    std::fs::remove_file(cifar.path().join("test_batch.bin")).unwrap();
    assert_eq!(test_of(&spec).unwrap(), None);

    // CIFAR-100: its test file alone.
    let hundred = tempfile::tempdir().unwrap();
    let spec = format!("cifar100:{}", hundred.path().display());
    assert_eq!(test_of(&spec).unwrap(), None);
    std::fs::write(hundred.path().join("test.bin"), cifar_record(&[4, 42], 1)).unwrap();
    assert_eq!(test_of(&spec).unwrap(), Some(1));

    // Folders: a `test` sub-folder or not; a broken one is an error.
    let folder = tempfile::tempdir().unwrap();
    let spec = format!("folder:{}", folder.path().display());
    std::fs::create_dir(folder.path().join("a")).unwrap();
    write_png(&folder.path().join("a").join("0.png"), 2, 2, [1, 2, 3]);
    assert_eq!(test_of(&spec).unwrap(), None);
    std::fs::create_dir_all(folder.path().join("test").join("a")).unwrap();
    assert!(message(test_of(&spec)).contains("has no images"));
    // With `test/` and no `train/`, there is no training split, and `has_split` agrees with
    // `open` about it.
    let spec: DatasetSpec = spec.parse().unwrap();
    assert!(!spec.has_split(Split::Train));
    let message = spec.open(Split::Train).err().unwrap().to_string();
    assert!(message.contains("no `train` split here"), "{message}");

    assert_eq!(test_of("synthetic").unwrap(), Some(10_000));
}

#[test]
fn class_lists_differ_where_a_label_would_change_meaning() {
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let cat_dog = names(&["cat", "dog"]);
    assert_eq!(class_difference(&cat_dog, &cat_dog), None);
    assert_eq!(
        class_difference(&cat_dog, &names(&["dog", "cat"])).unwrap(),
        "class 0 is `dog`, expected `cat` (class count 2, expected 2)"
    );
    assert_eq!(
        class_difference(&cat_dog, &names(&["cat"])).unwrap(),
        "class count 1, expected 2 (the shorter list is the start of the longer)"
    );
}

fn write_png(path: &Path, width: u32, height: u32, rgb: [u8; 3]) {
    image::RgbImage::from_pixel(width, height, image::Rgb(rgb))
        .save(path)
        .unwrap();
}

#[test]
fn image_folders_sort_classes_and_files_and_decode_any_size() {
    let dir = tempfile::tempdir().unwrap();
    for (class, colour) in [("dog", [0, 255, 0]), ("cat", [255, 0, 0])] {
        std::fs::create_dir(dir.path().join(class)).unwrap();
        write_png(&dir.path().join(class).join("b.png"), 5, 3, colour);
        write_png(&dir.path().join(class).join("a.PNG"), 2, 2, colour);
        std::fs::write(dir.path().join(class).join("notes.txt"), "not an image").unwrap();
    }
    let folder = ImageFolder::open(dir.path()).unwrap();
    assert_eq!(folder.classes(), ["cat", "dog"]);
    assert_eq!(folder.len(), 4);
    assert!(folder.path(0).ends_with("cat/a.PNG"));
    let sample = folder.get(1).unwrap();
    assert_eq!((sample.label, sample.image.dims()), (0, (3, 3, 5)));
    assert_eq!(sample.image.get(0, 2, 4), 1.0, "cat images are red");
    assert_eq!(
        folder.get(3).unwrap().image.get(1, 0, 0),
        1.0,
        "dog images are green"
    );
}

#[test]
fn image_folder_errors_and_the_bad_image_policy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    std::fs::create_dir(dir.path().join("full")).unwrap();
    write_png(&dir.path().join("full/ok.png"), 2, 2, [1, 2, 3]);
    let message = ImageFolder::open(dir.path()).unwrap_err().to_string();
    assert!(
        message.contains("class folder `empty` has no images"),
        "{message}"
    );

    std::fs::remove_dir(dir.path().join("empty")).unwrap();
    std::fs::write(
        dir.path().join("full/broken.jpg"),
        b"\xff\xd8\xff\xe0 not really a jpeg",
    )
    .unwrap();
    let folder = ImageFolder::open(dir.path()).unwrap();
    assert_eq!(folder.len(), 2);
    let message = folder.get(0).unwrap_err().to_string();
    assert!(
        message.contains("broken.jpg") && message.contains("cannot decode"),
        "{message}"
    );
    let message = folder
        .clone()
        .verify(BadImagePolicy::Fail)
        .unwrap_err()
        .to_string();
    assert!(message.contains("broken.jpg"), "{message}");
    let (kept, bad) = folder.verify(BadImagePolicy::SkipAndReport).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(bad.len(), 1);
    assert!(bad[0].0.ends_with("broken.jpg"));

    let message = ImageFolder::open(dir.path().join("missing"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("missing"), "{message}");
}
