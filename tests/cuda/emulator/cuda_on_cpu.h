// Just enough of CUDA C to run this project's kernels (lib/src/ops/<op>/<op>.cu) on the CPU, so
// that their index arithmetic is tested where there is no GPU (tests/tests/suite/
// cuda_kernels_on_cpu.rs). Every thread of a block is a real thread, so `__shared__` memory and
// `__syncthreads` behave as on a GPU; blocks run one after another, as a GPU may run them.
// What this cannot show: races between blocks, and anything about the host code's launches
// and cuBLAS calls. The GPU tests (tests/tests/gpu.rs) cover those on a GPU.
#pragma once

#include <algorithm>
#include <barrier>
#include <cstdint>
#include <thread>
#include <vector>

struct EmulatedDim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline thread_local EmulatedDim3 blockIdx, threadIdx, blockDim, gridDim;
inline thread_local std::barrier<>* block_barrier = nullptr;

#define __global__
#define __device__
// One copy per kernel instantiation; blocks run one at a time, so each has it to itself.
#define __shared__ static

inline void __syncthreads() { block_barrier->arrive_and_wait(); }
using std::min;

// A 1-D launch, as the host code configures its kernels.
struct Launch {
    uint32_t grid, block;
};

template <typename Kernel>
void launch(const Launch cfg, Kernel kernel) {
    for (unsigned b = 0; b < cfg.grid; ++b) {
        std::barrier<> barrier(cfg.block);
        std::vector<std::thread> threads;
        threads.reserve(cfg.block);
        for (unsigned t = 0; t < cfg.block; ++t) {
            threads.emplace_back([&, b, t] {
                blockIdx.x = b;
                threadIdx.x = t;
                blockDim.x = cfg.block;
                gridDim.x = cfg.grid;
                block_barrier = &barrier;
                kernel();
            });
        }
        for (auto& thread : threads) thread.join();
    }
}

// `emulated_<kernel>(Launch, kernel's parameters...)`, callable from Rust.
#define EMULATE(KERNEL, PARAMS, ARGS)                                       \
    extern "C" void emulated_##KERNEL(const Launch cfg, PARAMS) {          \
        launch(cfg, [&] { KERNEL(ARGS); });                                 \
    }
#define P(...) __VA_ARGS__
