//! typenum number -> dfdx `Const<N>`: the way back from type-level arithmetic.

/// Maps a typenum unsigned integer to the dfdx dimension `Const<N>` of the same value.
///
/// Implemented by a generated table (see `build.rs`): every number up to 2048 and the
/// flattened sizes `channels * side * side` that networks meet before a `Flatten`.
#[diagnostic::on_unimplemented(
    message = "the size `{Self}` has no compile-time dimension in mapping's table",
    label = "this shape is computed at compile time",
    note = "sizes up to 2048 and `channels * side * side` products are tabled; \
            use `usize` dims for this tensor, or `realize::<Const<N>>()` after a runtime op"
)]
pub trait ToConstDim {
    /// The dfdx dimension with the same value.
    type Output: dfdx::shapes::ConstDim;
}

include!(concat!(env!("OUT_DIR"), "/const_dim_table.rs"));

#[cfg(test)]
mod tests {
    use super::ToConstDim;
    use dfdx::shapes::{Const, Dim};

    fn value<T: ToConstDim>() -> usize {
        <T::Output as dfdx::shapes::ConstDim>::SIZE
    }

    #[test]
    fn table_round_trips_typenum_values() {
        assert_eq!(value::<typenum::U0>(), 0);
        assert_eq!(value::<typenum::U7>(), 7);
        assert_eq!(value::<typenum::U1024>(), 1024);
        assert_eq!(value::<typenum::U2048>(), 2048);
        // 64 * 8 * 8, the seed CNN's flatten size, and 128 * 26 * 26 of the 224x224 network.
        assert_eq!(value::<typenum::U4096>(), 4096);
        assert_eq!(
            value::<typenum::Prod<typenum::Prod<typenum::U128, typenum::U26>, typenum::U26>>(),
            86_528
        );
        assert_eq!(Const::<4096>.size(), 4096);
    }
}
