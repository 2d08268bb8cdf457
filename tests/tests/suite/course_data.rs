//! The rule that picks the course's digits: the override, the search on disk, the default.

use std::path::PathBuf;

use mapping::data::{CourseData, Dataset, DatasetSpec, Split, COURSE_DATA_ENV};

fn no_mnist() -> Vec<PathBuf> {
    vec![PathBuf::from("/nonexistent/mapping/mnist")]
}

#[test]
fn synthetic_override_wins_even_where_mnist_exists() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("train-images-idx3-ubyte.gz"), b"x").unwrap();
    let data = CourseData::choose(Some("synthetic"), &[dir.path().to_path_buf()]).unwrap();
    assert_eq!(data.spec, DatasetSpec::SyntheticDigits);
    assert!(!data.real);
    assert!(
        data.to_string().contains("MAPPING_COURSE_DATA=synthetic"),
        "{data}"
    );
}

#[test]
fn mnist_on_disk_is_used_when_nothing_is_chosen() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("train-images-idx3-ubyte.gz"), b"x").unwrap();
    let mut candidates = no_mnist();
    candidates.push(dir.path().to_path_buf());
    let data = CourseData::choose(None, &candidates).unwrap();
    assert_eq!(data.spec, DatasetSpec::Mnist(dir.path().to_path_buf()));
    assert!(data.real);
    assert!(data.to_string().starts_with("real MNIST"), "{data}");
}

#[test]
fn synthetic_digits_are_the_default_without_mnist() {
    let data = CourseData::choose(None, &no_mnist()).unwrap();
    assert_eq!(data.spec, DatasetSpec::SyntheticDigits);
    assert!(!data.real);
    // The notebook's "data:" line names where it looked.
    assert!(
        data.to_string().contains("/nonexistent/mapping/mnist"),
        "{data}"
    );
    // An empty override counts as none, and so does `auto`.
    assert_eq!(CourseData::choose(Some(" "), &no_mnist()).unwrap(), data);
    assert_eq!(CourseData::choose(Some("auto"), &no_mnist()).unwrap(), data);
}

#[test]
fn any_spec_can_be_named_and_a_bad_one_is_refused() {
    let data = CourseData::choose(Some("fashion-mnist:/data/fm"), &no_mnist()).unwrap();
    assert_eq!(data.spec, DatasetSpec::FashionMnist("/data/fm".into()));
    assert!(data.real);
    let err = CourseData::choose(Some("mnist"), &no_mnist()).unwrap_err();
    assert!(err.to_string().contains(COURSE_DATA_ENV), "{err}");
}

#[test]
fn synthetic_digits_have_mnist_shapes_and_sizes() {
    let spec: DatasetSpec = "synthetic-digits".parse().unwrap();
    let train = spec.open(Split::Train).unwrap();
    let test = spec.open(Split::Test).unwrap();
    assert_eq!((train.len(), test.len()), (60_000, 10_000));
    assert_eq!(train.get(0).unwrap().image.dims(), (1, 28, 28));
    assert_eq!(train.classes().len(), 10);
    // Train and test are drawn with different seeds.
    assert_ne!(
        train.get(0).unwrap().image.data(),
        test.get(0).unwrap().image.data()
    );
}
