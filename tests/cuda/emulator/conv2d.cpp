#include "cuda_on_cpu.h"
#include "../../../lib/src/ops/conv2d/conv2d.cu"

#define CONV2D(T, S)                                                                         \
    EMULATE(im2col_##S, P(const Geometry g, const T* x, T* cols), P(g, x, cols))             \
    EMULATE(col2im_##S, P(const Geometry g, const T* cols, T* grad_x), P(g, cols, grad_x))   \
    EMULATE(scatter_output_##S,                                                              \
            P(const Geometry g, const T* out_t, const T* bias, int has_bias, T* out),        \
            P(g, out_t, bias, has_bias, out))                                                \
    EMULATE(gather_grad_out_##S, P(const Geometry g, const T* grad_out, T* grad_out_t),      \
            P(g, grad_out, grad_out_t))                                                      \
    EMULATE(bias_grad_##S, P(const Geometry g, const T* grad_out, T* grad_bias),             \
            P(g, grad_out, grad_bias))

CONV2D(float, f32)
CONV2D(double, f64)
