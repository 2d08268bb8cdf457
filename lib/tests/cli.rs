//! The `mapping` program: `data inspect` and `data pack`, and its errors (non-zero exit, a
//! message naming the problem).

use std::process::Command;

fn mapping(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mapping"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn inspect_the_synthetic_default() {
    let (ok, stdout, stderr) = mapping(&["data", "inspect", "synthetic"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Train: 50000 images, 10 classes, first image 3x32x32"),
        "{stdout}"
    );
    assert!(stdout.contains("Test: 10000 images"), "{stdout}");
    assert!(
        stdout.contains("checkerboard") && stdout.contains("5000"),
        "{stdout}"
    );
}

#[test]
fn pack_a_folder_then_inspect_the_shards() {
    let src = tempfile::tempdir().unwrap();
    for (class, n) in [("a", 3), ("b", 2)] {
        std::fs::create_dir_all(src.path().join("train").join(class)).unwrap();
        for i in 0..n {
            image::RgbImage::new(6, 5)
                .save(
                    src.path()
                        .join("train")
                        .join(class)
                        .join(format!("{i}.png")),
                )
                .unwrap();
        }
    }
    let out = tempfile::tempdir().unwrap();
    let folder = format!("folder:{}", src.path().display());
    let (ok, stdout, stderr) = mapping(&[
        "data",
        "pack",
        &folder,
        "--out",
        out.path().to_str().unwrap(),
        "--records-per-shard",
        "2",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("5 images in 3 shard(s)"), "{stdout}");
    let (ok, stdout, stderr) = mapping(&[
        "data",
        "inspect",
        &format!("shards:{}", out.path().display()),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Train: 5 images, 2 classes, first image 3x5x6"),
        "{stdout}"
    );
    assert!(stdout.contains("Test: none"), "{stdout}");
}

#[test]
fn bad_specs_and_missing_data_fail_with_a_message() {
    let (ok, _, stderr) = mapping(&["data", "inspect", "imagenet"]);
    assert!(!ok);
    assert!(stderr.contains("not a dataset spec"), "{stderr}");
    let (ok, _, stderr) = mapping(&["data", "inspect", "mnist:/nonexistent/dir"]);
    assert!(!ok);
    assert!(
        stderr.contains("/nonexistent/dir") && stderr.contains("train-images-idx3-ubyte"),
        "{stderr}"
    );
    let (ok, _, stderr) = mapping(&["data", "pack", "synthetic", "--out", "/tmp/x"]);
    assert!(!ok);
    assert!(stderr.contains("pack takes an image folder"), "{stderr}");
}
