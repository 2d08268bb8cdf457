//! `C / G`: the input channels each group of a grouped convolution sees.

use dfdx::shapes::Const;
use typenum::generic_const_mappings::{ToUInt, U};
use typenum::{PartialDiv, PartialQuot};

use super::ToConstDim;

/// `Const<C>` split into `G` equal groups: `Output = Const<{C / G}>`. Only exact division
/// resolves (typenum's `PartialDiv`), so channels that groups do not divide fail to compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` channels cannot be split into {G} equal groups",
    note = "a grouped convolution needs in_channels divisible by groups"
)]
pub trait PerGroup<const G: usize> {
    type Output: dfdx::shapes::ConstDim;
}

impl<const C: usize, const G: usize> PerGroup<G> for Const<C>
where
    typenum::Const<C>: ToUInt,
    typenum::Const<G>: ToUInt,
    U<C>: PartialDiv<U<G>>,
    PartialQuot<U<C>, U<G>>: ToConstDim,
{
    type Output = <PartialQuot<U<C>, U<G>> as ToConstDim>::Output;
}
