//! The output-size formula of convolution and pooling, as a type-level function.

use core::ops::{Add, Div, Mul, Sub};

use dfdx::shapes::{Const, Dim};
use typenum::generic_const_mappings::{ToUInt, U};
use typenum::{Add1, Diff, Prod, Quot, Sub1, Sum, B1};

use super::ToConstDim;

/// `out = (in + 2P - D(K-1) - 1) / S + 1` for any dimension: `None` when the (dilated) kernel
/// does not fit in the padded input or the stride is zero.
pub fn conv_output_size(
    input: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> Option<usize> {
    let span = dilation
        .checked_mul(kernel.checked_sub(1)?)?
        .checked_add(1)?;
    let padded = input.checked_add(padding.checked_mul(2)?)?;
    let room = padded.checked_sub(span)?;
    room.checked_div(stride).map(|q| q + 1)
}

/// The formula on typenum numbers: `Self` is the input size, the result is `Output`.
/// Fails to resolve (a compile error) when the kernel does not fit: typenum cannot subtract
/// below zero, nor divide by a zero stride.
pub trait ConvOutUInt<K, S, P, D> {
    type Output;
}

type Padded<N, P> = Sum<Sum<N, P>, P>;
type Span<K, D> = Add1<Prod<D, Sub1<K>>>;

impl<N, K, S, P, D> ConvOutUInt<K, S, P, D> for N
where
    N: Add<P>,
    Sum<N, P>: Add<P>,
    K: Sub<B1>,
    D: Mul<Sub1<K>>,
    Prod<D, Sub1<K>>: Add<B1>,
    Padded<N, P>: Sub<Span<K, D>>,
    Diff<Padded<N, P>, Span<K, D>>: Div<S>,
    Quot<Diff<Padded<N, P>, Span<K, D>>, S>: Add<B1>,
{
    type Output = Add1<Quot<Diff<Padded<N, P>, Span<K, D>>, S>>;
}

/// The output dimension of a convolution or pooling window over the dimension `Self`, with
/// kernel `K`, stride `S`, padding `P` and dilation `D` (each a dfdx `Dim`).
///
/// `Const` in, `Const` out: computed by the compiler. `usize` in: `usize` out, computed at run
/// time by [`conv_output_size`].
#[diagnostic::on_unimplemented(
    message = "cannot compute the output size of a window over `{Self}` at compile time",
    note = "with `Const` dims every input size, kernel, stride, padding and dilation must be \
            `Const` and the kernel must fit; otherwise use `usize` dims"
)]
pub trait ConvOutDim<K: Dim, S: Dim, P: Dim, D: Dim>: Dim {
    type Output: Dim;
}

type OutUInt<const N: usize, const K: usize, const S: usize, const P: usize, const D: usize> =
    <U<N> as ConvOutUInt<U<K>, U<S>, U<P>, U<D>>>::Output;

impl<const N: usize, const K: usize, const S: usize, const P: usize, const D: usize>
    ConvOutDim<Const<K>, Const<S>, Const<P>, Const<D>> for Const<N>
where
    typenum::Const<N>: ToUInt,
    typenum::Const<K>: ToUInt,
    typenum::Const<S>: ToUInt,
    typenum::Const<P>: ToUInt,
    typenum::Const<D>: ToUInt,
    U<N>: ConvOutUInt<U<K>, U<S>, U<P>, U<D>>,
    OutUInt<N, K, S, P, D>: ToConstDim,
{
    type Output = <OutUInt<N, K, S, P, D> as ToConstDim>::Output;
}

impl<K: Dim, S: Dim, P: Dim, D: Dim> ConvOutDim<K, S, P, D> for usize {
    type Output = usize;
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfdx::shapes::ConstDim;

    fn out<N: ConvOutDim<K, S, P, D>, K: Dim, S: Dim, P: Dim, D: Dim>() -> usize
    where
        N::Output: ConstDim,
    {
        <N::Output as ConstDim>::SIZE
    }

    #[test]
    fn type_level_formula_matches_runtime_formula() {
        assert_eq!(
            out::<Const<32>, Const<3>, Const<1>, Const<1>, Const<1>>(),
            32
        );
        assert_eq!(
            out::<Const<32>, Const<2>, Const<2>, Const<0>, Const<1>>(),
            16
        );
        assert_eq!(
            out::<Const<224>, Const<7>, Const<2>, Const<3>, Const<1>>(),
            112
        );
        assert_eq!(out::<Const<5>, Const<3>, Const<1>, Const<0>, Const<2>>(), 1);
        assert_eq!(
            out::<Const<512>, Const<1>, Const<1>, Const<3>, Const<1>>(),
            518
        );
        assert_eq!(conv_output_size(224, 7, 2, 3, 1), Some(112));
        assert_eq!(conv_output_size(5, 3, 1, 0, 2), Some(1));
    }

    #[test]
    fn runtime_formula_rejects_kernels_that_do_not_fit() {
        assert_eq!(conv_output_size(4, 5, 1, 0, 1), None);
        assert_eq!(conv_output_size(4, 3, 1, 0, 2), None);
        assert_eq!(conv_output_size(4, 3, 0, 0, 1), None);
        assert_eq!(conv_output_size(4, 0, 1, 0, 1), None);
    }

    /// Every (size, K, S, P, D) the issue promises: sizes up to 512, conv K 1..7, S 1..4,
    /// P 0..3, D 1..2, checked against the runtime formula for a spread of sizes.
    #[test]
    fn the_promised_parameter_grid_resolves() {
        macro_rules! check {
            ($n:literal; $($k:literal),*; $($s:literal),*) => {{
                check!(@k $n; [$($k),*]; [$($s),*]);
            }};
            (@k $n:literal; [$($k:literal),*]; $ss:tt) => {{ $( check!(@s $n, $k; $ss); )* }};
            (@s $n:literal, $k:literal; [$($s:literal),*]) => {{ $( check!(@p $n, $k, $s); )* }};
            (@p $n:literal, $k:literal, $s:literal) => {{
                check!(@one $n, $k, $s, 0, 1); check!(@one $n, $k, $s, 1, 1);
                check!(@one $n, $k, $s, 2, 1); check!(@one $n, $k, $s, 3, 1);
                check!(@one $n, $k, $s, 0, 2); check!(@one $n, $k, $s, 1, 2);
                check!(@one $n, $k, $s, 2, 2); check!(@one $n, $k, $s, 3, 2);
            }};
            (@one $n:literal, $k:literal, $s:literal, $p:literal, $d:literal) => {{
                assert_eq!(
                    out::<Const<$n>, Const<$k>, Const<$s>, Const<$p>, Const<$d>>(),
                    conv_output_size($n, $k, $s, $p, $d).unwrap()
                );
            }};
        }
        check!(13; 1, 2, 3, 4, 5, 6, 7; 1, 2, 3, 4);
        check!(512; 1, 2, 3, 4, 5, 6, 7; 1, 2, 3, 4);
    }
}
