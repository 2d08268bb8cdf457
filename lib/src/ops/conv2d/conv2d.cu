// Convolution's data movement on the GPU; its matrix products run in cuBLAS (see cuda.rs).
//
// Images are (B, C, H, W), row-major. The batch is processed in chunks of `images` images
// starting at image `first`. Per chunk, the patch matrix `cols` has one row per
// (channel, ki, kj) and one column per (image of the chunk, output position), so a single
// product per group covers the chunk; `out_t` and `grad_out_t` are the (O, images * OH * OW)
// matrices that product writes and reads.
//
// Every kernel is a grid-stride loop over its outputs, and every sum is a gather (no atomics),
// so results are the same from run to run.

struct Geometry {
    long long channels, in_h, in_w;
    long long kernel_h, kernel_w, stride, padding, dilation;
    long long out_channels, out_h, out_w;
    long long first, images;
};

#define GRID_STRIDE(i, total)                                                   \
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;        \
         i < (total); i += (long long)gridDim.x * blockDim.x)

// Unrolls the chunk's patches into `cols`; positions in the padding read zero.
template <typename T>
__device__ void im2col(const Geometry g, const T* x, T* cols) {
    const long long plane = g.out_h * g.out_w;
    const long long ncols = g.images * plane;
    const long long rows = g.channels * g.kernel_h * g.kernel_w;
    GRID_STRIDE(i, rows * ncols) {
        const long long row = i / ncols, col = i % ncols;
        const long long kj = row % g.kernel_w;
        const long long ki = (row / g.kernel_w) % g.kernel_h;
        const long long c = row / (g.kernel_w * g.kernel_h);
        const long long b = g.first + col / plane, l = col % plane;
        const long long ih = (l / g.out_w) * g.stride + ki * g.dilation - g.padding;
        const long long iw = (l % g.out_w) * g.stride + kj * g.dilation - g.padding;
        T v = 0;
        if (ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w) {
            v = x[((b * g.channels + c) * g.in_h + ih) * g.in_w + iw];
        }
        cols[i] = v;
    }
}

// The adjoint of im2col: every input pixel adds up the patch entries it was copied to.
template <typename T>
__device__ void col2im(const Geometry g, const T* cols, T* grad_x) {
    const long long plane = g.out_h * g.out_w;
    const long long ncols = g.images * plane;
    const long long in_plane = g.in_h * g.in_w;
    GRID_STRIDE(i, g.images * g.channels * in_plane) {
        const long long iw = i % g.in_w;
        const long long ih = (i / g.in_w) % g.in_h;
        const long long c = (i / in_plane) % g.channels;
        const long long b = i / (in_plane * g.channels);
        T sum = 0;
        for (long long ki = 0; ki < g.kernel_h; ++ki) {
            const long long th = ih + g.padding - ki * g.dilation;  // = oh * stride
            if (th < 0 || th % g.stride != 0 || th / g.stride >= g.out_h) continue;
            for (long long kj = 0; kj < g.kernel_w; ++kj) {
                const long long tw = iw + g.padding - kj * g.dilation;
                if (tw < 0 || tw % g.stride != 0 || tw / g.stride >= g.out_w) continue;
                const long long row = (c * g.kernel_h + ki) * g.kernel_w + kj;
                const long long col = b * plane + (th / g.stride) * g.out_w + tw / g.stride;
                sum += cols[row * ncols + col];
            }
        }
        grad_x[g.first * g.channels * in_plane + i] += sum;
    }
}

// out[first + b, o, l] = out_t[o, b * plane + l] (+ bias[o]).
template <typename T>
__device__ void scatter_output(const Geometry g, const T* out_t, const T* bias, int has_bias,
                               T* out) {
    const long long plane = g.out_h * g.out_w;
    GRID_STRIDE(i, g.images * g.out_channels * plane) {
        const long long l = i % plane;
        const long long o = (i / plane) % g.out_channels;
        const long long b = i / (plane * g.out_channels);
        T v = out_t[o * g.images * plane + b * plane + l];
        if (has_bias) v += bias[o];
        out[g.first * g.out_channels * plane + i] = v;
    }
}

// grad_out_t[o, b * plane + l] = grad_out[first + b, o, l].
template <typename T>
__device__ void gather_grad_out(const Geometry g, const T* grad_out, T* grad_out_t) {
    const long long plane = g.out_h * g.out_w;
    GRID_STRIDE(i, g.out_channels * g.images * plane) {
        const long long l = i % plane;
        const long long b = (i / plane) % g.images;
        const long long o = i / (plane * g.images);
        grad_out_t[i] = grad_out[((g.first + b) * g.out_channels + o) * plane + l];
    }
}

#define BIAS_BLOCK 256

// One block per output channel: grad_bias[o] += the sum of grad_out[:, o, :, :] over the
// `images` images from `first` (the whole batch in one launch).
template <typename T>
__device__ void bias_grad(const Geometry g, const T* grad_out, T* grad_bias) {
    __shared__ T partial[BIAS_BLOCK];
    const long long plane = g.out_h * g.out_w;
    const long long o = blockIdx.x;
    T sum = 0;
    for (long long j = threadIdx.x; j < g.images * plane; j += BIAS_BLOCK) {
        const long long b = g.first + j / plane;
        sum += grad_out[(b * g.out_channels + o) * plane + j % plane];
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (unsigned half = BIAS_BLOCK / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) grad_bias[o] += partial[0];
}

#define CONV2D_KERNELS(T, SUFFIX)                                                        \
    extern "C" __global__ void im2col_##SUFFIX(const Geometry g, const T* x, T* cols) {   \
        im2col<T>(g, x, cols);                                                           \
    }                                                                                    \
    extern "C" __global__ void col2im_##SUFFIX(const Geometry g, const T* cols,           \
                                               T* grad_x) {                              \
        col2im<T>(g, cols, grad_x);                                                      \
    }                                                                                    \
    extern "C" __global__ void scatter_output_##SUFFIX(const Geometry g, const T* out_t,  \
                                                       const T* bias, int has_bias,      \
                                                       T* out) {                         \
        scatter_output<T>(g, out_t, bias, has_bias, out);                                \
    }                                                                                    \
    extern "C" __global__ void gather_grad_out_##SUFFIX(const Geometry g,                 \
                                                        const T* grad_out,               \
                                                        T* grad_out_t) {                 \
        gather_grad_out<T>(g, grad_out, grad_out_t);                                     \
    }                                                                                    \
    extern "C" __global__ void bias_grad_##SUFFIX(const Geometry g, const T* grad_out,    \
                                                  T* grad_bias) {                        \
        bias_grad<T>(g, grad_out, grad_bias);                                            \
    }

CONV2D_KERNELS(float, f32)
CONV2D_KERNELS(double, f64)
