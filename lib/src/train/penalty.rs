//! L1 and L2 penalties on a model's weights, as a loss term with gradients.

use dfdx::nn::tensor_collection::{
    RecursiveWalker, TensorCollection, TensorOptions, TensorVisitor, ViewTensorRef,
};
use dfdx::shapes::HasShape;
use dfdx::shapes::{Rank0, Shape};
use dfdx::tensor::{OwnedTape, Tensor, Trace};
use dfdx::tensor_ops::{Device, ReshapeTo, SumTo, TryAdd, TryMul};

/// `l1 * sum|w| + l2 * sum w^2` over every trainable tensor of `model` (Keras' `l1_l2`
/// regularizer, applied to biases too, as `torch.optim`'s `weight_decay` is), with a tape so
/// that `loss + weight_penalty(&model, l1, l2)` trains with it. An L2 term `l2` equals
/// an optimizer's `weight_decay` of `2 * l2`.
pub fn weight_penalty<M, D>(
    model: &M,
    l1: f64,
    l2: f64,
) -> Result<Tensor<Rank0, f32, D, OwnedTape<f32, D>>, D::Err>
where
    M: TensorCollection<f32, D>,
    D: Device<f32>,
{
    let mut sum = Penalty::<D> {
        l1: l1 as f32,
        l2: l2 as f32,
        total: None,
    };
    M::iter_tensors(&mut RecursiveWalker {
        m: model,
        f: &mut sum,
    })?;
    match sum.total {
        Some(total) => Ok(total),
        None => Ok(D::default().try_zeros()?.leaky_traced()),
    }
}

struct Penalty<D: Device<f32>> {
    l1: f32,
    l2: f32,
    total: Option<Tensor<Rank0, f32, D, OwnedTape<f32, D>>>,
}

impl<D: Device<f32>> Penalty<D> {
    fn add(&mut self, term: Tensor<Rank0, f32, D, OwnedTape<f32, D>>) -> Result<(), D::Err> {
        self.total = Some(match self.total.take() {
            None => term,
            Some(total) => total.try_add(term)?,
        });
        Ok(())
    }
}

impl<D: Device<f32>> TensorVisitor<f32, D> for Penalty<D> {
    type Viewer = ViewTensorRef;
    type Err = D::Err;
    type E2 = f32;
    type D2 = D;

    fn visit<S: Shape>(
        &mut self,
        opts: TensorOptions<S, f32, D>,
        w: &Tensor<S, f32, D>,
    ) -> Result<Option<Tensor<S, f32, D>>, D::Err> {
        if !opts.do_gradient_update {
            return Ok(None);
        }
        // Each term traces its own copy of `w` (same id, so gradients land on the weight),
        // flattened so that one concrete reduction serves every shape.
        let flat = (w.shape().num_elements(),);
        let traced = || w.clone().leaky_traced().try_reshape_like(&flat);
        if self.l1 != 0.0 {
            let term = traced()?.try_abs()?.try_sum()?;
            self.add(term.try_mul(self.l1)?)?;
        }
        if self.l2 != 0.0 {
            let term = traced()?.try_square()?.try_sum()?;
            self.add(term.try_mul(self.l2)?)?;
        }
        Ok(None)
    }
}
