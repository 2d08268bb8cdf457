//! `install --features cuda`: the library's cargo features a kernel compiles it with.
//!
//! A notebook never names its device; the kernel's build of `mapping` does. With `cuda`,
//! `AutoDevice` in the prelude is dfdx's `Cuda`, and the same chapters run on the GPU.
//! Each feature set builds in its own folder (`evcxr-build-cuda`), so a CPU kernel and a GPU
//! kernel on one machine do not rebuild dfdx over each other.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Checks `features` against the `[features]` of the library at `library` (its folder).
pub fn check(library: &Path, features: &[String]) -> Result<(), String> {
    if features.is_empty() {
        return Ok(());
    }
    let manifest = library.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("{}: cannot read it: {e}", manifest.display()))?;
    let parsed: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: not a cargo manifest: {e}", manifest.display()))?;
    let known: Vec<&str> = parsed
        .get("features")
        .and_then(|f| f.as_table())
        .map(|table| table.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for feature in features {
        if !known.contains(&feature.as_str()) {
            return Err(format!(
                "{}: the library has no feature {feature:?} (it has: {})",
                manifest.display(),
                known.join(", ")
            ));
        }
    }
    Ok(())
}

/// Where a kernel with these features builds by default: `evcxr-build`, `evcxr-build-cuda`.
pub fn build_folder_name(features: &[String]) -> String {
    let mut name = String::from("evcxr-build");
    for feature in features {
        name.push('-');
        name.push_str(feature);
    }
    name
}

/// What Jupyter lists: "Rust · mapping", or "Rust · mapping (cuda)".
pub fn display_name(features: &[String]) -> String {
    if features.is_empty() {
        crate::spec::DISPLAY_NAME.to_string()
    } else {
        format!("{} ({})", crate::spec::DISPLAY_NAME, features.join(", "))
    }
}

/// dfdx's build script compiles its CUDA kernels with `nvcc` for the GPU `nvidia-smi` reports,
/// against the toolkit's `include/cuda.h`; it panics where one is missing, minutes into a
/// kernel's first start. Say so at install instead.
pub fn check_cuda_toolkit(features: &[String]) -> Result<(), String> {
    if !features.iter().any(|f| f == "cuda") {
        return Ok(());
    }
    // The folders dfdx's build script looks in, in its order.
    let roots = [
        "CUDA_PATH",
        "CUDA_ROOT",
        "CUDA_TOOLKIT_ROOT_DIR",
        "CUDNN_LIB",
    ]
    .into_iter()
    .filter_map(std::env::var_os)
    .map(PathBuf::from)
    .chain(["/usr", "/usr/local/cuda", "/opt/cuda", "/usr/lib/cuda"].map(PathBuf::from));
    let missing = missing_toolkit_parts(std::env::var_os("PATH"), roots);
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "--features cuda builds on the CUDA toolkit, and here {}. Install the toolkit (or \
         point CUDA_ROOT at it), or install the CPU kernel without --features cuda",
        missing.join("; ")
    ))
}

/// What of the toolkit is missing, given the `PATH` and the folders to look for `cuda.h` in.
fn missing_toolkit_parts(
    path: Option<std::ffi::OsString>,
    roots: impl IntoIterator<Item = PathBuf>,
) -> Vec<String> {
    let mut missing = Vec::new();
    for program in ["nvcc", "nvidia-smi"] {
        if find_on(path.as_deref(), program).is_none() {
            missing.push(format!("`{program}` is not on PATH"));
        }
    }
    if !roots
        .into_iter()
        .any(|root| root.join("include/cuda.h").is_file())
    {
        missing.push("no include/cuda.h under $CUDA_PATH, $CUDA_ROOT, /usr/local/cuda, ...".into());
    }
    missing
}

/// The executable `program` in one of the folders of `path` (a `PATH` value).
fn find_on(path: Option<&std::ffi::OsStr>, program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path?)
        .map(|dir| dir.join(program))
        .find(|path| {
            path.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// What a kernel built with `features` needs, checked before anything is written: features
/// the library has, the CUDA toolkit for `cuda`, and their crates downloaded.
pub fn prepare(library: &Path, features: &[String]) -> Result<(), String> {
    check(library, features)?;
    check_cuda_toolkit(features)?;
    fetch(library, features)
}

/// Downloads the crates the features add (cudarc for `cuda`): the kernel itself was built
/// without them, and it starts cargo offline.
pub fn fetch(library: &Path, features: &[String]) -> Result<(), String> {
    if features.is_empty() {
        return Ok(());
    }
    let host = host_triple()?;
    let out = Command::new("cargo")
        .args(["fetch", "--target", &host, "--manifest-path"])
        .arg(library.join("Cargo.toml"))
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "`cargo fetch` for {} failed: {}",
        library.display(),
        String::from_utf8_lossy(&out.stderr).trim()
    ))
}

fn host_triple() -> Result<String, String> {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_string)
        .ok_or_else(|| "`rustc -vV` names no host".to_string())
}

/// What to tell the user when the prelude failed with `message`, if it is a GPU kernel that
/// found no GPU.
pub fn hint(message: &str) -> Option<&'static str> {
    ["CUDA_ERROR", "DriverError", "libcuda"]
        .iter()
        .any(|sign| message.contains(sign))
        .then_some(
            "This kernel was installed with `--features cuda`, so its `AutoDevice` is the GPU, \
             and CUDA found no usable NVIDIA GPU or driver here. On a machine without one, \
             install the CPU kernel: `mapping-kernel install` without --features.",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(features: &[&str]) -> Vec<String> {
        features.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn features_are_checked_against_the_library_manifest() {
        let library = crate::spec::default_library_dir();
        check(&library, &owned(&["cuda"])).unwrap();
        check(&library, &owned(&[])).unwrap();
        let error = check(&library, &owned(&["cuda", "gpu"])).unwrap_err();
        assert!(error.contains("no feature \"gpu\""), "{error}");
        assert!(
            error.contains("cuda") && error.contains("Cargo.toml"),
            "{error}"
        );
        let error = check(Path::new("/no/such/lib"), &owned(&["cuda"])).unwrap_err();
        assert!(
            error.starts_with("/no/such/lib/Cargo.toml: cannot read"),
            "{error}"
        );
    }

    #[test]
    fn each_feature_set_has_its_own_build_folder_and_name() {
        assert_eq!(build_folder_name(&[]), "evcxr-build");
        assert_eq!(build_folder_name(&owned(&["cuda"])), "evcxr-build-cuda");
        assert_eq!(display_name(&[]), "Rust · mapping");
        assert_eq!(display_name(&owned(&["cuda"])), "Rust · mapping (cuda)");
    }

    #[test]
    fn the_toolkit_is_checked_only_for_cuda() {
        check_cuda_toolkit(&owned(&["download"])).unwrap();
        check_cuda_toolkit(&[]).unwrap();
    }

    #[test]
    fn a_toolkit_is_nvcc_and_nvidia_smi_on_path_and_cuda_h() {
        use std::os::unix::fs::PermissionsExt;
        let toolkit = tempfile::tempdir().unwrap();
        let (bin, root) = (toolkit.path().join("bin"), toolkit.path().join("cuda"));
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(root.join("include")).unwrap();
        let path = || std::env::join_paths(["/no/such/dir".into(), bin.clone()]).ok();
        assert_eq!(
            missing_toolkit_parts(path(), [root.clone()]),
            [
                "`nvcc` is not on PATH",
                "`nvidia-smi` is not on PATH",
                "no include/cuda.h under $CUDA_PATH, $CUDA_ROOT, /usr/local/cuda, ..."
            ]
        );
        for program in ["nvcc", "nvidia-smi"] {
            std::fs::write(bin.join(program), "#!/bin/sh\n").unwrap();
        }
        std::fs::write(root.join("include/cuda.h"), "").unwrap();
        // Present but not executable is still missing.
        assert_eq!(missing_toolkit_parts(path(), [root.clone()]).len(), 2);
        for program in ["nvcc", "nvidia-smi"] {
            let file = bin.join(program);
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert!(missing_toolkit_parts(path(), [root.clone()]).is_empty());
        assert_eq!(missing_toolkit_parts(None, [root]).len(), 2);
    }

    #[test]
    fn fetch_downloads_for_a_feature_set() {
        // The machine that builds the kernel has the registry; `download` adds ureq.
        fetch(&crate::spec::default_library_dir(), &owned(&["download"])).unwrap();
        fetch(Path::new("/no/such/lib"), &owned(&["download"])).unwrap_err();
    }

    #[test]
    fn only_a_missing_gpu_gets_the_hint() {
        let no_device = "called `Result::unwrap()` on an `Err` value: \
                         CudaError(DriverError(CUDA_ERROR_NO_DEVICE, \"no CUDA-capable device\"))";
        assert!(hint(no_device).is_some());
        assert!(hint("libcuda.so.1: cannot open shared object file").is_some());
        assert!(hint("error[E0425]: cannot find value `x`").is_none());
    }
}
