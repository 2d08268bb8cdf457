//! Max and average pooling layers, PyTorch's `nn.MaxPool2d(K, S, P)` and `nn.AvgPool2d(K, S, P)`.

use dfdx::nn::{Module, NonMutableModule, ZeroSizedModule};
use dfdx::shapes::{Const, Dim, Dtype, HasShape};
use dfdx::tensor::{Tape, Tensor};
use dfdx::tensor_ops::ReshapeTo;

use crate::ops::avg_pool2d::{avg_pool2d_checked, AvgPool2dKernel};
use crate::ops::max_pool2d::{max_pool2d_checked, MaxPool2dKernel};
use crate::ops::PoolParams;
use crate::shape::ConvOutDim;

macro_rules! pool_layer {
    ($(#[$doc:meta])* $name:ident, $kernel:ident, $checked:ident) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $name<const K: usize, const S: usize = K, const P: usize = 0>;

        impl<const K: usize, const S: usize, const P: usize> ZeroSizedModule for $name<K, S, P> {}
        impl<const K: usize, const S: usize, const P: usize> NonMutableModule for $name<K, S, P> {}

        impl<const K: usize, const S: usize, const P: usize> $name<K, S, P> {
            pub fn params(&self) -> PoolParams<Const<K>, Const<S>, Const<P>> {
                PoolParams { kernel: Const, stride: Const, padding: Const }
            }
        }

        impl<const K: usize, const S: usize, const P: usize, B: Dim, C: Dim, H, W, E, D, T>
            Module<Tensor<(B, C, H, W), E, D, T>> for $name<K, S, P>
        where
            H: ConvOutDim<Const<K>, Const<S>, Const<P>, Const<1>>,
            W: ConvOutDim<Const<K>, Const<S>, Const<P>, Const<1>>,
            E: Dtype,
            D: $kernel<E>,
            T: Tape<E, D>,
        {
            type Output = Tensor<(B, C, H::Output, W::Output), E, D, T>;
            type Error = D::Err;

            fn try_forward(&self, x: Tensor<(B, C, H, W), E, D, T>) -> Result<Self::Output, D::Err> {
                $checked(x, self.params()).unwrap_or_else(|e| panic!("{e}"))
            }
        }

        /// One image `(C, H, W)`: run as a batch of one.
        impl<const K: usize, const S: usize, const P: usize, C: Dim, H, W, E, D, T>
            Module<Tensor<(C, H, W), E, D, T>> for $name<K, S, P>
        where
            H: ConvOutDim<Const<K>, Const<S>, Const<P>, Const<1>>,
            W: ConvOutDim<Const<K>, Const<S>, Const<P>, Const<1>>,
            E: Dtype,
            D: $kernel<E>,
            T: Tape<E, D>,
        {
            type Output = Tensor<(C, H::Output, W::Output), E, D, T>;
            type Error = D::Err;

            fn try_forward(&self, x: Tensor<(C, H, W), E, D, T>) -> Result<Self::Output, D::Err> {
                let (c, h, w) = *x.shape();
                let batched = self.try_forward(x.try_reshape_like(&(Const::<1>, c, h, w))?)?;
                let (_, c, oh, ow) = *batched.shape();
                batched.try_reshape_like(&(c, oh, ow))
            }
        }
    };
}

pool_layer!(
    /// Max over each `K x K` window, moved by `S` (default `K`), padding `P` (default 0).
    MaxPool2d, MaxPool2dKernel, max_pool2d_checked
);
pool_layer!(
    /// Mean over each `K x K` window, moved by `S` (default `K`), padding `P` (default 0);
    /// padding counts in the mean, as PyTorch's default `count_include_pad=True`.
    AvgPool2d, AvgPool2dKernel, avg_pool2d_checked
);
