//! What every CUDA kernel of this crate shares (feature `cuda`).
//!
//! The ops run on dfdx's own `Cuda` device: its `CudaDevice`, its stream and its memory, so they
//! interleave with dfdx's kernels in order and need no synchronisation of their own.
//! - [`bridge`] moves values between dfdx tensors and buffers the kernels can address;
//! - [`kernels`] compiles each op's CUDA C source once per device with NVRTC;
//! - [`blas`] runs row-major matrix products through cuBLAS.

pub(crate) mod blas;
pub(crate) mod bridge;
pub(crate) mod kernels;
pub(crate) mod pool_window;

use cudarc::cublas::{result::CublasError, CudaBlas, Gemm, GemmConfig};
use cudarc::driver::{CudaSlice, DevicePtr, DevicePtrMut, DeviceRepr, ValidAsZeroBits};
use dfdx::shapes::Dtype;

use bridge::DeviceBuffer;

/// `f32` or `f64`: the element types the CUDA kernels are compiled for.
pub trait CudaFloat: Dtype + DeviceRepr + ValidAsZeroBits + Unpin + Send + Sync + 'static {
    /// The suffix of the kernels' names for this type (`im2col_f32`, ...).
    const SUFFIX: &'static str;

    /// cuBLAS's column-major `gemm` for this type.
    ///
    /// # Safety
    /// The buffers must hold the matrices `cfg` describes.
    unsafe fn gemm<A: DevicePtr<Self>, B: DevicePtr<Self>, C: DevicePtrMut<Self>>(
        blas: &CudaBlas,
        cfg: GemmConfig<Self>,
        a: &A,
        b: &B,
        c: &mut C,
    ) -> Result<(), CublasError>;

    /// dfdx's GPU buffer as the `CudaSlice` it wraps, for kernels and cuBLAS. (dfdx names the
    /// buffer's type only through `Storage`, which generic code bound by `Device` cannot see
    /// through; these impls, for one concrete type each, can.)
    fn cuda_slice(buffer: &DeviceBuffer<Self>) -> &CudaSlice<Self>;
    fn cuda_slice_mut(buffer: &mut DeviceBuffer<Self>) -> &mut CudaSlice<Self>;
}

macro_rules! cuda_float {
    ($t:ty, $suffix:literal) => {
        impl CudaFloat for $t {
            const SUFFIX: &'static str = $suffix;

            unsafe fn gemm<A: DevicePtr<Self>, B: DevicePtr<Self>, C: DevicePtrMut<Self>>(
                blas: &CudaBlas,
                cfg: GemmConfig<Self>,
                a: &A,
                b: &B,
                c: &mut C,
            ) -> Result<(), CublasError> {
                Gemm::<$t>::gemm(blas, cfg, a, b, c)
            }

            fn cuda_slice(buffer: &DeviceBuffer<Self>) -> &CudaSlice<Self> {
                buffer
            }

            fn cuda_slice_mut(buffer: &mut DeviceBuffer<Self>) -> &mut CudaSlice<Self> {
                buffer
            }
        }
    };
}

cuda_float!(f32, "f32");
cuda_float!(f64, "f64");
