//! `--device`: where the CLI computes. The same training code runs on either; only the type of
//! the device differs, as in the notebooks' `AutoDevice`.

use dfdx::nn::DeviceBuildExt;
use dfdx::tensor::Cpu;
use mapping::ops::{AvgPool2dKernel, BatchNorm2dKernel, Conv2dKernel, MaxPool2dKernel, ReluKernel};
use mapping::Result;

/// `--device` values, PyTorch's `"cuda" if torch.cuda.is_available() else "cpu"` as `auto`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeviceChoice {
    /// The GPU when this binary was built with `--features cuda` and one opens, else the CPU.
    #[default]
    Auto,
    Cpu,
    Cuda,
}

/// A device the CLI opens: every kernel the zoo's layers use.
pub trait CliDevice:
    DeviceBuildExt
    + Conv2dKernel<f32>
    + MaxPool2dKernel<f32>
    + AvgPool2dKernel<f32>
    + BatchNorm2dKernel<f32>
    + ReluKernel<f32>
{
    /// The name `--device` takes.
    const NAME: &'static str;
    /// The device, its random generator seeded (initial weights, dropout).
    fn open(seed: u64) -> Result<Self>;
}

impl CliDevice for Cpu {
    const NAME: &'static str = "cpu";

    fn open(seed: u64) -> Result<Self> {
        Ok(Cpu::seed_from_u64(seed))
    }
}

#[cfg(feature = "cuda")]
impl CliDevice for dfdx::tensor::Cuda {
    const NAME: &'static str = "cuda";

    fn open(seed: u64) -> Result<Self> {
        mapping::gpu::try_cuda(0, seed)
    }
}

/// Work that needs a device of some type `D`.
pub trait DeviceJob {
    type Output;
    fn run<D: CliDevice>(self, dev: D) -> Result<Self::Output>;
}

/// Opens the chosen device (seeded with `seed`) and runs `job` on it.
pub fn with_device<J: DeviceJob>(choice: DeviceChoice, seed: u64, job: J) -> Result<J::Output> {
    match choice {
        DeviceChoice::Cpu => job.run(Cpu::open(seed)?),
        DeviceChoice::Cuda => with_cuda(seed, job),
        DeviceChoice::Auto => auto(seed, job),
    }
}

#[cfg(feature = "cuda")]
fn with_cuda<J: DeviceJob>(seed: u64, job: J) -> Result<J::Output> {
    job.run(dfdx::tensor::Cuda::open(seed)?)
}

#[cfg(not(feature = "cuda"))]
fn with_cuda<J: DeviceJob>(_seed: u64, _job: J) -> Result<J::Output> {
    let how = "this `mapping` was built without CUDA; for --device cuda, build it with \
               `cargo build --release -p mapping --features cuda` (needs nvcc)";
    Err(mapping::Error::Config {
        what: "device",
        message: how.into(),
    })
}

#[cfg(feature = "cuda")]
fn auto<J: DeviceJob>(seed: u64, job: J) -> Result<J::Output> {
    match dfdx::tensor::Cuda::open(seed) {
        Ok(dev) => job.run(dev),
        Err(e) => {
            eprintln!("{e}; computing on the CPU");
            job.run(Cpu::open(seed)?)
        }
    }
}

#[cfg(not(feature = "cuda"))]
fn auto<J: DeviceJob>(seed: u64, job: J) -> Result<J::Output> {
    job.run(Cpu::open(seed)?)
}
