//! Row-major matrix products through cuBLAS, on dfdx's device and stream.
//!
//! dfdx keeps its own cuBLAS handle private, so this module makes one per CUDA device. A handle
//! is bound to the device's default stream, the one dfdx launches on, so products run in order
//! with dfdx's kernels. Making a handle costs milliseconds, so handles are kept in a small table
//! keyed by device. The table is a static, yet safe under evcxr, which gives every cell its own
//! copy of the crate's statics: a copy only ever holds handles it made itself for the device it
//! was given, so another cell's copy costs one more handle, never a wrong result.

use std::ffi::c_int;
use std::sync::{Arc, Mutex};

use cudarc::cublas::result::CublasError;
use cudarc::cublas::sys::{cublasOperation_t, cublasStatus_t};
use cudarc::cublas::{CudaBlas, GemmConfig};
use cudarc::driver::{CudaDevice, DevicePtr, DevicePtrMut};

use super::CudaFloat;

/// One handle per device still in use. Each entry holds its device twice (key and handle).
type HandleTable = Vec<(Arc<CudaDevice>, Arc<CudaBlas>)>;
static HANDLES: Mutex<HandleTable> = Mutex::new(Vec::new());

/// The cuBLAS handle of `dev`, made on first use.
pub(crate) fn blas_for(dev: &Arc<CudaDevice>) -> Result<Arc<CudaBlas>, CublasError> {
    let mut handles = HANDLES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // A device that only this table still holds has no users left: free its handle.
    handles.retain(|(device, _)| Arc::strong_count(device) > 2);
    if let Some((_, blas)) = handles.iter().find(|(device, _)| Arc::ptr_eq(device, dev)) {
        return Ok(blas.clone());
    }
    let blas = Arc::new(CudaBlas::new(dev.clone())?);
    handles.push((dev.clone(), blas.clone()));
    Ok(blas)
}

/// A row-major matrix operand: its buffer and whether the product reads it transposed.
pub(crate) struct Operand<'a, P> {
    pub data: &'a P,
    pub transposed: bool,
}

impl<'a, P> Operand<'a, P> {
    pub fn plain(data: &'a P) -> Self {
        Self {
            data,
            transposed: false,
        }
    }
    pub fn transposed(data: &'a P) -> Self {
        Self {
            data,
            transposed: true,
        }
    }
}

/// `c = op(a) * op(b) + beta * c`, all row-major: `op(a)` is `m x k`, `op(b)` is `k x n`, `c`
/// is `m x n`.
///
/// cuBLAS is column-major, and a row-major matrix read column-major is its transpose, so this
/// asks cuBLAS for `c^T = op(b)^T * op(a)^T`, which needs no copy.
///
/// # Safety
/// The buffers must hold at least the elements the shapes describe, on `blas`'s device.
pub(crate) unsafe fn matmul<E, A, B, C>(
    blas: &CudaBlas,
    (m, n, k): (usize, usize, usize),
    a: Operand<'_, A>,
    b: Operand<'_, B>,
    beta: E,
    c: &mut C,
) -> Result<(), CublasError>
where
    E: CudaFloat,
    A: DevicePtr<E>,
    B: DevicePtr<E>,
    C: DevicePtrMut<E>,
{
    if m == 0 || n == 0 {
        return Ok(());
    }
    let int = |v: usize| {
        c_int::try_from(v).map_err(|_| CublasError(cublasStatus_t::CUBLAS_STATUS_INVALID_VALUE))
    };
    let op = |transposed: bool| {
        if transposed {
            cublasOperation_t::CUBLAS_OP_T
        } else {
            cublasOperation_t::CUBLAS_OP_N
        }
    };
    let cfg = GemmConfig {
        transa: op(b.transposed),
        transb: op(a.transposed),
        m: int(n)?,
        n: int(m)?,
        k: int(k)?,
        alpha: E::ONE,
        // cuBLAS wants every leading dimension to be at least 1, also for an empty `k`.
        lda: int(if b.transposed { k } else { n }.max(1))?,
        ldb: int(if a.transposed { m } else { k }.max(1))?,
        beta,
        ldc: int(n)?,
    };
    E::gemm(blas, cfg, b.data, a.data, c)
}
