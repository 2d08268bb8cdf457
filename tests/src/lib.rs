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

/// What [`batch_norm_run`] returns, in order, named as the fixture's tensors.
pub const BATCH_NORM_RESULTS: [&str; 10] = [
    "out",
    "grad_x",
    "grad_weight",
    "grad_bias",
    "running_mean_after",
    "running_var_after",
    "eval_out",
    "eval_grad_x",
    "eval_grad_weight",
    "eval_grad_bias",
];

/// `mapping::nn::BatchNorm2d` on the fixture case `batch_norm2d.{case}`, on `dev`: one training
/// step with the case's parameters and running statistics (output, gradients of the input,
/// weight and bias for `sum(out * grad_out)`, the updated running statistics), then evaluation
/// mode with the statistics from before the step (output and the same three gradients). See
/// [`BATCH_NORM_RESULTS`].
pub fn batch_norm_run<D: mapping::ops::BatchNorm2dKernel<f32> + dfdx::nn::DeviceBuildExt>(
    dev: &D,
    fixture: &Fixture,
    case: usize,
) -> Vec<Vec<f32>> {
    let key = format!("batch_norm2d.{case}");
    // The layer's channel count is a type: one instance per count the fixture has.
    match fixture.tensor(&format!("{key}.weight")).1[..] {
        [2] => batch_norm_case::<2, D>(dev, fixture, &key),
        [3] => batch_norm_case::<3, D>(dev, fixture, &key),
        [5] => batch_norm_case::<5, D>(dev, fixture, &key),
        [8] => batch_norm_case::<8, D>(dev, fixture, &key),
        [16] => batch_norm_case::<16, D>(dev, fixture, &key),
        ref shape => panic!("{key}: no instance for a weight of shape {shape:?}"),
    }
}

fn batch_norm_case<
    const C: usize,
    D: mapping::ops::BatchNorm2dKernel<f32> + dfdx::nn::DeviceBuildExt,
>(
    dev: &D,
    fixture: &Fixture,
    key: &str,
) -> Vec<Vec<f32>> {
    use dfdx::prelude::*;
    use mapping::nn::{builders, modules::BatchNorm2d};

    let vector = |name: &str| -> Tensor<Rank1<C>, f32, D> {
        dev.tensor_from_vec(fixture.tensor(&format!("{key}.{name}")).0, (Const::<C>,))
    };
    let mut bn: BatchNorm2d<C, f32, D> = dev.build_module::<builders::BatchNorm2d<C>, f32>();
    bn.inner.scale = vector("weight");
    bn.inner.bias = vector("bias");
    bn.inner.running_mean = vector("running_mean");
    bn.inner.running_var = vector("running_var");
    let before = bn.clone();

    let image = |name: &str| {
        let (values, shape) = fixture.tensor(&format!("{key}.{name}"));
        assert_eq!(shape[1], C, "{key}.{name}");
        dev.tensor_from_vec(values, (shape[0], Const::<C>, shape[2], shape[3]))
    };
    let x = image("x");
    let out = bn.forward_mut(x.leaky_trace());
    let values = out.as_vec();
    let grads = (out * image("grad_out")).sum::<Rank0, _>().backward();

    // Evaluation mode on a tape, as after PyTorch's `model.eval()`.
    let eval_out = before.forward(x.leaky_trace());
    let eval_values = eval_out.as_vec();
    let eval_grads = (eval_out * image("grad_out")).sum::<Rank0, _>().backward();
    vec![
        values,
        grads.get(&x).as_vec(),
        grads.get(&bn.inner.scale).as_vec(),
        grads.get(&bn.inner.bias).as_vec(),
        bn.inner.running_mean.as_vec(),
        bn.inner.running_var.as_vec(),
        eval_values,
        eval_grads.get(&x).as_vec(),
        eval_grads.get(&before.inner.scale).as_vec(),
        eval_grads.get(&before.inner.bias).as_vec(),
    ]
}
