//! The CUDA kernels' index arithmetic, tested without a GPU.
//!
//! tests/build.rs compiles lib/src/ops/<op>/<op>.cu as C++ for the CPU (tests/cuda/emulator).
//! Each kernel is checked against a reference written from its definition: the reference walks
//! the windows forwards, while the backward kernels invert the index arithmetic. Every kernel
//! runs under the launch shape the host code uses, and under small grids that make each thread
//! take several grid-stride steps. Launch sizes, cuBLAS products and chunking live in the host
//! code (lib/src/ops/<op>/cuda.rs): the GPU tests (tests/gpu.rs) cover those.
//!
//! Every `unsafe` call passes buffers of the lengths its geometry indexes, as the host code's
//! launches do.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A 1-D launch (the emulator's `Launch`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct Launch {
    grid: u32,
    block: u32,
}

/// The launch shape of the host code's `launch_for` (ops/cuda/kernels.rs): 256 threads a block.
fn host_launch(n: usize) -> Launch {
    Launch {
        grid: n.div_ceil(256).clamp(1, 1 << 20) as u32,
        block: 256,
    }
}

/// The host's shape, then grids so small that every thread strides.
fn launches(n: usize) -> [Launch; 3] {
    [
        host_launch(n),
        Launch { grid: 3, block: 32 },
        Launch { grid: 1, block: 1 },
    ]
}

/// conv2d.cu's `Geometry`: one chunk (`images` images from `first`) of a batch.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct ConvGeometry {
    channels: i64,
    in_h: i64,
    in_w: i64,
    kernel_h: i64,
    kernel_w: i64,
    stride: i64,
    padding: i64,
    dilation: i64,
    out_channels: i64,
    out_h: i64,
    out_w: i64,
    first: i64,
    images: i64,
}

/// The pooling kernels' `Window`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct PoolWindow {
    planes: i64,
    in_h: i64,
    in_w: i64,
    kernel: i64,
    stride: i64,
    padding: i64,
    out_h: i64,
    out_w: i64,
}

/// The emulator's kernels for elements of type `T` (`emulated_<kernel>_<type>`).
struct Kernels<T> {
    im2col: unsafe extern "C" fn(Launch, ConvGeometry, *const T, *mut T),
    col2im: unsafe extern "C" fn(Launch, ConvGeometry, *const T, *mut T),
    /// `(.., out_t, bias, has_bias, out)`
    scatter_output: unsafe extern "C" fn(Launch, ConvGeometry, *const T, *const T, i32, *mut T),
    gather_grad_out: unsafe extern "C" fn(Launch, ConvGeometry, *const T, *mut T),
    bias_grad: unsafe extern "C" fn(Launch, ConvGeometry, *const T, *mut T),
    /// `(.., x, out, argmax)`
    max_forward: unsafe extern "C" fn(Launch, PoolWindow, *const T, *mut T, *mut i64),
    /// `(.., argmax, grad_out, grad_x)`
    max_backward: unsafe extern "C" fn(Launch, PoolWindow, *const i64, *const T, *mut T),
    avg_forward: unsafe extern "C" fn(Launch, PoolWindow, *const T, *mut T),
    avg_backward: unsafe extern "C" fn(Launch, PoolWindow, *const T, *mut T),
}

trait Float: Copy + std::fmt::Debug + Into<f64> + 'static {
    /// Relative tolerance where the kernel sums in another order than the reference.
    const TOLERANCE: f64;
    const NAME: &'static str;
    const KERNELS: Kernels<Self>;
    fn of(v: f64) -> Self;
}

macro_rules! emulated {
    ($t:ty, $tolerance:expr, [$im2col:ident, $col2im:ident, $scatter:ident, $gather:ident,
     $bias:ident, $max_f:ident, $max_b:ident, $avg_f:ident, $avg_b:ident]) => {
        extern "C" {
            fn $im2col(l: Launch, g: ConvGeometry, x: *const $t, cols: *mut $t);
            fn $col2im(l: Launch, g: ConvGeometry, cols: *const $t, grad_x: *mut $t);
            fn $scatter(
                l: Launch,
                g: ConvGeometry,
                t: *const $t,
                b: *const $t,
                has: i32,
                out: *mut $t,
            );
            fn $gather(l: Launch, g: ConvGeometry, grad_out: *const $t, t: *mut $t);
            fn $bias(l: Launch, g: ConvGeometry, grad_out: *const $t, grad_b: *mut $t);
            fn $max_f(l: Launch, w: PoolWindow, x: *const $t, out: *mut $t, at: *mut i64);
            fn $max_b(l: Launch, w: PoolWindow, at: *const i64, go: *const $t, gx: *mut $t);
            fn $avg_f(l: Launch, w: PoolWindow, x: *const $t, out: *mut $t);
            fn $avg_b(l: Launch, w: PoolWindow, grad_out: *const $t, grad_x: *mut $t);
        }
        impl Float for $t {
            const TOLERANCE: f64 = $tolerance;
            const NAME: &'static str = stringify!($t);
            const KERNELS: Kernels<Self> = Kernels {
                im2col: $im2col,
                col2im: $col2im,
                scatter_output: $scatter,
                gather_grad_out: $gather,
                bias_grad: $bias,
                max_forward: $max_f,
                max_backward: $max_b,
                avg_forward: $avg_f,
                avg_backward: $avg_b,
            };
            fn of(v: f64) -> Self {
                v as $t
            }
        }
    };
}

emulated!(
    f32,
    1e-5,
    [
        emulated_im2col_f32,
        emulated_col2im_f32,
        emulated_scatter_output_f32,
        emulated_gather_grad_out_f32,
        emulated_bias_grad_f32,
        emulated_max_pool2d_forward_f32,
        emulated_max_pool2d_backward_f32,
        emulated_avg_pool2d_forward_f32,
        emulated_avg_pool2d_backward_f32
    ]
);
emulated!(
    f64,
    1e-12,
    [
        emulated_im2col_f64,
        emulated_col2im_f64,
        emulated_scatter_output_f64,
        emulated_gather_grad_out_f64,
        emulated_bias_grad_f64,
        emulated_max_pool2d_forward_f64,
        emulated_max_pool2d_backward_f64,
        emulated_avg_pool2d_forward_f64,
        emulated_avg_pool2d_backward_f64
    ]
);

fn random<F: Float>(rng: &mut StdRng, n: usize) -> Vec<F> {
    (0..n).map(|_| F::of(rng.gen_range(-1.0..1.0))).collect()
}

/// Equal within `F::TOLERANCE` (relative, absolute below 1); NaNs must sit in the same places.
fn assert_close<F: Float>(what: &str, got: &[F], want: &[F], exact: bool) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let (g, w): (f64, f64) = (g.into(), w.into());
        let ok = if w.is_nan() {
            g.is_nan()
        } else if exact {
            g == w
        } else {
            (g - w).abs() <= F::TOLERANCE * w.abs().max(1.0)
        };
        assert!(ok, "{what} ({}): element {i} is {g}, expected {w}", F::NAME);
    }
}

/// A convolution over a batch and the chunk of it one round of kernels handles.
#[derive(Clone, Copy, Debug)]
struct Conv {
    g: ConvGeometry,
    batch: usize,
}

impl Conv {
    /// `(channels, in_h, in_w)`, `(out_channels, kernel_h, kernel_w)`, stride, padding,
    /// dilation, and `images` images from `first` of a batch of `batch`.
    fn new(
        (channels, in_h, in_w): (i64, i64, i64),
        (out_channels, kernel_h, kernel_w): (i64, i64, i64),
        (stride, padding, dilation): (i64, i64, i64),
        (batch, first, images): (usize, i64, i64),
    ) -> Self {
        // The output-size formula, with dilation: (W + 2P - D(K - 1) - 1) / S + 1.
        let out = |n: i64, k: i64| (n + 2 * padding - dilation * (k - 1) - 1) / stride + 1;
        let g = ConvGeometry {
            channels,
            in_h,
            in_w,
            kernel_h,
            kernel_w,
            stride,
            padding,
            dilation,
            out_channels,
            out_h: out(in_h, kernel_h),
            out_w: out(in_w, kernel_w),
            first,
            images,
        };
        assert!(g.out_h > 0 && g.out_w > 0 && first + images <= batch as i64);
        Self { g, batch }
    }
    fn u(v: i64) -> usize {
        v as usize
    }
    fn plane(&self) -> usize {
        Self::u(self.g.out_h * self.g.out_w)
    }
    fn ncols(&self) -> usize {
        Self::u(self.g.images) * self.plane()
    }
    fn rows(&self) -> usize {
        Self::u(self.g.channels * self.g.kernel_h * self.g.kernel_w)
    }
    fn input_len(&self) -> usize {
        self.batch * Self::u(self.g.channels * self.g.in_h * self.g.in_w)
    }
    fn output_len(&self) -> usize {
        self.batch * Self::u(self.g.out_channels) * self.plane()
    }

    /// Every entry of the chunk's patch matrix, walked forwards: `(row * ncols + col, the
    /// input index it copies or None in the padding)`.
    fn patch_entries(&self) -> Vec<(usize, Option<usize>)> {
        let g = self.g;
        let mut entries = Vec::with_capacity(self.rows() * self.ncols());
        for b in 0..g.images {
            for c in 0..g.channels {
                for ki in 0..g.kernel_h {
                    for kj in 0..g.kernel_w {
                        for oh in 0..g.out_h {
                            for ow in 0..g.out_w {
                                let row = (c * g.kernel_h + ki) * g.kernel_w + kj;
                                let col = (b * g.out_h + oh) * g.out_w + ow;
                                let ih = oh * g.stride + ki * g.dilation - g.padding;
                                let iw = ow * g.stride + kj * g.dilation - g.padding;
                                let inside = (0..g.in_h).contains(&ih) && (0..g.in_w).contains(&iw);
                                let pixel = ((g.first + b) * g.channels + c) * g.in_h * g.in_w
                                    + ih * g.in_w
                                    + iw;
                                entries.push((
                                    Self::u(row) * self.ncols() + Self::u(col),
                                    inside.then_some(Self::u(pixel)),
                                ));
                            }
                        }
                    }
                }
            }
        }
        entries
    }

    /// `(index in the (B, O, OH, OW) output, index in the (O, images * plane) product)` for
    /// every output of the chunk.
    fn output_pairs(&self) -> Vec<(usize, usize)> {
        let (plane, ncols) = (self.plane(), self.ncols());
        let (first, images) = (Self::u(self.g.first), Self::u(self.g.images));
        let out_channels = Self::u(self.g.out_channels);
        let mut pairs = Vec::new();
        for b in 0..images {
            for o in 0..out_channels {
                for l in 0..plane {
                    pairs.push((
                        ((first + b) * out_channels + o) * plane + l,
                        o * ncols + b * plane + l,
                    ));
                }
            }
        }
        pairs
    }
}

fn convs() -> Vec<Conv> {
    vec![
        // A 3x3 "same" convolution over a whole batch.
        Conv::new((3, 8, 8), (4, 3, 3), (1, 1, 1), (2, 0, 2)),
        // A non-square kernel, stride 2, on a non-square image; the batch's middle image.
        Conv::new((4, 9, 7), (6, 3, 2), (2, 1, 1), (3, 1, 1)),
        // Dilation 2 with padding 2; the last two images.
        Conv::new((2, 10, 10), (3, 3, 3), (1, 2, 2), (3, 1, 2)),
        // The kernel covers the image: a 1x1 output.
        Conv::new((5, 5, 5), (2, 5, 5), (1, 0, 1), (3, 2, 1)),
        // Pointwise with stride 3 (skips pixels).
        Conv::new((1, 6, 6), (2, 1, 1), (3, 0, 1), (2, 0, 2)),
        // Padding wider than the last stride step reaches: windows over the bottom padding.
        Conv::new((3, 7, 7), (2, 4, 4), (3, 2, 1), (1, 0, 1)),
    ]
}

fn im2col_matches_its_definition<F: Float>() {
    let mut rng = StdRng::seed_from_u64(1);
    for conv in convs() {
        let x: Vec<F> = random(&mut rng, conv.input_len());
        let mut want = vec![F::of(0.0); conv.rows() * conv.ncols()];
        for (at, pixel) in conv.patch_entries() {
            want[at] = pixel.map_or(F::of(0.0), |p| x[p]);
        }
        for launch in launches(want.len()) {
            let mut cols = vec![F::of(f64::NAN); want.len()];
            unsafe { (F::KERNELS.im2col)(launch, conv.g, x.as_ptr(), cols.as_mut_ptr()) };
            assert_close(&format!("im2col {conv:?} {launch:?}"), &cols, &want, true);
        }
    }
}

fn col2im_adds_the_patch_entries_back<F: Float>() {
    let mut rng = StdRng::seed_from_u64(2);
    for conv in convs() {
        let cols: Vec<F> = random(&mut rng, conv.rows() * conv.ncols());
        let before: Vec<F> = random(&mut rng, conv.input_len());
        // The adjoint of im2col, from the forward walk: scatter-add, in f64.
        let mut want: Vec<f64> = before.iter().map(|&v| v.into()).collect();
        for (at, pixel) in conv.patch_entries() {
            if let Some(p) = pixel {
                want[p] += cols[at].into();
            }
        }
        let want: Vec<F> = want.into_iter().map(F::of).collect();
        let chunk = Conv::u(conv.g.images * conv.g.channels * conv.g.in_h * conv.g.in_w);
        for launch in launches(chunk) {
            let mut grad_x = before.clone();
            unsafe { (F::KERNELS.col2im)(launch, conv.g, cols.as_ptr(), grad_x.as_mut_ptr()) };
            assert_close(
                &format!("col2im {conv:?} {launch:?}"),
                &grad_x,
                &want,
                false,
            );
        }
    }
}

fn scatter_and_gather_move_each_output<F: Float>() {
    let mut rng = StdRng::seed_from_u64(3);
    for conv in convs() {
        let product: Vec<F> = random(&mut rng, Conv::u(conv.g.out_channels) * conv.ncols());
        let bias: Vec<F> = random(&mut rng, Conv::u(conv.g.out_channels));
        let untouched: Vec<F> = random(&mut rng, conv.output_len());
        for has_bias in [0, 1] {
            let mut want = untouched.clone();
            for (out_at, product_at) in conv.output_pairs() {
                let o = product_at / conv.ncols();
                let b = if has_bias == 1 { bias[o].into() } else { 0.0 };
                want[out_at] = F::of(product[product_at].into() + b);
            }
            for launch in launches(conv.output_len()) {
                let mut out = untouched.clone();
                let (p, b) = (product.as_ptr(), bias.as_ptr());
                unsafe {
                    (F::KERNELS.scatter_output)(launch, conv.g, p, b, has_bias, out.as_mut_ptr())
                };
                let what = format!("scatter_output (bias {has_bias}) {conv:?} {launch:?}");
                assert_close(&what, &out, &want, true);
            }
        }
        // gather_grad_out is scatter_output's inverse (without the bias).
        let grad_out: Vec<F> = random(&mut rng, conv.output_len());
        let mut want = vec![F::of(0.0); product.len()];
        for (out_at, product_at) in conv.output_pairs() {
            want[product_at] = grad_out[out_at];
        }
        for launch in launches(want.len()) {
            let mut t = vec![F::of(f64::NAN); want.len()];
            unsafe {
                (F::KERNELS.gather_grad_out)(launch, conv.g, grad_out.as_ptr(), t.as_mut_ptr())
            };
            let what = format!("gather_grad_out {conv:?} {launch:?}");
            assert_close(&what, &t, &want, true);
        }
    }
}

fn bias_grad_sums_the_chunk<F: Float>() {
    let mut rng = StdRng::seed_from_u64(4);
    for conv in convs() {
        let grad_out: Vec<F> = random(&mut rng, conv.output_len());
        let before: Vec<F> = random(&mut rng, Conv::u(conv.g.out_channels));
        let mut want: Vec<f64> = before.iter().map(|&v| v.into()).collect();
        for (out_at, product_at) in conv.output_pairs() {
            want[product_at / conv.ncols()] += grad_out[out_at].into();
        }
        let want: Vec<F> = want.into_iter().map(F::of).collect();
        // One block of BIAS_BLOCK (256) threads per output channel, as the host launches it.
        let launch = Launch {
            grid: conv.g.out_channels as u32,
            block: 256,
        };
        let mut grad_b = before.clone();
        unsafe { (F::KERNELS.bias_grad)(launch, conv.g, grad_out.as_ptr(), grad_b.as_mut_ptr()) };
        assert_close(&format!("bias_grad {conv:?}"), &grad_b, &want, false);
    }
}

/// Square pooling windows: `(planes, in_h, in_w)`, kernel, stride, padding (at most half the
/// kernel, as PyTorch requires).
fn pools() -> Vec<PoolWindow> {
    let window = |(planes, in_h, in_w): (i64, i64, i64), kernel: i64, stride: i64, padding| {
        let out = |n: i64| (n + 2 * padding - kernel) / stride + 1;
        PoolWindow {
            planes,
            in_h,
            in_w,
            kernel,
            stride,
            padding,
            out_h: out(in_h),
            out_w: out(in_w),
        }
    };
    vec![
        window((6, 8, 8), 2, 2, 0),
        window((4, 7, 9), 3, 2, 1),
        window((3, 5, 5), 3, 1, 1),
        window((2, 6, 6), 5, 3, 2),
        window((2, 4, 4), 4, 4, 0),
        window((3, 7, 6), 2, 3, 1),
    ]
}

/// For every output of `w`, its plane and the in-image pixels of its window (row-major), and
/// how many cells the window has counting the padding (PyTorch's `count_include_pad`).
fn pool_windows(w: &PoolWindow) -> Vec<(usize, Vec<usize>, i64)> {
    let mut windows = Vec::new();
    for p in 0..w.planes {
        for oh in 0..w.out_h {
            for ow in 0..w.out_w {
                let (h0, w0) = (oh * w.stride - w.padding, ow * w.stride - w.padding);
                // As PyTorch's avg_pool2d: the window clipped to the padded image.
                let h1 = (h0 + w.kernel).min(w.in_h + w.padding);
                let w1 = (w0 + w.kernel).min(w.in_w + w.padding);
                let mut pixels = Vec::new();
                for ih in h0.max(0)..h1.min(w.in_h) {
                    for iw in w0.max(0)..w1.min(w.in_w) {
                        pixels.push(((p * w.in_h + ih) * w.in_w + iw) as usize);
                    }
                }
                windows.push((p as usize, pixels, (h1 - h0) * (w1 - w0)));
            }
        }
    }
    windows
}

fn max_pool_matches_its_definition<F: Float>() {
    let mut rng = StdRng::seed_from_u64(5);
    for w in pools() {
        let in_plane = (w.in_h * w.in_w) as usize;
        // Few distinct values, so windows have ties (the first maximum wins), and some NaNs
        // (the first NaN wins, so it propagates).
        let x: Vec<F> = (0..w.planes as usize * in_plane)
            .map(|_| match rng.gen_range(0..12) {
                0 => F::of(f64::NAN),
                v => F::of(f64::from(v % 4) - 1.5),
            })
            .collect();
        let windows = pool_windows(&w);
        let mut want = Vec::new();
        let mut want_at = Vec::new();
        for (p, pixels, _) in &windows {
            let nan = pixels.iter().find(|&&i| Into::<f64>::into(x[i]).is_nan());
            let first_max = pixels
                .iter()
                .fold(None, |best: Option<usize>, &i| match best {
                    Some(b) if Into::<f64>::into(x[i]) <= x[b].into() => Some(b),
                    _ => Some(i),
                });
            let at = *nan
                .or(first_max.as_ref())
                .expect("every window holds a pixel");
            want.push(x[at]);
            want_at.push((at - p * in_plane) as i64);
        }
        let grad_out: Vec<F> = random(&mut rng, windows.len());
        let before: Vec<F> = random(&mut rng, x.len());
        let mut want_grad: Vec<f64> = before.iter().map(|&v| v.into()).collect();
        for (o, (p, _, _)) in windows.iter().enumerate() {
            want_grad[p * in_plane + want_at[o] as usize] += grad_out[o].into();
        }
        let want_grad: Vec<F> = want_grad.into_iter().map(F::of).collect();
        for launch in launches(windows.len()) {
            let mut out = vec![F::of(0.0); windows.len()];
            let mut at = vec![-7_i64; windows.len()];
            let (o, a) = (out.as_mut_ptr(), at.as_mut_ptr());
            unsafe { (F::KERNELS.max_forward)(launch, w, x.as_ptr(), o, a) };
            assert_close(
                &format!("max_pool2d forward {w:?} {launch:?}"),
                &out,
                &want,
                true,
            );
            assert_eq!(
                at,
                want_at,
                "max_pool2d argmax {w:?} {launch:?} ({})",
                F::NAME
            );
        }
        for launch in launches(x.len()) {
            let mut grad_x = before.clone();
            let (a, g) = (want_at.as_ptr(), grad_out.as_ptr());
            unsafe { (F::KERNELS.max_backward)(launch, w, a, g, grad_x.as_mut_ptr()) };
            let what = format!("max_pool2d backward {w:?} {launch:?}");
            assert_close(&what, &grad_x, &want_grad, false);
        }
    }
}

fn avg_pool_matches_its_definition<F: Float>() {
    let mut rng = StdRng::seed_from_u64(6);
    for w in pools() {
        let x: Vec<F> = random(&mut rng, (w.planes * w.in_h * w.in_w) as usize);
        let windows = pool_windows(&w);
        let want: Vec<F> = windows
            .iter()
            .map(|(_, pixels, cells)| {
                let sum: f64 = pixels.iter().map(|&i| Into::<f64>::into(x[i])).sum();
                F::of(sum / *cells as f64)
            })
            .collect();
        let grad_out: Vec<F> = random(&mut rng, windows.len());
        let before: Vec<F> = random(&mut rng, x.len());
        let mut want_grad: Vec<f64> = before.iter().map(|&v| v.into()).collect();
        for (o, (_, pixels, cells)) in windows.iter().enumerate() {
            for &i in pixels {
                want_grad[i] += Into::<f64>::into(grad_out[o]) / *cells as f64;
            }
        }
        let want_grad: Vec<F> = want_grad.into_iter().map(F::of).collect();
        for launch in launches(windows.len()) {
            let mut out = vec![F::of(f64::NAN); windows.len()];
            unsafe { (F::KERNELS.avg_forward)(launch, w, x.as_ptr(), out.as_mut_ptr()) };
            let what = format!("avg_pool2d forward {w:?} {launch:?}");
            assert_close(&what, &out, &want, false);
        }
        for launch in launches(x.len()) {
            let mut grad_x = before.clone();
            unsafe { (F::KERNELS.avg_backward)(launch, w, grad_out.as_ptr(), grad_x.as_mut_ptr()) };
            let what = format!("avg_pool2d backward {w:?} {launch:?}");
            assert_close(&what, &grad_x, &want_grad, false);
        }
    }
}

macro_rules! for_both_precisions {
    ($($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                super::$check::<f32>();
                super::$check::<f64>();
            }
        )*
    };
}

mod emulated {
    for_both_precisions!(
        im2col_matches_its_definition,
        col2im_adds_the_patch_entries_back,
        scatter_and_gather_move_each_output,
        bias_grad_sums_the_chunk,
        max_pool_matches_its_definition,
        avg_pool_matches_its_definition,
    );
}
