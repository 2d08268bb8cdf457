//! The project's cross-crate tests, one module per subject, built as one test binary: each
//! integration-test file would otherwise be its own binary that links (and monomorphises)
//! mapping, dfdx and gemm again. `cargo test -p mapping-tests --test suite <module>::` runs one
//! subject. The GPU tests stay a binary of their own (`--test gpu`, feature `cuda`).

mod attention_weights;
mod compile_fail;
mod course_data;
mod cuda_kernels_on_cpu;
mod data_formats;
mod determinism;
mod download;
mod ensemble_transfer;
mod fit;
mod gradcheck;
mod hand_cases;
mod learning;
mod loader;
mod metrics;
mod models;
mod optim;
mod pytorch_ops;
mod real_data;
mod shards;
mod tensorboard;
mod torchvision_transforms;
mod training;
mod transforms;
mod views;
mod viz;
