//! Borrowing several gradient buffers at once inside a backward op.
//!
//! dfdx's public `Gradients` hands out one `&mut` at a time. A conv backward writes the input,
//! weight and bias gradients while it reads the output gradient, so this takes all the buffers
//! together, as dfdx's own (crate-private) `muts_and_ref` does.

use dfdx::shapes::Dtype;
use dfdx::tensor::{Gradients, Storage};

/// Allocates (if needed) every gradient in `ids`, then returns them all mutably.
///
/// `fetch(grads, i)` returns a pointer to the `i`-th tensor's buffer, allocating it if needed
/// (`get_or_alloc_mut`). Panics if two of the tensors are the same tensor: that is a bug of the op.
pub(crate) fn many_mut<E: Dtype, D: Storage<E>, const N: usize>(
    grads: &mut Gradients<E, D>,
    mut fetch: impl FnMut(&mut Gradients<E, D>, usize) -> Result<*mut D::Vec, D::Err>,
) -> Result<[&mut D::Vec; N], D::Err> {
    // First pass: allocate every buffer. Inserting into the map may move earlier entries, so
    // pointers are only taken in the second pass, when no insertion happens any more.
    for i in 0..N {
        fetch(grads, i)?;
    }
    let mut ptrs = [core::ptr::null_mut(); N];
    for (i, ptr) in ptrs.iter_mut().enumerate() {
        *ptr = fetch(grads, i)?;
    }
    for i in 0..N {
        for j in (i + 1)..N {
            assert_ne!(ptrs[i], ptrs[j], "a backward op got the same tensor twice");
        }
    }
    // SAFETY: the pointers are distinct (checked above), so the pointers address distinct map entries; the map is
    // not modified while the returned borrows (tied to `grads`) live.
    Ok(ptrs.map(|p| unsafe { &mut *p }))
}

/// The gradient buffers of the given tensors (ghosts or tensors), in order, all at once:
/// `let [grad_x, grad_out] = grads_of!(grads, &x_ghost, &out_ghost)?;`
macro_rules! grads_of {
    ($grads:expr, $($tensor:expr),+ $(,)?) => {
        $crate::ops::grads::many_mut($grads, |grads, i| {
            let mut k = 0usize;
            $(
                if i == k {
                    return Ok(grads.get_or_alloc_mut($tensor)? as *mut _);
                }
                k += 1;
            )+
            unreachable!("grads_of! asked for gradient {i} of {k}")
        })
    };
}
pub(crate) use grads_of;
