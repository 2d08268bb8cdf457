//! A safe face on the `gemm` crate for row- or column-strided matrices held in slices.

use crate::ops::CpuFloat;

pub(crate) use gemm::Parallelism;

/// A read-only `rows x cols` matrix view: element `(i, j)` is `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy)]
pub(crate) struct MatRef<'a, E> {
    pub data: &'a [E],
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a, E> MatRef<'a, E> {
    /// A row-major matrix with `cols` columns.
    pub fn row_major(data: &'a [E], cols: usize) -> Self {
        Self {
            data,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose of a row-major matrix with `cols` columns (read column by column).
    pub fn transposed(data: &'a [E], cols: usize) -> Self {
        Self {
            data,
            row_stride: 1,
            col_stride: cols,
        }
    }

    fn fits(&self, rows: usize, cols: usize) -> bool {
        rows == 0
            || cols == 0
            || (rows - 1) * self.row_stride + (cols - 1) * self.col_stride < self.data.len()
    }
}

/// `dst (m x n, row-major) = [dst +] a (m x k) * b (k x n)`.
///
/// `accumulate` keeps what `dst` holds and adds the product to it (bias rows, gradient sums).
#[allow(clippy::too_many_arguments)] // the BLAS shape: m, n, k, three operands, two flags
pub(crate) fn matmul<E: CpuFloat>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [E],
    accumulate: bool,
    a: MatRef<'_, E>,
    b: MatRef<'_, E>,
    parallelism: Parallelism,
) {
    matmul_strided(m, n, k, dst, n, accumulate, a, b, parallelism)
}

/// [`matmul`] into rows `dst_row_stride` apart: row `i` of the product is
/// `dst[i * dst_row_stride..][..n]` (a block of a wider matrix, or rows of image planes).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_strided<E: CpuFloat>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [E],
    dst_row_stride: usize,
    accumulate: bool,
    a: MatRef<'_, E>,
    b: MatRef<'_, E>,
    parallelism: Parallelism,
) {
    // Rows that overlapped would be written by two threads at once.
    assert!(dst_row_stride >= n, "gemm: destination rows overlap");
    assert!(
        m == 0 || n == 0 || (m - 1) * dst_row_stride + n <= dst.len(),
        "gemm: destination too small"
    );
    assert!(a.fits(m, k) && b.fits(k, n), "gemm: operand too small");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for row in dst.chunks_mut(dst_row_stride).take(m) {
                row[..n].fill(E::zero());
            }
        }
        return;
    }
    // SAFETY: every index gemm touches lies inside the slices, as checked by the asserts above;
    // `dst` is a unique borrow, does not alias `a` or `b`, and its rows do not overlap.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_row_stride as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            E::one(),
            E::one(),
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_hand_product_with_and_without_accumulation() {
        // [1 2 3; 4 5 6] * [1 0; 0 1; 1 1] = [4 5; 10 11]
        let a = [1.0f32, 2., 3., 4., 5., 6.];
        let b = [1.0f32, 0., 0., 1., 1., 1.];
        let mut dst = [100.0f32; 4];
        matmul(
            2,
            2,
            3,
            &mut dst,
            false,
            MatRef::row_major(&a, 3),
            MatRef::row_major(&b, 2),
            Parallelism::None,
        );
        assert_eq!(dst, [4., 5., 10., 11.]);
        matmul(
            2,
            2,
            3,
            &mut dst,
            true,
            MatRef::row_major(&a, 3),
            MatRef::row_major(&b, 2),
            Parallelism::None,
        );
        assert_eq!(dst, [8., 10., 20., 22.]);
        // a^T (3x2) * [1; 1] read through the transposed view
        let ones = [1.0f32, 1.0];
        let mut col = [0.0f32; 3];
        matmul(
            3,
            1,
            2,
            &mut col,
            false,
            MatRef::transposed(&a, 3),
            MatRef::row_major(&ones, 1),
            Parallelism::None,
        );
        assert_eq!(col, [5., 7., 9.]);
    }

    #[test]
    fn writes_rows_a_stride_apart_and_nothing_between() {
        // [1 2; 3 4] * I into the left 2x2 block of a 2x3 matrix of 9s.
        let a = [1.0f32, 2., 3., 4.];
        let identity = [1.0f32, 0., 0., 1.];
        let mut dst = [9.0f32; 5];
        let (a, identity) = (MatRef::row_major(&a, 2), MatRef::row_major(&identity, 2));
        matmul_strided(2, 2, 2, &mut dst, 3, false, a, identity, Parallelism::None);
        assert_eq!(dst, [1., 2., 9., 3., 4.]);
        matmul_strided(2, 2, 2, &mut dst, 3, true, a, identity, Parallelism::None);
        assert_eq!(dst, [2., 4., 9., 6., 8.]);
    }
}
