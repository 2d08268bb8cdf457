//! The allocator of programs that train: mimalloc, told to keep the memory it frees.
//!
//! A training step allocates and frees activations of tens of MB. By default mimalloc hands
//! freed memory back to the OS after a delay, and a later step faults it in again, zeroing each
//! page: on the seed CNN that was 8% of a step's time. Keeping it made training 13% faster
//! (median of 5 alternating runs, README "Performance"). The price is that the process holds
//! on to its peak memory, as the notebook kernel's glibc settings also do.
//!
//! ```no_run
//! #[global_allocator]
//! static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
//!
//! fn main() {
//!     mapping::alloc::keep_freed_memory();
//!     // ... train
//! }
//! ```

use libmimalloc_sys::{mi_option_set, mi_option_t};

/// mimalloc's `mi_option_purge_delay` (its `mimalloc.h`, v2 and v3), which the Rust bindings
/// leave unnamed: milliseconds before freed memory goes back to the OS, -1 for never.
const PURGE_DELAY: mi_option_t = 15;

/// Makes mimalloc keep the memory it frees for the life of the process, unless the user chose
/// a delay (`MIMALLOC_PURGE_DELAY`). Call it first thing in `main`; it only matters when
/// mimalloc is the global allocator.
pub fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: mimalloc's option setter takes any option index and value; it writes one entry
    // of its option table and allocates nothing.
    unsafe { mi_option_set(PURGE_DELAY, -1) };
}
