//! The convolution layer: PyTorch's `nn.Conv2d` (with bias) as a dfdx module.

use dfdx::nn::{
    BuildModule, BuildOnDevice, Module, ModuleVisitor, NonMutableModule, TensorCollection,
    TensorOptions,
};
use dfdx::shapes::{Const, Dim, Dtype, HasShape, Rank1};
use dfdx::tensor::{Tape, Tensor};
use dfdx::tensor_ops::{Device, ReshapeTo};
use num_traits::Float;
use rand_distr::uniform::SampleUniform;

use crate::ops::conv2d::{conv2d_checked, Conv2dKernel, Conv2dParams};
use crate::shape::{ConvOutDim, PerGroup};

pub mod builder {
    /// `IN -> OUT` channels, a `K x K` kernel, stride `S`, padding `P`, dilation `L`, `G` groups.
    ///
    /// Output size per spatial dim: `(in + 2P - L(K-1) - 1) / S + 1`, computed by the compiler.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Conv2d<
        const IN: usize,
        const OUT: usize,
        const K: usize,
        const S: usize = 1,
        const P: usize = 0,
        const L: usize = 1,
        const G: usize = 1,
    >;
}

/// The input channels one group sees, `IN / G`, as a dim.
pub type GroupIn<const IN: usize, const G: usize> = <Const<IN> as PerGroup<G>>::Output;

/// A built convolution: weight `(OUT, IN/G, K, K)` and bias `(OUT,)`, PyTorch's layout and names.
#[derive(Debug, Clone)]
pub struct Conv2d<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const L: usize,
    const G: usize,
    E: Dtype,
    D: dfdx::tensor::Storage<E>,
> where
    Const<IN>: PerGroup<G>,
{
    pub weight: Tensor<(Const<OUT>, GroupIn<IN, G>, Const<K>, Const<K>), E, D>,
    pub bias: Tensor<Rank1<OUT>, E, D>,
}

impl<
        const IN: usize,
        const OUT: usize,
        const K: usize,
        const S: usize,
        const P: usize,
        const L: usize,
        const G: usize,
        E,
        D,
    > BuildOnDevice<D, E> for builder::Conv2d<IN, OUT, K, S, P, L, G>
where
    E: Dtype,
    D: Device<E>,
    Const<IN>: PerGroup<G>,
    Conv2d<IN, OUT, K, S, P, L, G, E, D>: BuildModule<D, E>,
{
    type Built = Conv2d<IN, OUT, K, S, P, L, G, E, D>;
}

impl<
        const IN: usize,
        const OUT: usize,
        const K: usize,
        const S: usize,
        const P: usize,
        const L: usize,
        const G: usize,
        E,
        D,
    > Conv2d<IN, OUT, K, S, P, L, G, E, D>
where
    E: Dtype,
    D: dfdx::tensor::Storage<E>,
    Const<IN>: PerGroup<G>,
{
    pub fn params(&self) -> Conv2dParams<Const<S>, Const<P>, Const<L>, Const<G>> {
        Conv2dParams {
            stride: Const,
            padding: Const,
            dilation: Const,
            groups: Const,
        }
    }
}

impl<
        const IN: usize,
        const OUT: usize,
        const K: usize,
        const S: usize,
        const P: usize,
        const L: usize,
        const G: usize,
        E,
        D,
    > NonMutableModule for Conv2d<IN, OUT, K, S, P, L, G, E, D>
where
    E: Dtype,
    D: dfdx::tensor::Storage<E>,
    Const<IN>: PerGroup<G>,
{
}

impl<
        const IN: usize,
        const OUT: usize,
        const K: usize,
        const S: usize,
        const P: usize,
        const L: usize,
        const G: usize,
        E,
        D,
    > TensorCollection<E, D> for Conv2d<IN, OUT, K, S, P, L, G, E, D>
where
    E: Dtype + Float + SampleUniform,
    D: Device<E>,
    Const<IN>: PerGroup<G>,
{
    type To<E2: Dtype, D2: Device<E2>> = Conv2d<IN, OUT, K, S, P, L, G, E2, D2>;

    fn iter_tensors<V: ModuleVisitor<Self, E, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        // PyTorch's default: U(-b, b) with b = 1 / sqrt(fan_in), for weight and bias alike.
        visitor.visit_fields(
            (
                Self::tensor(
                    "weight",
                    |s| &s.weight,
                    |s| &mut s.weight,
                    TensorOptions::reset_with(|t| {
                        let b = E::from_f64(1.0 / ((IN / G * K * K) as f64).sqrt()).unwrap();
                        t.try_fill_with_distr(rand_distr::Uniform::new(-b, b))
                    }),
                ),
                Self::tensor(
                    "bias",
                    |s| &s.bias,
                    |s| &mut s.bias,
                    TensorOptions::reset_with(|t| {
                        let b = E::from_f64(1.0 / ((IN / G * K * K) as f64).sqrt()).unwrap();
                        t.try_fill_with_distr(rand_distr::Uniform::new(-b, b))
                    }),
                ),
            ),
            |(weight, bias)| Conv2d { weight, bias },
        )
    }
}

impl<
        const IN: usize,
        const OUT: usize,
        const K: usize,
        const S: usize,
        const P: usize,
        const L: usize,
        const G: usize,
        E,
        D,
        B,
        H,
        W,
        T,
    > Module<Tensor<(B, Const<IN>, H, W), E, D, T>> for Conv2d<IN, OUT, K, S, P, L, G, E, D>
where
    E: Dtype,
    D: Conv2dKernel<E>,
    T: Tape<E, D>,
    B: Dim,
    H: ConvOutDim<Const<K>, Const<S>, Const<P>, Const<L>>,
    W: ConvOutDim<Const<K>, Const<S>, Const<P>, Const<L>>,
    Const<IN>: PerGroup<G>,
{
    type Output = Tensor<(B, Const<OUT>, H::Output, W::Output), E, D, T>;
    type Error = D::Err;

    fn try_forward(
        &self,
        x: Tensor<(B, Const<IN>, H, W), E, D, T>,
    ) -> Result<Self::Output, D::Err> {
        let weight = self.weight.retaped::<T>();
        let bias = self.bias.retaped::<T>();
        conv2d_checked(x, weight, Some(bias), self.params()).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// One image `(IN, H, W)`: run as a batch of one.
impl<
        const IN: usize,
        const OUT: usize,
        const K: usize,
        const S: usize,
        const P: usize,
        const L: usize,
        const G: usize,
        E,
        D,
        H,
        W,
        T,
    > Module<Tensor<(Const<IN>, H, W), E, D, T>> for Conv2d<IN, OUT, K, S, P, L, G, E, D>
where
    E: Dtype,
    D: Conv2dKernel<E>,
    T: Tape<E, D>,
    H: ConvOutDim<Const<K>, Const<S>, Const<P>, Const<L>>,
    W: ConvOutDim<Const<K>, Const<S>, Const<P>, Const<L>>,
    Const<IN>: PerGroup<G>,
{
    type Output = Tensor<(Const<OUT>, H::Output, W::Output), E, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<(Const<IN>, H, W), E, D, T>) -> Result<Self::Output, D::Err> {
        let (c, h, w) = *x.shape();
        let batched = self.try_forward(x.try_reshape_like(&(Const::<1>, c, h, w))?)?;
        let (_, o, oh, ow) = *batched.shape();
        batched.try_reshape_like(&(o, oh, ow))
    }
}
