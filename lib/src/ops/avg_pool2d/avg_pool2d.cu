// Average pooling on the GPU, PyTorch's `count_include_pad=True`: the divisor is the window
// clipped to the padded image. The backward pass is a gather over the windows holding each
// input pixel (no atomics, same result each run).

struct Window {
    long long planes, in_h, in_w, kernel, stride, padding, out_h, out_w;
};

#define GRID_STRIDE(i, total)                                                   \
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;        \
         i < (total); i += (long long)gridDim.x * blockDim.x)

// Cells of window `o` along an axis of `extent` pixels, padding included.
__device__ long long divisor(const Window w, long long o, long long extent) {
    const long long start = o * w.stride;  // in padded coordinates
    const long long end = min(start + w.kernel, extent + 2 * w.padding);
    return end - start;
}

template <typename T>
__device__ void forward(const Window w, const T* x, T* out) {
    const long long out_plane = w.out_h * w.out_w;
    GRID_STRIDE(i, w.planes * out_plane) {
        const long long ow = i % w.out_w, oh = (i / w.out_w) % w.out_h, p = i / out_plane;
        const T* src = x + p * w.in_h * w.in_w;
        T sum = 0;
        for (long long ki = 0; ki < w.kernel; ++ki) {
            const long long ih = oh * w.stride - w.padding + ki;
            if (ih < 0 || ih >= w.in_h) continue;
            for (long long kj = 0; kj < w.kernel; ++kj) {
                const long long iw = ow * w.stride - w.padding + kj;
                if (iw >= 0 && iw < w.in_w) sum += src[ih * w.in_w + iw];
            }
        }
        out[i] = sum / (T)(divisor(w, oh, w.in_h) * divisor(w, ow, w.in_w));
    }
}

template <typename T>
__device__ void backward(const Window w, const T* grad_out, T* grad_x) {
    const long long in_plane = w.in_h * w.in_w, out_plane = w.out_h * w.out_w;
    GRID_STRIDE(i, w.planes * in_plane) {
        const long long at = i % in_plane, p = i / in_plane;
        const long long ih = at / w.in_w, iw = at % w.in_w;
        const long long h_lo = ih + w.padding - (w.kernel - 1), w_lo = iw + w.padding - (w.kernel - 1);
        const long long oh_lo = h_lo > 0 ? (h_lo + w.stride - 1) / w.stride : 0;
        const long long ow_lo = w_lo > 0 ? (w_lo + w.stride - 1) / w.stride : 0;
        const long long oh_hi = min((ih + w.padding) / w.stride, w.out_h - 1);
        const long long ow_hi = min((iw + w.padding) / w.stride, w.out_w - 1);
        T sum = 0;
        for (long long oh = oh_lo; oh <= oh_hi; ++oh) {
            for (long long ow = ow_lo; ow <= ow_hi; ++ow) {
                const T count = (T)(divisor(w, oh, w.in_h) * divisor(w, ow, w.in_w));
                sum += grad_out[p * out_plane + oh * w.out_w + ow] / count;
            }
        }
        grad_x[i] += sum;
    }
}

#define AVG_POOL2D_KERNELS(T, SUFFIX)                                                   \
    extern "C" __global__ void avg_pool2d_forward_##SUFFIX(const Window w, const T* x,   \
                                                           T* out) {                     \
        forward<T>(w, x, out);                                                          \
    }                                                                                   \
    extern "C" __global__ void avg_pool2d_backward_##SUFFIX(const Window w,              \
                                                            const T* grad_out,           \
                                                            T* grad_x) {                 \
        backward<T>(w, grad_out, grad_x);                                               \
    }

AVG_POOL2D_KERNELS(float, f32)
AVG_POOL2D_KERNELS(double, f64)
