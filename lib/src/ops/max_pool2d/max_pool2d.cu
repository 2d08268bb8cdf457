// Max pooling on the GPU: one thread per output in the forward pass, one per input pixel in
// the backward pass (a gather over the windows that hold it: no atomics, same result each run).

struct Window {
    long long planes, in_h, in_w, kernel, stride, padding, out_h, out_w;
};

#define GRID_STRIDE(i, total)                                                   \
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;        \
         i < (total); i += (long long)gridDim.x * blockDim.x)

// The first maximum of each window and where it is in its plane; a NaN wins (the first one),
// so it propagates, as in PyTorch and the CPU kernel. Padding never wins.
template <typename T>
__device__ void forward(const Window w, const T* x, T* out, long long* argmax) {
    const long long out_plane = w.out_h * w.out_w;
    GRID_STRIDE(i, w.planes * out_plane) {
        const long long ow = i % w.out_w, oh = (i / w.out_w) % w.out_h, p = i / out_plane;
        const T* src = x + p * w.in_h * w.in_w;
        T best = 0;
        long long best_at = -1, nan_at = -1;
        for (long long ki = 0; ki < w.kernel; ++ki) {
            const long long ih = oh * w.stride - w.padding + ki;
            if (ih < 0 || ih >= w.in_h) continue;
            for (long long kj = 0; kj < w.kernel; ++kj) {
                const long long iw = ow * w.stride - w.padding + kj;
                if (iw < 0 || iw >= w.in_w) continue;
                const long long at = ih * w.in_w + iw;
                const T v = src[at];
                if (v != v) {
                    if (nan_at < 0) nan_at = at;
                } else if (best_at < 0 || v > best) {
                    best = v;
                    best_at = at;
                }
            }
        }
        if (nan_at >= 0) best_at = nan_at;
        out[i] = src[best_at];
        argmax[i] = best_at;
    }
}

// Each input pixel adds the gradients of the outputs whose maximum it was.
template <typename T>
__device__ void backward(const Window w, const long long* argmax, const T* grad_out, T* grad_x) {
    const long long in_plane = w.in_h * w.in_w, out_plane = w.out_h * w.out_w;
    GRID_STRIDE(i, w.planes * in_plane) {
        const long long at = i % in_plane, p = i / in_plane;
        const long long ih = at / w.in_w, iw = at % w.in_w;
        // Windows holding row ih: oh * stride - padding <= ih <= oh * stride - padding + kernel - 1.
        const long long h_lo = ih + w.padding - (w.kernel - 1), w_lo = iw + w.padding - (w.kernel - 1);
        const long long oh_lo = h_lo > 0 ? (h_lo + w.stride - 1) / w.stride : 0;
        const long long ow_lo = w_lo > 0 ? (w_lo + w.stride - 1) / w.stride : 0;
        const long long oh_hi = min((ih + w.padding) / w.stride, w.out_h - 1);
        const long long ow_hi = min((iw + w.padding) / w.stride, w.out_w - 1);
        T sum = 0;
        for (long long oh = oh_lo; oh <= oh_hi; ++oh) {
            for (long long ow = ow_lo; ow <= ow_hi; ++ow) {
                const long long o = p * out_plane + oh * w.out_w + ow;
                if (argmax[o] == at) sum += grad_out[o];
            }
        }
        grad_x[i] += sum;
    }
}

#define MAX_POOL2D_KERNELS(T, SUFFIX)                                                   \
    extern "C" __global__ void max_pool2d_forward_##SUFFIX(const Window w, const T* x,   \
                                                           T* out, long long* argmax) {        \
        forward<T>(w, x, out, argmax);                                                  \
    }                                                                                   \
    extern "C" __global__ void max_pool2d_backward_##SUFFIX(                             \
        const Window w, const long long* argmax, const T* grad_out, T* grad_x) {              \
        backward<T>(w, argmax, grad_out, grad_x);                                       \
    }

MAX_POOL2D_KERNELS(float, f32)
MAX_POOL2D_KERNELS(double, f64)
