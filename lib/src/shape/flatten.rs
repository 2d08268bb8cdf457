//! The flattened size `C * H * W` as a type-level function.

use core::ops::Mul;

use dfdx::shapes::{Const, Dim};
use typenum::generic_const_mappings::{ToUInt, U};
use typenum::Prod;

use super::ToConstDim;

/// The dimension of `C * H * W` for the dims `(C, H, W)`: `Const` when all three are `Const`
/// (and the product is in the table), otherwise `usize`.
pub trait FlattenDims {
    type Output: Dim;
    /// The runtime value of the product.
    fn flattened(&self) -> usize;
}

type Product<const C: usize, const H: usize, const W: usize> = Prod<Prod<U<C>, U<H>>, U<W>>;

impl<const C: usize, const H: usize, const W: usize> FlattenDims for (Const<C>, Const<H>, Const<W>)
where
    typenum::Const<C>: ToUInt,
    typenum::Const<H>: ToUInt,
    typenum::Const<W>: ToUInt,
    U<C>: Mul<U<H>>,
    Prod<U<C>, U<H>>: Mul<U<W>>,
    Product<C, H, W>: ToConstDim,
{
    type Output = <Product<C, H, W> as ToConstDim>::Output;
    fn flattened(&self) -> usize {
        C * H * W
    }
}

impl<H: Dim, W: Dim> FlattenDims for (usize, H, W) {
    type Output = usize;
    fn flattened(&self) -> usize {
        self.0 * self.1.size() * self.2.size()
    }
}

impl<const C: usize, W: Dim> FlattenDims for (Const<C>, usize, W) {
    type Output = usize;
    fn flattened(&self) -> usize {
        C * self.1 * self.2.size()
    }
}

impl<const C: usize, const H: usize> FlattenDims for (Const<C>, Const<H>, usize) {
    type Output = usize;
    fn flattened(&self) -> usize {
        C * H * self.2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfdx::shapes::ConstDim;

    fn flat<T: FlattenDims>() -> usize
    where
        T::Output: ConstDim,
    {
        <T::Output as ConstDim>::SIZE
    }

    #[test]
    fn products_of_the_seed_networks() {
        assert_eq!(flat::<(Const<64>, Const<8>, Const<8>)>(), 4096);
        assert_eq!(flat::<(Const<64>, Const<6>, Const<6>)>(), 2304);
        assert_eq!(flat::<(Const<64>, Const<14>, Const<14>)>(), 12_544);
        assert_eq!(flat::<(Const<128>, Const<26>, Const<26>)>(), 86_528);
        assert_eq!(flat::<(Const<1>, Const<28>, Const<28>)>(), 784);
        assert_eq!((7usize, Const::<3>, 2usize).flattened(), 42);
    }
}
