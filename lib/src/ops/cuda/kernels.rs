//! Compiling an op's CUDA C source with NVRTC, once per device, and launching its kernels.
//!
//! The compiled module is stored in dfdx's `CudaDevice` under the op's name (as dfdx stores its
//! own), so no state lives in this crate and the project's kernels need no `nvcc`.

use std::sync::Arc;

use cudarc::driver::{CudaDevice, CudaFunction, DriverError, LaunchConfig};
use cudarc::nvrtc::{compile_ptx_with_opts, CompileOptions};

/// One op's kernels: a module name, its source and the `extern "C"` functions it defines.
pub(crate) struct KernelSource {
    pub module: &'static str,
    pub source: &'static str,
    pub functions: &'static [&'static str],
}

impl KernelSource {
    /// The kernel `name` on `dev`, compiling and loading the module the first time.
    ///
    /// A compile error is a bug in this crate's kernel source (CI compiles every source with
    /// `tests/cuda/nvrtc_compile.py`), so it panics with NVRTC's log rather than pass on a
    /// driver error that would hide it.
    pub fn function(&self, dev: &Arc<CudaDevice>, name: &str) -> Result<CudaFunction, DriverError> {
        if !dev.has_func(self.module, name) {
            let ptx = compile_ptx_with_opts(self.source, CompileOptions::default())
                .unwrap_or_else(|e| panic!("NVRTC rejected the `{}` kernels: {e}", self.module));
            dev.load_ptx(ptx, self.module, self.functions)?;
        }
        Ok(dev.get_func(self.module, name).unwrap_or_else(|| {
            panic!(
                "kernel `{name}` is not among the `{}` functions",
                self.module
            )
        }))
    }
}

/// Threads per block of the elementwise-style kernels (each thread one output, grid-stride).
const BLOCK: u32 = 256;

/// A 1-D launch covering `n` items, grid-stride beyond the grid's limit.
pub(crate) fn launch_for(n: usize) -> LaunchConfig {
    let blocks = n.div_ceil(BLOCK as usize).clamp(1, 1 << 20) as u32;
    LaunchConfig {
        grid_dim: (blocks, 1, 1),
        block_dim: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}
