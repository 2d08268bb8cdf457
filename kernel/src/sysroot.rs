//! The standard library as evcxr's embedded rust-analyzer loads it, and what that needs offline.
//!
//! evcxr asks the analyzer for the type of every variable a cell defines. The analyzer reads
//! the standard library's workspace (`<sysroot>/lib/rustlib/src/rust/library`) through `cargo
//! metadata`, which needs that workspace's own dependencies (hashbrown, libc, cc, ...) in
//! cargo's cache. Where they are missing and there is no network, the analyzer is left
//! without `std`, and the prelude's first `let` fails with "Couldn't automatically determine
//! type of variable". Everything else the kernel needs is on disk once it is built, so
//! `install`, which has the network, downloads them, and adds the `rust-src` component first
//! where rustup manages the toolchain and it is missing (rustup's default profile leaves it out).

use std::path::PathBuf;
use std::process::Command;

/// The library workspace's manifest, or why it is missing.
fn library_manifest() -> Result<PathBuf, String> {
    let out = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let manifest = PathBuf::from(sysroot).join("lib/rustlib/src/rust/library/Cargo.toml");
    if manifest.is_file() {
        Ok(manifest)
    } else {
        Err(format!(
            "{} is missing: the kernel needs the standard library's sources \
             (`rustup component add rust-src`)",
            manifest.display()
        ))
    }
}

/// The library workspace's manifest, adding `rust-src` with rustup first if it is missing.
/// (rustup's proxies pass the active toolchain down, so the component goes to the toolchain
/// this kernel was built with.)
fn library_manifest_adding_rust_src() -> Result<PathBuf, String> {
    library_manifest().or_else(|missing| {
        let added = Command::new("rustup")
            .args(["component", "add", "rust-src"])
            .status();
        match added {
            Ok(status) if status.success() => library_manifest(),
            Ok(status) => Err(format!(
                "{missing}; `rustup component add rust-src` {status}"
            )),
            Err(_) => Err(missing), // no rustup: the toolchain came some other way
        }
    })
}

/// Runs the analyzer's own query once, so that cargo downloads what the analyzer will read.
pub fn fetch_library_dependencies() -> Result<(), String> {
    let manifest = library_manifest_adding_rust_src()?;
    let out = Command::new("cargo")
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
        ])
        .arg(&manifest)
        // What ra_ap_project_model sets for this query (sysroot.rs): the library's manifest
        // uses cargo features that cargo reads only on the nightly channel.
        .env("__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS", "nightly")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(format!(
        "`cargo metadata` on {} failed: {}",
        manifest.display(),
        stderr.trim()
    ))
}

/// What to tell the user when starting evcxr failed with `message`, if this module explains it.
pub fn hint(message: &str) -> Option<&'static str> {
    message
        .contains("Couldn't automatically determine type")
        .then_some(
            "The analyzer that infers each variable's type could not load the standard library: \
             its dependencies are not in cargo's cache and there is no network. \
             Run `mapping-kernel install` once with the network (kernel/README.md, \"Offline\").",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_workspace_is_found_and_its_dependencies_fetched() {
        // The machine that builds the kernel has the registry (and rustup's server, for
        // `rust-src` where it is missing), so this downloads at most once.
        fetch_library_dependencies().unwrap();
        assert!(library_manifest().is_ok());
    }

    #[test]
    fn only_the_analyzer_failure_gets_the_hint() {
        assert!(hint("Couldn't automatically determine type of variable `dev`.").is_some());
        assert!(hint("error[E0425]: cannot find value `x`").is_none());
    }
}
