//! Support for notebooks run by the course kernel (`mapping-kernel`).
//!
//! - [`CellIdFence`] keeps dfdx's tensor ids unique across cells, so a model built in one cell
//!   trains in another (each cell is its own shared library with its own id counter).
//! - [`display`] sends rich output: several displays per cell and displays updated in place
//!   ([`DisplayHandle`]), which plain evcxr cannot do; outside the kernel it falls back to
//!   evcxr's protocol.
//! - [`LiveCurves`] redraws training curves in place after every epoch.

mod display;
mod live;
mod tensor_ids;

pub use display::{display, display_mime, DisplayHandle, DISPLAY_LINE_PREFIX, KERNEL_DISPLAY_ENV};
pub use live::LiveCurves;
pub use tensor_ids::{advance_tensor_ids, next_tensor_id, CellIdFence};
