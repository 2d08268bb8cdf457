//! `Frozen<M>`: a sub-network that trains as if it were evaluated, Keras's `trainable = False`.
//!
//! Freezing a pre-trained backbone takes two things. Its parameters must not move, and its batch
//! norms must keep the statistics they learned on the source task instead of normalising with
//! each batch of the new one and moving their running statistics (PyTorch users call `.eval()`
//! on the backbone for that; `requires_grad_(False)` alone leaves batch norm in training mode).
//! `Frozen` does both: `forward_mut` runs the inner network's evaluation forward on the tape, so
//! gradients still flow through it to anything before it, and its tensors are marked as not
//! updated, which every optimizer (this crate's and dfdx's) and `num_trainable_params` honour.
//!
//! It adds nothing to parameter names: `(Frozen<Backbone>, Linear<..>)` saves and loads the same
//! `0.*` / `1.*` tensors as `(Backbone, Linear<..>)`.

use dfdx::nn::{
    BuildOnDevice, Module, ModuleFields, ModuleMut, ModuleVisitor, ScalarOptions, TensorCollection,
    TensorOptions,
};
use dfdx::shapes::{Dtype, Shape};
use dfdx::tensor::Tensor;
use dfdx::tensor_ops::Device;
use num_traits::NumCast;
use ref_cast::RefCast;

/// `M` in evaluation mode, also while training, with its tensors left alone by optimizers.
/// Both the builder (`Frozen<Backbone>` in a model type) and the built module.
#[derive(Debug, Clone, Default, RefCast)]
#[repr(transparent)]
pub struct Frozen<M>(pub M);

impl<D: Device<E>, E: Dtype, M: BuildOnDevice<D, E>> BuildOnDevice<D, E> for Frozen<M> {
    type Built = Frozen<M::Built>;
}

impl<E: Dtype, D: Device<E>, M: TensorCollection<E, D>> TensorCollection<E, D> for Frozen<M> {
    type To<E2: Dtype, D2: Device<E2>> = Frozen<M::To<E2, D2>>;

    fn iter_tensors<V: ModuleVisitor<Self, E, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        // `M` walks its own fields through `Inside`, which hands them to `visitor` as fields of
        // `Frozen<M>`: no name of its own, so the paths stay `M`'s.
        Ok(M::iter_tensors(&mut Inside(visitor))?.map(Frozen))
    }
}

/// Evaluation: the inner network's.
impl<X, M: Module<X>> Module<X> for Frozen<M> {
    type Output = M::Output;
    type Error = M::Error;

    fn try_forward(&self, x: X) -> Result<Self::Output, Self::Error> {
        self.0.try_forward(x)
    }
}

/// Training: still the inner network's evaluation forward, with whatever tape `x` carries.
impl<X, M: Module<X>> ModuleMut<X> for Frozen<M> {
    type Output = M::Output;
    type Error = M::Error;

    fn try_forward_mut(&mut self, x: X) -> Result<Self::Output, Self::Error> {
        self.0.try_forward(x)
    }
}

/// A visitor of `Frozen<M>` seen as a visitor of `M`: field accessors reach through `.0`, and
/// every tensor is marked as not updated by gradients.
struct Inside<'a, V>(&'a mut V);

impl<'a, M, E, D, V> ModuleVisitor<M, E, D> for Inside<'a, V>
where
    M: TensorCollection<E, D>,
    E: Dtype,
    D: Device<E>,
    V: ModuleVisitor<Frozen<M>, E, D>,
{
    type Err = V::Err;
    type E2 = V::E2;
    type D2 = V::D2;

    fn visit_module<Field, GetRef, GetMut>(
        &mut self,
        name: &str,
        mut get_refs: GetRef,
        mut get_muts: GetMut,
    ) -> Result<Option<Field::To<Self::E2, Self::D2>>, Self::Err>
    where
        GetRef: FnMut(&M) -> &Field,
        GetMut: FnMut(&mut M) -> &mut Field,
        Field: TensorCollection<E, D>,
    {
        // The field is handed on as `Frozen<Field>`, so that its own fields come back through
        // `Inside` too, however deep they are.
        let field = self.0.visit_module(
            name,
            move |frozen: &Frozen<M>| Frozen::ref_cast(get_refs(&frozen.0)),
            move |frozen: &mut Frozen<M>| Frozen::ref_cast_mut(get_muts(&mut frozen.0)),
        )?;
        Ok(field.map(|Frozen(field)| field))
    }

    fn visit_tensor<S: Shape, GetRef, GetMut>(
        &mut self,
        name: &str,
        mut get_refs: GetRef,
        mut get_muts: GetMut,
        opts: TensorOptions<S, E, D>,
    ) -> Result<Option<Tensor<S, Self::E2, Self::D2>>, Self::Err>
    where
        GetRef: FnMut(&M) -> &Tensor<S, E, D>,
        GetMut: FnMut(&mut M) -> &mut Tensor<S, E, D>,
    {
        let mut opts = opts;
        opts.do_gradient_update = false;
        self.0.visit_tensor(
            name,
            move |frozen: &Frozen<M>| get_refs(&frozen.0),
            move |frozen: &mut Frozen<M>| get_muts(&mut frozen.0),
            opts,
        )
    }

    fn visit_scalar<N, GetRef, GetMut>(
        &mut self,
        name: &str,
        mut get_refs: GetRef,
        mut get_muts: GetMut,
        opts: ScalarOptions<N>,
    ) -> Result<Option<N>, Self::Err>
    where
        N: NumCast,
        GetRef: FnMut(&M) -> &N,
        GetMut: FnMut(&mut M) -> &mut N,
    {
        self.0.visit_scalar(
            name,
            move |frozen: &Frozen<M>| get_refs(&frozen.0),
            move |frozen: &mut Frozen<M>| get_muts(&mut frozen.0),
            opts,
        )
    }

    fn visit_fields<F: ModuleFields<M, E, D>>(
        &mut self,
        fields: F,
        builder: impl FnOnce(F::Output<Self::E2, Self::D2>) -> M::To<Self::E2, Self::D2>,
    ) -> Result<Option<M::To<Self::E2, Self::D2>>, Self::Err> {
        let options = fields.visit_fields(self)?;
        Ok(F::handle_options(options).map(builder))
    }
}
