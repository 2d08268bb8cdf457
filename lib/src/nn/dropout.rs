//! Dropout, as PyTorch's `nn.Dropout`: random zeroing while training, the identity in evaluation
//! mode, *whatever tape the input carries*.
//!
//! dfdx's `Dropout` and `DropoutOneIn` evaluate only untaped tensors, so a network holding one
//! could not give an input gradient in evaluation mode (a saliency map after `model.eval()`) nor
//! sit inside [`Frozen`](super::Frozen). These two replace them, with the same names, fields and
//! saved scalar (`p`), and use dfdx's `dropout` op (the device's seeded generator) in training.

use dfdx::nn::{
    BuildOnDevice, Module, ModuleMut, ModuleVisitor, ScalarOptions, TensorCollection,
    ZeroSizedModule,
};
use dfdx::shapes::{Dtype, Shape};
use dfdx::tensor::{OwnedTape, Tape, Tensor};
use dfdx::tensor_ops::Device;

/// Zeroes each element with probability `p` while training and scales the rest by `1 / (1 - p)`;
/// the identity in evaluation. `p` defaults to 0.5, as `nn.Dropout()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropout {
    pub p: f32,
}

impl Default for Dropout {
    fn default() -> Self {
        Self { p: 0.5 }
    }
}

/// Dropout with `p = 1 / N`, fixed by the type: `DropoutOneIn<4>` is Keras's `Dropout(0.25)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DropoutOneIn<const N: usize>;

impl<const N: usize> ZeroSizedModule for DropoutOneIn<N> {}

impl<D: Device<E>, E: Dtype> BuildOnDevice<D, E> for Dropout {
    type Built = Dropout;
}

/// `p` is a saved scalar, under the name dfdx's `Dropout` uses, so checkpoints stay compatible.
impl<E: Dtype, D: Device<E>> TensorCollection<E, D> for Dropout {
    type To<E2: Dtype, D2: Device<E2>> = Dropout;

    fn iter_tensors<V: ModuleVisitor<Self, E, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        visitor.visit_fields(
            <Self as TensorCollection<E, D>>::scalar(
                "p",
                |s| &s.p,
                |s| &mut s.p,
                ScalarOptions::from_default(0.5),
            ),
            |p| Dropout { p },
        )
    }
}

/// Evaluation: the identity; gradients pass through unchanged.
impl<S: Shape, E: Dtype, D: Device<E>, T: Tape<E, D>> Module<Tensor<S, E, D, T>> for Dropout {
    type Output = Tensor<S, E, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<S, E, D, T>) -> Result<Self::Output, D::Err> {
        Ok(x)
    }
}

/// Training (a taped forward): drops.
impl<S: Shape, E: Dtype, D: Device<E>> ModuleMut<Tensor<S, E, D, OwnedTape<E, D>>> for Dropout {
    type Output = Tensor<S, E, D, OwnedTape<E, D>>;
    type Error = D::Err;

    fn try_forward_mut(
        &mut self,
        x: Tensor<S, E, D, OwnedTape<E, D>>,
    ) -> Result<Self::Output, D::Err> {
        x.try_dropout(self.p)
    }
}

impl<const N: usize, S: Shape, E: Dtype, D: Device<E>, T: Tape<E, D>> Module<Tensor<S, E, D, T>>
    for DropoutOneIn<N>
{
    type Output = Tensor<S, E, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<S, E, D, T>) -> Result<Self::Output, D::Err> {
        Ok(x)
    }
}

impl<const N: usize, S: Shape, E: Dtype, D: Device<E>> ModuleMut<Tensor<S, E, D, OwnedTape<E, D>>>
    for DropoutOneIn<N>
{
    type Output = Tensor<S, E, D, OwnedTape<E, D>>;
    type Error = D::Err;

    fn try_forward_mut(
        &mut self,
        x: Tensor<S, E, D, OwnedTape<E, D>>,
    ) -> Result<Self::Output, D::Err> {
        x.try_dropout(1.0 / N as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfdx::prelude::{Backward, Cpu, OnesTensor, Rank1, SumTo, Trace};

    #[test]
    fn evaluation_on_a_tape_is_the_identity_with_gradient_one() {
        let dev = Cpu::default();
        let x: Tensor<Rank1<64>, f32, Cpu> = dev.ones();
        let y = Dropout::default().forward(x.leaky_trace());
        assert_eq!(y.as_vec(), x.as_vec());
        assert_eq!(y.sum().backward().get(&x).as_vec(), vec![1.0; 64]);
        let y = DropoutOneIn::<2>.forward(x.leaky_trace());
        assert_eq!(y.as_vec(), x.as_vec());
        assert_eq!(y.sum().backward().get(&x).as_vec(), vec![1.0; 64]);
    }

    #[test]
    fn one_in_n_drops_a_fraction_of_one_over_n_in_training() {
        let dev = Cpu::default();
        let x: Tensor<Rank1<20000>, f32, Cpu> = dev.ones();
        let y = DropoutOneIn::<4>.forward_mut(x.leaky_trace());
        let values = y.as_vec();
        let dropped = values.iter().filter(|&&v| v == 0.0).count() as f64 / 20000.0;
        assert!((dropped - 0.25).abs() < 0.02, "dropped {dropped}");
        assert!(values
            .iter()
            .all(|&v| v == 0.0 || (v - 4.0 / 3.0).abs() < 1e-6));
        // The gradient is the same mask, scaled.
        let grad = y.sum().backward().get(&x).as_vec();
        assert_eq!(grad, values);
    }

    #[test]
    fn inside_frozen_it_trains_as_the_identity() {
        let dev = Cpu::default();
        let x: Tensor<Rank1<64>, f32, Cpu> = dev.ones();
        let mut frozen = crate::nn::Frozen((Dropout { p: 0.9 }, DropoutOneIn::<2>));
        let y = frozen.forward_mut(x.leaky_trace());
        assert_eq!(y.as_vec(), x.as_vec());
        assert_eq!(y.sum().backward().get(&x).as_vec(), vec![1.0; 64]);
    }
}
