//! Opening the GPU with an error instead of a panic.
//!
//! cudarc 0.9 (under dfdx 0.13) unwraps the driver's start-up errors, so `Cuda::try_build` and
//! `AutoDevice::default()` panic on a machine whose driver sees no GPU. Asking the driver first
//! turns that into an error a program can report, or answer by using the CPU.

use cudarc::driver::result;
use dfdx::tensor::Cuda;

use crate::error::{Error, Result};

/// dfdx's `Cuda` device on GPU `ordinal`, its random generator seeded with `seed`; an error
/// that says why where there is no such GPU.
pub fn try_cuda(ordinal: usize, seed: u64) -> Result<Cuda> {
    result::init()
        .map_err(|e| Error::Device(format!("no CUDA device: the driver did not start ({e})")))?;
    let count = result::device::get_count().map_err(|e| {
        Error::Device(format!(
            "no CUDA device: the driver cannot count its GPUs ({e})"
        ))
    })?;
    if ordinal >= count.max(0) as usize {
        return Err(Error::Device(format!(
            "no CUDA device {ordinal}: the driver sees {count} GPU(s)"
        )));
    }
    Cuda::try_build(ordinal, seed).map_err(Error::device)
}
