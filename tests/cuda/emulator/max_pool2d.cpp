#include "cuda_on_cpu.h"
#include "../../../lib/src/ops/max_pool2d/max_pool2d.cu"

#define MAX_POOL2D(T, S)                                                                     \
    EMULATE(max_pool2d_forward_##S, P(const Window w, const T* x, T* out, long long* argmax), \
            P(w, x, out, argmax))                                                            \
    EMULATE(max_pool2d_backward_##S,                                                         \
            P(const Window w, const long long* argmax, const T* grad_out, T* grad_x),        \
            P(w, argmax, grad_out, grad_x))

MAX_POOL2D(float, f32)
MAX_POOL2D(double, f64)
