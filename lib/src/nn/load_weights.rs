//! Loading part of a network from a weights file: a trained model's backbone into a transfer
//! model, by name, with an optional prefix.

use std::path::Path;

use dfdx::nn::tensor_collection::{
    RecursiveWalker, TensorCollection, TensorOptions, TensorVisitor, ViewTensorMut, ViewTensorName,
};
use dfdx::shapes::{HasShape, Shape};
use dfdx::tensor::Tensor;
use dfdx::tensor_ops::Device;
use safetensors::SafeTensors;

use crate::error::{Error, Result};

/// Fills every tensor of `module` from the safetensors file at `path`, reading the tensor
/// named `prefix + name` (e.g. prefix `"0."` takes a backbone out of a `(backbone, head)`
/// model's file). Tensors of the file that the module lacks (an old head) are ignored; a tensor
/// the module needs but the file lacks, or of another shape, is an error naming both. Returns
/// how many tensors were loaded.
pub fn load_weights<M, D>(module: &mut M, path: impl AsRef<Path>, prefix: &str) -> Result<usize>
where
    D: Device<f32>,
    M: TensorCollection<f32, D>,
{
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let file = SafeTensors::deserialize(&bytes)
        .map_err(|e| Error::data(path, format!("not a safetensors file: {e:?}")))?;
    let mut loader = Loader {
        file: &file,
        prefix,
        loaded: 0,
        problem: None,
    };
    M::iter_tensors(&mut RecursiveWalker {
        m: (module, String::new()),
        f: &mut loader,
    })
    .map_err(Error::device)?;
    match loader.problem {
        Some(problem) => Err(Error::data(path, problem)),
        None => Ok(loader.loaded),
    }
}

struct Loader<'a> {
    file: &'a SafeTensors<'a>,
    prefix: &'a str,
    loaded: usize,
    problem: Option<String>,
}

impl<D: Device<f32>> TensorVisitor<f32, D> for Loader<'_> {
    type Viewer = (ViewTensorMut, ViewTensorName);
    type Err = D::Err;
    type E2 = f32;
    type D2 = D;

    fn visit<S: Shape>(
        &mut self,
        _: TensorOptions<S, f32, D>,
        (t, name): (&mut Tensor<S, f32, D>, String),
    ) -> std::result::Result<Option<Tensor<S, f32, D>>, D::Err> {
        if self.problem.is_some() {
            return Ok(None);
        }
        let key = format!("{}{name}", self.prefix);
        let view = match self.file.tensor(&key) {
            Ok(view) => view,
            Err(_) => {
                self.problem = Some(format!("no tensor {key:?} (needed for {name:?})"));
                return Ok(None);
            }
        };
        let want: Vec<usize> = t.shape().concrete().into_iter().collect();
        if view.shape() != want.as_slice() || view.dtype() != safetensors::Dtype::F32 {
            self.problem = Some(format!(
                "{key:?} is {:?} {:?}, the module's {name:?} is F32 {want:?}",
                view.dtype(),
                view.shape()
            ));
            return Ok(None);
        }
        t.copy_from(&f32_values(&view));
        self.loaded += 1;
        Ok(None)
    }
}

/// The little-endian float32 values of a safetensors tensor.
pub(crate) fn f32_values(view: &safetensors::tensor::TensorView) -> Vec<f32> {
    view.data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}
