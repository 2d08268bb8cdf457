//! Installing the kernel: the Jupyter kernel spec, evcxr's config (`init.evcxr`, `prelude.rs`)
//! and where the shared build lives. Everything written is readable by its owner only.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde_json::json;

pub const KERNEL_NAME: &str = "mapping";
pub const DISPLAY_NAME: &str = "Rust · mapping";

/// Where a kernel spec goes, as `jupyter kernelspec install` / ipykernel choose.
#[derive(Clone, Debug)]
pub enum Location {
    /// The user's Jupyter data dir (`$JUPYTER_DATA_DIR`, else `~/.local/share/jupyter`).
    User,
    /// The active virtual environment or conda prefix.
    SysPrefix,
    /// `P/share/jupyter/kernels/<name>`.
    Prefix(PathBuf),
}

impl Location {
    pub fn kernels_dir(&self) -> Result<PathBuf, String> {
        let jupyter = match self {
            Location::User => match std::env::var_os("JUPYTER_DATA_DIR") {
                Some(dir) => PathBuf::from(dir),
                None => user_jupyter_dir()?,
            },
            Location::SysPrefix => {
                let prefix = std::env::var_os("VIRTUAL_ENV")
                    .or_else(|| std::env::var_os("CONDA_PREFIX"))
                    .ok_or("--sys-prefix needs an active virtual environment (VIRTUAL_ENV or CONDA_PREFIX); use --prefix P instead")?;
                PathBuf::from(prefix).join("share/jupyter")
            }
            Location::Prefix(prefix) => prefix.join("share/jupyter"),
        };
        Ok(jupyter.join("kernels"))
    }
}

fn user_jupyter_dir() -> Result<PathBuf, String> {
    if cfg!(target_os = "macos") {
        dirs::home_dir().map(|h| h.join("Library/Jupyter"))
    } else {
        dirs::data_dir().map(|d| d.join("jupyter"))
    }
    .ok_or_else(|| "cannot find the home directory; use --prefix".to_string())
}

/// The shared evcxr build: the library and its dependencies compile here once per machine (and
/// once more for each other feature set).
pub fn default_build_dir(features: &[String]) -> Result<PathBuf, String> {
    dirs::cache_dir()
        .map(|d| {
            d.join("mapping-kernel")
                .join(crate::features::build_folder_name(features))
        })
        .ok_or_else(|| "cannot find a cache directory; pass --build-dir".to_string())
}

/// The `mapping` crate the notebooks use: this checkout's `lib/`.
pub fn default_library_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lib")
}

/// Writes the kernel spec and its config, the library built with `features`; returns the spec's
/// folder.
pub fn install(
    location: &Location,
    name: &str,
    build_dir: &Path,
    library: &Path,
    features: &[String],
) -> Result<PathBuf, String> {
    let library = library
        .canonicalize()
        .map_err(|e| format!("{}: the mapping crate is not there: {e}", library.display()))?;
    if !library.join("Cargo.toml").is_file() {
        return Err(format!(
            "{}: no Cargo.toml (expected the mapping crate)",
            library.display()
        ));
    }
    crate::features::check(&library, features)?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    // Jupyter starts kernels in the notebook's folder: every path in kernel.json is absolute.
    let spec_dir = location.kernels_dir()?.join(name);
    let spec_dir = std::path::absolute(&spec_dir).map_err(|e| io(&spec_dir, e))?;
    let config_dir = spec_dir.join("config");
    private_dir(&config_dir)?;
    private_dir(build_dir)?;
    let build_dir = build_dir.canonicalize().map_err(|e| io(build_dir, e))?;

    write_config(&config_dir, &library, features)?;
    let spec = json!({
        "argv": [exe, "run", "--connection-file", "{connection_file}",
                 "--config-dir", config_dir, "--build-dir", build_dir],
        "display_name": crate::features::display_name(features),
        "language": "rust",
        "interrupt_mode": "message",
        "metadata": {"debugger": false},
    });
    let json = serde_json::to_string_pretty(&spec).expect("JSON");
    private_file(&spec_dir.join("kernel.json"), json.as_bytes())?;
    private_file(&spec_dir.join("logo-32x32.png"), &crate::logo::png(32))?;
    private_file(&spec_dir.join("logo-64x64.png"), &crate::logo::png(64))?;
    Ok(spec_dir)
}

/// Removes a spec written by [`install`]; the shared build stays (other installs use it).
pub fn uninstall(location: &Location, name: &str) -> Result<PathBuf, String> {
    let spec_dir = location.kernels_dir()?.join(name);
    if !spec_dir.join("kernel.json").is_file() {
        return Err(format!("{}: no kernel installed there", spec_dir.display()));
    }
    fs::remove_dir_all(&spec_dir).map_err(|e| io(&spec_dir, e))?;
    Ok(spec_dir)
}

/// Cargo's setting, for evcxr's builds, that leaves out `debug_assert!`s (see `write_config`).
const NO_DEBUG_ASSERTIONS: &str = "CARGO_PROFILE_DEV_DEBUG_ASSERTIONS=false";

/// evcxr's startup files: the library (with `features`) as a dependency, then the prelude (run
/// as the first cell): the course's imports, a default device and the tensor-id fence.
pub fn write_config(config_dir: &Path, library: &Path, features: &[String]) -> Result<(), String> {
    private_dir(config_dir)?;
    let library = library
        .display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    // Offline: cargo resolves the library's dependencies from crates already downloaded (the
    // kernel itself was built from them), so a kernel starts without a network and never
    // waits on the registry index.
    // evcxr builds cells and their libraries with debug assertions, which also turn on std's
    // checks inside `unsafe` slice and pointer calls: gemm's inner loops ran at half speed
    // (a seed-CNN training step in a cell: 440 -> 890 images/s). Overflow checks stay on.
    // Feature names are checked against the library's manifest (features.rs): no quotes.
    let features: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
    let features = features.join(", ");
    let init = format!(
        "// Written by `mapping-kernel install`: the course library, compiled once per machine.\n\
         :offline 1\n\
         :build_env {NO_DEBUG_ASSERTIONS}\n\
         :dep mapping = {{ path = \"{library}\", default-features = false, features = [{features}] }}\n"
    );
    private_file(&config_dir.join("init.evcxr"), init.as_bytes())?;
    private_file(&config_dir.join("prelude.rs"), PRELUDE.as_bytes())
}

/// A kernel without its config would start fine and then know no `mapping`: refuse instead.
pub fn check_config(config_dir: &Path) -> Result<(), String> {
    for file in ["init.evcxr", "prelude.rs"] {
        let path = config_dir.join(file);
        if !path.is_file() {
            return Err(format!(
                "{}: missing (the kernel's config; reinstall with `mapping-kernel install`)",
                path.display()
            ));
        }
    }
    Ok(())
}

/// The course's imports, a default device `dev` and the tensor-id fence (kernel/prelude.rs).
pub const PRELUDE: &str = include_str!("../prelude.rs");

fn io(path: &Path, e: std::io::Error) -> String {
    format!("{}: {e}", path.display())
}

pub(crate) fn private_dir(dir: &Path) -> Result<(), String> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io(dir, e))
}

fn private_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io(path, e))?;
    // An existing file keeps its old mode through `open`; tighten it.
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|e| io(path, e))?;
    file.write_all(bytes).map_err(|e| io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn install_writes_a_private_spec_under_the_prefix_and_uninstall_removes_it() {
        let prefix = tempfile::tempdir().unwrap();
        let build = prefix.path().join("build");
        let location = Location::Prefix(prefix.path().to_path_buf());
        let dir = install(
            &location,
            "mapping-test",
            &build,
            &default_library_dir(),
            &[],
        )
        .unwrap();
        assert_eq!(
            dir,
            prefix.path().join("share/jupyter/kernels/mapping-test")
        );

        let spec: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("kernel.json")).unwrap()).unwrap();
        assert_eq!(spec["display_name"], DISPLAY_NAME);
        let argv: Vec<&str> = spec["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            &argv[1..4],
            &["run", "--connection-file", "{connection_file}"]
        );

        let init = fs::read_to_string(dir.join("config/init.evcxr")).unwrap();
        assert!(init.contains(":dep mapping = { path = \"/"), "{init}");
        assert!(
            init.contains("default-features = false, features = [] }"),
            "{init}"
        );
        assert!(
            init.contains(&format!(
                ":offline 1\n:build_env {NO_DEBUG_ASSERTIONS}\n:dep"
            )),
            "{init}"
        );
        assert!(fs::read_to_string(dir.join("config/prelude.rs"))
            .unwrap()
            .contains("CellIdFence"));
        for file in [
            "kernel.json",
            "logo-64x64.png",
            "config/init.evcxr",
            "config/prelude.rs",
        ] {
            let mode = fs::metadata(dir.join(file)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{file}");
        }
        for folder in [dir.join("config"), build.clone()] {
            let mode = fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", folder.display());
        }
        let logo = image::load_from_memory(&fs::read(dir.join("logo-64x64.png")).unwrap()).unwrap();
        assert_eq!((logo.width(), logo.height()), (64, 64));

        uninstall(&location, "mapping-test").unwrap();
        assert!(!dir.exists());
        assert!(uninstall(&location, "mapping-test")
            .unwrap_err()
            .contains("no kernel installed"));
    }

    #[test]
    fn install_names_a_missing_library() {
        let prefix = tempfile::tempdir().unwrap();
        let err = install(
            &Location::Prefix(prefix.path().into()),
            "x",
            &prefix.path().join("b"),
            Path::new("/no/such/lib"),
            &[],
        )
        .unwrap_err();
        assert!(err.contains("/no/such/lib"), "{err}");
    }

    #[test]
    fn install_with_features_builds_the_library_with_them_under_its_own_name() {
        let prefix = tempfile::tempdir().unwrap();
        let location = Location::Prefix(prefix.path().into());
        let build = prefix.path().join("build");
        let cuda = ["cuda".to_string()];
        let dir = install(&location, "gpu", &build, &default_library_dir(), &cuda).unwrap();
        let init = fs::read_to_string(dir.join("config/init.evcxr")).unwrap();
        assert!(
            init.contains("default-features = false, features = [\"cuda\"] }"),
            "{init}"
        );
        let spec: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("kernel.json")).unwrap()).unwrap();
        assert_eq!(spec["display_name"], "Rust · mapping (cuda)");

        // A feature the library lacks is refused before anything is written.
        let typo = ["cuda".to_string(), "cdua".to_string()];
        let err = install(&location, "typo", &build, &default_library_dir(), &typo).unwrap_err();
        assert!(err.contains("no feature \"cdua\""), "{err}");
        assert!(!dir.with_file_name("typo").exists());
    }
}
