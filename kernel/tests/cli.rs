//! The `mapping-kernel` binary as a user runs it. (Building this test also builds the binary
//! with the workspace's test features, which `scripts/test.sh` then installs.)

use std::process::Command;

fn kernel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mapping-kernel"))
}

#[test]
fn help_names_every_command() {
    let out = kernel().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for command in ["install", "uninstall", "repl", "run"] {
        assert!(help.contains(command), "{help}");
    }
}

#[test]
fn install_then_uninstall_under_a_relative_prefix() {
    // As scripts/test.sh does (`--prefix .venv-test`). Jupyter starts kernels in the notebook's
    // folder, so every path written into kernel.json must be absolute.
    let root = tempfile::tempdir().unwrap();
    let out = kernel()
        .current_dir(root.path())
        .args(["install", "--prefix", "venv", "--build-dir", "build"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = root
        .path()
        .join("venv/share/jupyter/kernels/mapping/kernel.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&spec).unwrap()).unwrap();
    let argv: Vec<&str> = json["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(argv[0], env!("CARGO_BIN_EXE_mapping-kernel"));
    for flag in ["--config-dir", "--build-dir"] {
        let at = argv.iter().position(|a| *a == flag).unwrap();
        let path = std::path::Path::new(argv[at + 1]);
        assert!(path.is_absolute(), "{flag} {}", path.display());
        assert!(path.is_dir(), "{flag} {}", path.display());
    }

    let out = kernel()
        .current_dir(root.path())
        .args(["uninstall", "--prefix", "venv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!spec.exists());
}

#[test]
fn install_finishes_when_its_output_pipe_is_closed() {
    // As `mapping-kernel install | head -0`: the report is lost, the installation is not.
    let root = tempfile::tempdir().unwrap();
    let child = kernel()
        .current_dir(root.path())
        .args(["install", "--prefix", "venv", "--build-dir", "build"])
        .stdout(closed_pipe())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let spec = root.path().join("venv/share/jupyter/kernels/mapping");
    assert!(spec.join("kernel.json").is_file());
}

/// `mapping-kernel run` with a connection file that does not exist: it must fail, and say why.
fn run_failure(config_dir: &std::path::Path) -> String {
    let out = kernel()
        .args([
            "run",
            "--connection-file",
            "/no/such/kernel-1.json",
            "--config-dir",
        ])
        .arg(config_dir)
        .args(["--build-dir", "/tmp"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_missing_connection_file_is_a_clear_error() {
    let config = tempfile::tempdir().unwrap();
    for file in ["init.evcxr", "prelude.rs"] {
        std::fs::write(config.path().join(file), "").unwrap();
    }
    let err = run_failure(config.path());
    assert!(err.contains("/no/such/kernel-1.json"), "{err}");
}

#[test]
fn a_missing_config_is_a_clear_error() {
    let empty = tempfile::tempdir().unwrap();
    let err = run_failure(empty.path());
    assert!(err.contains("init.evcxr: missing"), "{err}");
}

#[test]
fn a_gpu_kernel_without_the_cuda_toolkit_or_with_an_unknown_feature_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let install = |features: &str| {
        kernel()
            .current_dir(root.path())
            // No nvcc or nvidia-smi on this PATH, whatever the machine has.
            .env("PATH", root.path())
            .args(["install", "--prefix", "venv", "--build-dir", "build"])
            .args(["--features", features])
            .output()
            .unwrap()
    };
    let out = install("cuda");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CUDA toolkit") && err.contains("`nvcc` is not on PATH"),
        "{err}"
    );

    let out = install("download,gpu");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no feature \"gpu\""), "{err}");
    assert!(!root.path().join("venv").exists(), "nothing is written");

    // The crates a feature adds cannot be fetched (no rustc or cargo on this PATH): no spec is left
    // behind for a kernel that could not build offline.
    let out = install("download");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot run rustc"), "{err}");
    assert!(!root.path().join("venv").exists(), "nothing is written");
}

/// The write end of a pipe whose reader has already gone, as `| head -0` leaves it. Closing the
/// reader before the program starts, not after, makes its first write fail every time: a reader
/// closed after `spawn` may be too late on a busy machine, once the output fits in the pipe.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}
