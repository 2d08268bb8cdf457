//! Helpers shared by the cross-crate tests: the PyTorch fixture files and tolerances.

use std::path::{Path, PathBuf};

use safetensors::SafeTensors;

/// `tests/fixtures/<name>`, or `$MAPPING_FIXTURES/<name>` for a test binary run away from the
/// checkout it was built in (`scripts/gpu-check.sh` on a machine without Rust).
pub fn fixture_path(name: &str) -> PathBuf {
    match std::env::var_os("MAPPING_FIXTURES") {
        Some(dir) => PathBuf::from(dir).join(name),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    }
}

/// A safetensors file of float32 tensors, read whole.
pub struct Fixture {
    bytes: Vec<u8>,
    path: PathBuf,
}

impl Fixture {
    pub fn open(name: &str) -> Self {
        let path = fixture_path(name);
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run scripts/make_fixtures.py)", path.display()));
        Self { bytes, path }
    }

    fn parsed(&self) -> SafeTensors<'_> {
        SafeTensors::deserialize(&self.bytes)
            .unwrap_or_else(|e| panic!("{}: {e:?}", self.path.display()))
    }

    /// The tensor's values (row-major) and shape, or `None` if the file has no such tensor.
    pub fn get(&self, name: &str) -> Option<(Vec<f32>, Vec<usize>)> {
        let parsed = self.parsed();
        let view = parsed.tensor(name).ok()?;
        assert_eq!(
            view.dtype(),
            safetensors::Dtype::F32,
            "{name}: fixtures are float32"
        );
        let values = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Some((values, view.shape().to_vec()))
    }

    pub fn tensor(&self, name: &str) -> (Vec<f32>, Vec<usize>) {
        self.get(name)
            .unwrap_or_else(|| panic!("{}: no tensor {name}", self.path.display()))
    }

    /// The string stored under `key` in the file's `__metadata__`.
    pub fn metadata(&self, key: &str) -> String {
        let (_, meta) = SafeTensors::read_metadata(&self.bytes).unwrap();
        meta.metadata()
            .as_ref()
            .and_then(|m| m.get(key).cloned())
            .unwrap_or_else(|| panic!("no metadata {key}"))
    }
}

/// Asserts `|actual - expected| <= rtol * |expected| + atol * max|expected|` element-wise:
/// relative agreement, with an absolute floor scaled to the tensor for values near zero.
pub fn assert_close(what: &str, actual: &[f32], expected: &[f32], rtol: f32) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "{what}: {} values, expected {}",
        actual.len(),
        expected.len()
    );
    let scale = expected.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-30);
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let tol = rtol * e.abs() + rtol * 0.1 * scale;
        assert!(
            (a - e).abs() <= tol,
            "{what}[{i}]: got {a}, PyTorch {e} (|diff| {} > {tol})",
            (a - e).abs()
        );
    }
}
