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
fn install_then_uninstall_under_a_prefix() {
    let prefix = tempfile::tempdir().unwrap();
    let build = prefix.path().join("build");
    let out = kernel()
        .args(["install", "--prefix"])
        .arg(prefix.path())
        .arg("--build-dir")
        .arg(&build)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = prefix
        .path()
        .join("share/jupyter/kernels/mapping/kernel.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&spec).unwrap()).unwrap();
    assert_eq!(json["argv"][0], env!("CARGO_BIN_EXE_mapping-kernel"));

    let out = kernel()
        .args(["uninstall", "--prefix"])
        .arg(prefix.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!spec.exists());
}

#[test]
fn a_missing_connection_file_is_a_clear_error() {
    let out = kernel()
        .args(["run", "--connection-file", "/no/such/kernel-1.json"])
        .args(["--config-dir", "/tmp", "--build-dir", "/tmp"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/no/such/kernel-1.json"), "{err}");
}
