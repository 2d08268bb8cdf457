//! Checkpoints: a model's weights, its optimizer's state and the run's history in one
//! safetensors file, written atomically, plus a JSON copy of the metadata for people and tools.
//!
//! The weights keep their module names (`0.weight`, `3.running_mean`, ...), so the file loads
//! with dfdx's `load_safetensors` and with `safetensors.torch.load_file` in Python; optimizer
//! buffers sit beside them as `optimizer.p{index}.{slot}`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dfdx::nn::tensor_collection::{
    RecursiveWalker, ScalarOptions, TensorCollection, TensorOptions, TensorVisitor, ViewTensorName,
    ViewTensorRef,
};
use dfdx::nn::LoadFromSafetensors;
use dfdx::shapes::{HasShape, Shape};
use dfdx::tensor::Tensor;
use dfdx::tensor_ops::Device;
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

use super::history::History;
use crate::error::{Error, Result};
use crate::fs::write_atomically;
use crate::nn::load_weights::f32_values;
use crate::optim::{Optimizer, OptimizerState};

const META_KEY: &str = "mapping.checkpoint";
const FORMAT: u32 = 1;

/// Everything about a run but its tensors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    pub format: u32,
    /// Epochs completed.
    pub epoch: usize,
    /// Updates taken.
    pub step: usize,
    /// What the run was started with (model name, data spec, batch size, ...), free-form.
    pub config: serde_json::Value,
    pub history: History,
    /// The optimizer's kind, hyper-parameters and step; its buffers are in the tensor file.
    pub optimizer: OptimizerState,
    /// Names of the optimizer buffers in the tensor file, in order.
    pub optimizer_buffers: Vec<String>,
}

impl CheckpointMeta {
    pub fn new(
        epoch: usize,
        step: usize,
        config: serde_json::Value,
        history: History,
        optimizer: OptimizerState,
    ) -> Self {
        Self {
            format: FORMAT,
            epoch,
            step,
            config,
            history,
            optimizer,
            optimizer_buffers: Vec::new(),
        }
    }
}

/// `run/last.safetensors` -> `run/last.json`.
pub fn meta_path(checkpoint: &Path) -> PathBuf {
    checkpoint.with_extension("json")
}

/// Writes `model`, `optimizer` and `meta` to `path` (a `.safetensors` file) and the metadata to
/// the `.json` beside it, each through a temporary file and a rename.
pub fn save_checkpoint<M, O, D>(
    path: &Path,
    model: &M,
    optimizer: &O,
    meta: &CheckpointMeta,
) -> Result<()>
where
    D: Device<f32>,
    M: TensorCollection<f32, D>,
    O: Optimizer<D>,
{
    let mut tensors = NamedTensors::default();
    M::iter_tensors(&mut RecursiveWalker {
        m: (model, String::new()),
        f: &mut tensors,
    })
    .map_err(Error::device)?;
    let state = optimizer.state();
    let mut meta = meta.clone();
    meta.optimizer = OptimizerState {
        buffers: Vec::new(),
        ..state.clone()
    };
    meta.optimizer_buffers.clear();
    for (name, values) in state.buffers {
        let name = format!("optimizer.{name}");
        meta.optimizer_buffers.push(name.clone());
        let len = values.len();
        tensors.push(name, Dtype::F32, vec![len], f32_bytes(&values));
    }
    let json = serde_json::to_string_pretty(&meta).expect("plain data");
    let metadata = HashMap::from([(META_KEY.to_string(), json.clone())]);
    let views: Vec<(String, TensorView)> = tensors
        .entries
        .iter()
        .map(|(name, dtype, shape, bytes)| {
            let view = TensorView::new(*dtype, shape.clone(), bytes).expect("sizes match");
            (name.clone(), view)
        })
        .collect();
    let bytes = safetensors::serialize(views, &Some(metadata))
        .map_err(|e| Error::data(path, format!("cannot serialize: {e:?}")))?;
    write_atomically(path, &bytes)?;
    write_atomically(&meta_path(path), json.as_bytes())
}

/// The metadata stored inside a checkpoint file.
pub fn read_checkpoint_meta(path: &Path) -> Result<CheckpointMeta> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    meta_of(path, &bytes)
}

fn meta_of(path: &Path, bytes: &[u8]) -> Result<CheckpointMeta> {
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| Error::data(path, format!("not a safetensors file: {e:?}")))?;
    let json = header
        .metadata()
        .as_ref()
        .and_then(|m| m.get(META_KEY))
        .ok_or_else(|| Error::data(path, format!("no {META_KEY:?} metadata: not a checkpoint")))?;
    let meta: CheckpointMeta = serde_json::from_str(json)
        .map_err(|e| Error::data(path, format!("checkpoint metadata: {e}")))?;
    if meta.format != FORMAT {
        return Err(Error::data(
            path,
            format!(
                "checkpoint format {} (this version reads {FORMAT})",
                meta.format
            ),
        ));
    }
    Ok(meta)
}

/// Restores `model` (and `optimizer`, when given) from `path`; returns the metadata.
pub fn load_checkpoint<M, O, D>(
    path: &Path,
    model: &mut M,
    optimizer: Option<&mut O>,
    dev: &D,
) -> Result<CheckpointMeta>
where
    D: Device<f32>,
    M: TensorCollection<f32, D>,
    O: Optimizer<D>,
{
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let meta = meta_of(path, &bytes)?;
    model
        .load_safetensors(path)
        .map_err(|e| Error::data(path, format!("weights do not fit this model: {e:?}")))?;
    if let Some(optimizer) = optimizer {
        let tensors = SafeTensors::deserialize(&bytes)
            .map_err(|e| Error::data(path, format!("not a safetensors file: {e:?}")))?;
        let mut state = meta.optimizer.clone();
        for name in &meta.optimizer_buffers {
            let view = tensors
                .tensor(name)
                .map_err(|e| Error::data(path, format!("{name}: {e:?}")))?;
            let values = f32_values(&view);
            let short = name.trim_start_matches("optimizer.").to_string();
            state.buffers.push((short, values));
        }
        optimizer
            .load_state(&state, dev)
            .map_err(|e| Error::data(path, e.to_string()))?;
    }
    Ok(meta)
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A module's tensors and scalars by name, as dfdx's own safetensors writer lays them out.
#[derive(Default)]
struct NamedTensors {
    entries: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
}

impl NamedTensors {
    fn push(&mut self, name: String, dtype: Dtype, shape: Vec<usize>, bytes: Vec<u8>) {
        self.entries.push((name, dtype, shape, bytes));
    }
}

impl<D: Device<f32>> TensorVisitor<f32, D> for NamedTensors {
    type Viewer = (ViewTensorRef, ViewTensorName);
    type Err = D::Err;
    type E2 = f32;
    type D2 = D;

    fn visit<S: Shape>(
        &mut self,
        _: TensorOptions<S, f32, D>,
        (t, name): (&Tensor<S, f32, D>, String),
    ) -> std::result::Result<Option<Tensor<S, f32, D>>, D::Err> {
        let shape = t.shape().concrete().into_iter().collect();
        self.push(name, Dtype::F32, shape, f32_bytes(&t.as_vec()));
        Ok(None)
    }

    fn visit_scalar<N: num_traits::NumCast>(
        &mut self,
        opts: ScalarOptions<N>,
        (n, name): (&N, String),
    ) -> std::result::Result<Option<N>, D::Err> {
        // dfdx stores module scalars (batch norm's momentum, epsilon) as f64.
        let value = n
            .to_f64()
            .unwrap_or_else(|| opts.default.to_f64().unwrap_or(0.0));
        self.push(name, Dtype::F64, Vec::new(), value.to_le_bytes().to_vec());
        Ok(None)
    }
}
