// The kernel's prelude: evcxr runs it as the first cell of every session (the notebook kernel
// and the REPL), and tests/notebooks/check_on_cuda.py puts it before each chapter's code.
// `__mapping_ids` must stay the last binding: the kernel checks that it exists to know the
// prelude ran to its end (a GPU kernel without a GPU panics in `AutoDevice::default()`).
use mapping::prelude::*;
let dev = AutoDevice::default();
let mut __mapping_ids = mapping::notebook::CellIdFence::new();
