#include "cuda_on_cpu.h"
#include "../../../lib/src/ops/avg_pool2d/avg_pool2d.cu"

#define AVG_POOL2D(T, S)                                                                     \
    EMULATE(avg_pool2d_forward_##S, P(const Window w, const T* x, T* out), P(w, x, out))     \
    EMULATE(avg_pool2d_backward_##S, P(const Window w, const T* grad_out, T* grad_x),        \
            P(w, grad_out, grad_x))

AVG_POOL2D(float, f32)
AVG_POOL2D(double, f64)
