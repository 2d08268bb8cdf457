//! mapping's TensorBoard event files, read back by the `tensorboard` Python package
//! (`scripts/read_tfevents.py`). `scripts/test.sh` installs it into `.venv-test` and points
//! `MAPPING_TEST_PYTHON` at that interpreter.

use std::path::{Path, PathBuf};
use std::process::Command;

use mapping::train::EventWriter;

fn python() -> Option<PathBuf> {
    if let Some(python) = std::env::var_os("MAPPING_TEST_PYTHON") {
        return Some(python.into());
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-test/bin/python");
    venv.exists().then_some(venv)
}

#[test]
fn tensorboard_reads_our_scalars_back() {
    let Some(python) = python() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run this check: scripts/test.sh installs tensorboard into .venv-test"
        );
        eprintln!("SKIPPED: no Python with tensorboard (run scripts/test.sh, which installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut writer = EventWriter::create(dir.path()).unwrap();
    let loss = [2.25f32, 1.5, 0.875, 0.4375];
    for (step, &value) in loss.iter().enumerate() {
        writer.scalar("loss/train", step as u64 + 1, value).unwrap();
        writer
            .scalar("accuracy/val", step as u64 + 1, 0.5 + step as f32 / 10.0)
            .unwrap();
    }
    writer.scalar("lr", 1_000_000_007, 3e-4).unwrap();
    writer.flush().unwrap();
    let path = writer.path().to_path_buf();
    assert!(path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("events.out.tfevents."));

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/read_tfevents.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", python.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scalars: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let series = |tag: &str| -> Vec<(u64, f32)> {
        scalars[tag]
            .as_array()
            .unwrap_or_else(|| panic!("no {tag} in {scalars}"))
            .iter()
            .map(|p| (p[0].as_u64().unwrap(), p[1].as_f64().unwrap() as f32))
            .collect()
    };
    let expected: Vec<(u64, f32)> = loss
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as u64 + 1, v))
        .collect();
    assert_eq!(series("loss/train"), expected);
    assert_eq!(series("accuracy/val")[3], (4, 0.8));
    assert_eq!(series("lr"), [(1_000_000_007, 3e-4)]);
}
