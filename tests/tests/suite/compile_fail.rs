//! Shape mistakes are compile errors that name the layer.
//!
//! Each file in `tests/compile_fail/` is `cargo check`ed as a binary of a scratch crate that
//! depends on `mapping`; its first line says `// expect: <text>`, text the compiler's errors
//! must contain (or `compiles` for the control case, which proves the harness itself builds).
//! Substrings rather than whole-stderr snapshots keep this robust to compiler wording changes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch_crate(workspace: &Path) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-fail-crate");
    std::fs::create_dir_all(dir.join("src/bin")).unwrap();
    let manifest = format!(
        r#"[package]
name = "compile-fail-cases"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
mapping = {{ path = "{lib}" }}

[workspace]
"#,
        lib = workspace.join("lib").display()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // Same versions as the workspace, and no registry look-up.
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

#[test]
fn shape_errors_fail_to_compile_and_name_the_layer() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let cases_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("compile_fail");
    let krate = scratch_crate(&workspace);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&cases_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 5,
        "expected the compile-fail cases in {}",
        cases_dir.display()
    );
    for case in &cases {
        let name = case.file_stem().unwrap().to_str().unwrap().to_string();
        std::fs::copy(case, krate.join("src/bin").join(format!("{name}.rs"))).unwrap();
    }
    for case in &cases {
        let name = case.file_stem().unwrap().to_str().unwrap();
        let source = std::fs::read_to_string(case).unwrap();
        let expect = source
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect: "))
            .unwrap_or_else(|| panic!("{name}: no `// expect:` line"));
        let output = Command::new(env!("CARGO"))
            .args(["check", "--offline", "--quiet", "--bin", name])
            .current_dir(&krate)
            .env("CARGO_TARGET_DIR", krate.join("target"))
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        if expect == "compiles" {
            assert!(output.status.success(), "{name} should compile:\n{stderr}");
        } else {
            assert!(!output.status.success(), "{name} compiled, but it must not");
            assert!(
                stderr.contains("error"),
                "{name}: no compiler error:\n{stderr}"
            );
            assert!(
                stderr.contains(expect),
                "{name}: the error does not mention `{expect}`:\n{stderr}"
            );
        }
    }
}
