//! Compiles the project's CUDA kernels as C++ for the CPU (tests/cuda/emulator), so the suite
//! tests their index arithmetic on machines without a GPU (suite/cuda_kernels_on_cpu.rs).

fn main() {
    let emulator = "cuda/emulator";
    let kernels = ["conv2d", "max_pool2d", "avg_pool2d"];
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .std("c++20")
        .include(emulator)
        .warnings_into_errors(true);
    for kernel in kernels {
        build.file(format!("{emulator}/{kernel}.cpp"));
        println!("cargo:rerun-if-changed=../lib/src/ops/{kernel}/{kernel}.cu");
    }
    println!("cargo:rerun-if-changed={emulator}");
    build.compile("cuda_kernels_on_cpu");
}
