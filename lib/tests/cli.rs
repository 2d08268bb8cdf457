//! The `mapping` program: `data inspect` and `data pack`, its errors (non-zero exit, a
//! message naming the problem), and a closed output pipe (a quiet end, as `cat`'s).

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
fn a_closed_pipe_ends_the_program_quietly() {
    let child = Command::new(env!("CARGO_BIN_EXE_mapping"))
        .args(["data", "inspect", "synthetic"])
        .stdout(closed_pipe())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}", out.status);
    }
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
    let pack = |per_shard: &str| {
        let out = out.path().to_str().unwrap();
        mapping(&[
            "data",
            "pack",
            &folder,
            "--out",
            out,
            "--records-per-shard",
            per_shard,
        ])
    };
    let (ok, stdout, stderr) = pack("2");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("5 images in 3 shard(s)"), "{stdout}");
    let (ok, _, stderr) = pack("0");
    assert!(!ok && !stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("must be at least 1"), "{stderr}");
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

/// `mapping train` of the small TF CIFAR CNN on 512 synthetic images (SGD, batch 32).
fn train_small(epochs: usize, extra: &[&str], out: &str) -> (bool, String, String) {
    let epochs = epochs.to_string();
    let mut args = vec![
        "train",
        "--data",
        "synthetic",
        "--model",
        "tf-cifar-cnn",
        "--limit",
        "512",
        "--val-limit",
        "256",
        "--epochs",
        &epochs,
        "--batch",
        "32",
        "--opt",
        "sgd",
        "--lr",
        "0.05",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    mapping(&args)
}

#[test]
fn train_eval_and_predict_end_to_end_on_the_synthetic_default() {
    let out = tempfile::tempdir().unwrap();
    let run = out.path().join("run");
    let run_str = run.to_str().unwrap();
    let (ok, stdout, stderr) = train_small(2, &[], run_str);
    assert!(ok, "{stdout}\n{stderr}");
    // `--device auto`: the CPU, as this build has no CUDA.
    assert!(
        stdout.contains("tf-cifar-cnn: 42442 parameters, device cpu;"),
        "{stdout}"
    );
    assert!(stdout.contains("epoch 2/2 - loss "), "{stdout}");
    assert!(stdout.contains("weighted avg"), "{stdout}");
    for file in [
        "last.safetensors",
        "last.json",
        "best.safetensors",
        "history.json",
        "curves.svg",
        "curves.png",
        "confusion.svg",
        "confusion.png",
    ] {
        assert!(run.join(file).exists(), "{file} missing");
    }
    let events: Vec<_> = std::fs::read_dir(run.join("tensorboard"))
        .unwrap()
        .collect();
    assert_eq!(events.len(), 1);
    let history: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("history.json")).unwrap()).unwrap();
    assert_eq!(history["epochs"].as_array().unwrap().len(), 2);

    // Resume continues from epoch 2 to 3.
    let (ok, stdout, stderr) = train_small(3, &["--resume"], run_str);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("resuming after epoch 2"), "{stdout}");
    assert!(
        stdout.contains("epoch 3/3") && !stdout.contains("epoch 1/3"),
        "{stdout}"
    );

    // Eval prints the report and writes the confusion matrix.
    let best = run.join("best.safetensors");
    let eval_out = out.path().join("eval");
    let (ok, stdout, stderr) = mapping(&[
        "eval",
        "--checkpoint",
        best.to_str().unwrap(),
        "--out",
        eval_out.to_str().unwrap(),
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("on synthetic: 10000 images"), "{stdout}");
    // The accuracy row scripts/gpu-check.sh reads: `accuracy <value> <support>`.
    let accuracy: Vec<&str> = stdout
        .lines()
        .map(str::split_whitespace)
        .find_map(|mut words| (words.next() == Some("accuracy")).then(|| words.collect()))
        .unwrap_or_default();
    assert!(
        accuracy.len() == 2 && accuracy[0].parse::<f64>().is_ok() && accuracy[1] == "10000",
        "{stdout}"
    );
    let csv = std::fs::read_to_string(eval_out.join("confusion.csv")).unwrap();
    assert_eq!(csv.lines().count(), 11, "{csv}");
    let total: u64 = csv
        .lines()
        .skip(1)
        .flat_map(|l| l.split(',').skip(1).map(|v| v.parse::<u64>().unwrap()))
        .sum();
    assert_eq!(total, 10_000);

    // Predict ranks classes for a PNG.
    let png = out.path().join("striped.png");
    image::RgbImage::from_fn(40, 40, |x, _| {
        if x % 8 < 4 {
            image::Rgb([250, 250, 250])
        } else {
            image::Rgb([10, 10, 10])
        }
    })
    .save(&png)
    .unwrap();
    let (ok, stdout, stderr) = mapping(&[
        "predict",
        "--checkpoint",
        best.to_str().unwrap(),
        png.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let line = stdout.lines().next().unwrap();
    assert!(
        line.contains("striped.png: ") && line.matches('%').count() == 3,
        "{line}"
    );

    // A missing image is an error naming it, with a non-zero exit.
    let (ok, _, stderr) = mapping(&[
        "predict",
        "--checkpoint",
        best.to_str().unwrap(),
        "/no/such.png",
    ]);
    assert!(!ok && stderr.contains("/no/such.png"), "{stderr}");

    // Data whose classes are not the checkpoint's is refused, not scored label by label.
    let folder = out.path().join("two-classes");
    write_folder(&folder, &[("test", "circle"), ("test", "square")]);
    let data = format!("folder:{}", folder.display());
    let evaluate = |data: &str| {
        let (ok, _, stderr) = mapping(&[
            "eval",
            "--checkpoint",
            best.to_str().unwrap(),
            "--data",
            data,
        ]);
        assert!(!ok && !stderr.contains("panicked"), "{stderr}");
        stderr
    };
    let stderr = evaluate(&data);
    assert!(
        stderr.contains("does not have the classes")
            && stderr.contains("class count 2, expected 10"),
        "{stderr}"
    );
    // A test split that is there but broken is an error, not a reason to score the training
    // images instead.
    std::fs::create_dir_all(folder.join("test").join("empty")).unwrap();
    write_folder(&folder, &[("train", "circle")]);
    let stderr = evaluate(&data);
    assert!(stderr.contains("`empty` has no images"), "{stderr}");

    // A new run into the same folder is refused unless asked for, and then replaces the run.
    let checkpoint_before = std::fs::read(run.join("last.safetensors")).unwrap();
    let (ok, _, stderr) = train_small(1, &[], run_str);
    assert!(
        !ok && stderr.contains("already holds a run") && stderr.contains("--overwrite"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(run.join("last.safetensors")).unwrap(),
        checkpoint_before
    );
    let (ok, _, stderr) = train_small(1, &["--overwrite"], run_str);
    assert!(ok, "{stderr}");
    let history: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("history.json")).unwrap()).unwrap();
    assert_eq!(
        history["epochs"].as_array().unwrap().len(),
        1,
        "a new run of 1 epoch"
    );
}

/// One 32x32 PNG in each `root/split/class/`.
fn write_folder(root: &std::path::Path, classes: &[(&str, &str)]) {
    for (split, class) in classes {
        let dir = root.join(split).join(class);
        std::fs::create_dir_all(&dir).unwrap();
        image::RgbImage::new(32, 32)
            .save(dir.join("0.png"))
            .unwrap();
    }
}

#[test]
fn train_refuses_a_test_split_with_other_classes() {
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("data");
    write_folder(
        &folder,
        &[
            ("train", "cat"),
            ("train", "dog"),
            ("test", "cat"),
            ("test", "fox"),
        ],
    );
    let (ok, _, stderr) = mapping(&[
        "train",
        "--data",
        &format!("folder:{}", folder.display()),
        "--model",
        "tf-cifar-cnn",
        "--epochs",
        "1",
        "--batch",
        "2",
        "--out",
        out.path().join("run").to_str().unwrap(),
    ]);
    assert!(
        !ok && stderr.contains("the test split's classes are not the training split's")
            && stderr.contains("class 1 is `fox`, expected `dog`"),
        "{stderr}"
    );
}

#[test]
fn train_refuses_unknown_models_and_mismatched_data() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let (ok, _, stderr) = mapping(&["train", "--model", "vgg99", "--out", dir]);
    assert!(
        !ok && stderr.contains("unknown model \"vgg99\""),
        "{stderr}"
    );
    // Named before any device opens: here, before the missing CUDA build (or GPU) is.
    let (ok, _, stderr) = mapping(&[
        "train", "--model", "vgg99", "--device", "cuda", "--out", dir,
    ]);
    assert!(
        !ok && stderr.contains("unknown model \"vgg99\""),
        "{stderr}"
    );
    let (ok, _, stderr) = mapping(&["train", "--model", "mnist-cnn", "--out", dir]);
    assert!(
        !ok && stderr.contains("3-channel images; the model takes 1 channels"),
        "{stderr}"
    );
    let (ok, _, stderr) = mapping(&["train", "--opt", "adamax", "--limit", "64", "--out", dir]);
    assert!(
        !ok && stderr.contains("unknown optimizer \"adamax\""),
        "{stderr}"
    );
    // Counts of zero are refused as they are parsed.
    let (ok, _, stderr) = mapping(&["train", "--epochs", "0", "--out", dir]);
    assert!(
        !ok && stderr.contains("'0' for '--epochs <EPOCHS>': must be at least 1"),
        "{stderr}"
    );
    let (ok, _, stderr) = mapping(&["train", "--device", "tpu", "--out", dir]);
    assert!(
        !ok && stderr.contains("'tpu'") && stderr.contains("cuda"),
        "{stderr}"
    );
}

/// `--device cuda` on a build without the `cuda` feature says how to get one; with it (the GPU
/// bundle's build, scripts/gpu-bundle.sh), a missing GPU is named instead.
#[cfg(not(feature = "cuda"))]
#[test]
fn device_cuda_without_the_feature_says_how_to_build_it() {
    let out = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = train_small(1, &["--device", "cuda"], out.path().to_str().unwrap());
    assert!(
        !ok && stderr.contains("built without CUDA") && stderr.contains("--features cuda"),
        "{stderr}"
    );
    assert!(!out.path().join("last.safetensors").exists());
}

/// The write end of a pipe whose reader has already gone, as `| head -0` leaves it. Closing the
/// reader before the program starts, not after, makes its first write fail every time: a reader
/// closed after `spawn` may be too late on a busy machine, once the output fits in the pipe.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}
