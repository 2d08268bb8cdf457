//! Copies between a row and every `n`th value of another: strided convolutions' gathers
//! (im2col, splitting an image into phases) and their adjoints' scatters.

use crate::ops::CpuFloat;

/// `dst[i] = src[i * n]` for every `i * n` in `src`. Strides 1-3 get loops with the stride
/// known at compile time, which vectorise (`step_by` with a run-time stride does not).
pub(crate) fn every_nth<E: CpuFloat>(n: usize, src: &[E], dst: &mut [E]) {
    fn fixed<E: CpuFloat, const N: usize>(src: &[E], dst: &mut [E]) {
        let (chunks, rest) = src.as_chunks::<N>();
        let dst = &mut dst[..src.len().div_ceil(N)];
        for (d, chunk) in dst.iter_mut().zip(chunks) {
            *d = chunk[0];
        }
        if let Some(&v) = rest.first() {
            dst[chunks.len()] = v;
        }
    }
    match n {
        1 => dst[..src.len()].copy_from_slice(src),
        2 => fixed::<E, 2>(src, dst),
        3 => fixed::<E, 3>(src, dst),
        _ => {
            for (d, &v) in dst.iter_mut().zip(src.iter().step_by(n)) {
                *d = v;
            }
        }
    }
}

/// `dst[i * n] += src[i]` for every `i * n` in `dst`: the adjoint of [`every_nth`].
pub(crate) fn add_to_every_nth<E: CpuFloat>(n: usize, src: &[E], dst: &mut [E]) {
    fn fixed<E: CpuFloat, const N: usize>(src: &[E], dst: &mut [E]) {
        let (chunks, rest) = dst.as_chunks_mut::<N>();
        let src = &src[..chunks.len() + rest.len().min(1)];
        for (chunk, &v) in chunks.iter_mut().zip(src) {
            chunk[0] += v;
        }
        if let Some(d) = rest.first_mut() {
            *d += src[src.len() - 1];
        }
    }
    match n {
        1 => {
            for (d, &v) in dst.iter_mut().zip(src) {
                *d += v;
            }
        }
        2 => fixed::<E, 2>(src, dst),
        3 => fixed::<E, 3>(src, dst),
        _ => {
            for (d, &v) in dst.iter_mut().step_by(n).zip(src) {
                *d += v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{add_to_every_nth, every_nth};

    /// Every stride with a loop of its own and one without (4, 5), every length up to a few
    /// strides, against the definition written out with indices.
    #[test]
    fn gathers_and_scatters_every_nth_value() {
        for n in 1..=5usize {
            for len in 0..4 * n + 2 {
                let src: Vec<f32> = (0..len).map(|i| i as f32 + 1.0).collect();
                let count = len.div_ceil(n);
                // One value more than needed: it must stay untouched.
                let mut gathered = vec![-1.0f32; count + 1];
                every_nth(n, &src, &mut gathered);
                let expected: Vec<f32> = (0..count).map(|i| src[i * n]).chain([-1.0]).collect();
                assert_eq!(gathered, expected, "gather, stride {n}, length {len}");

                let mut scattered = vec![10.0f32; len];
                every_nth_values_added(n, &mut scattered);
                let mut added = vec![10.0f32; len];
                let values: Vec<f32> = (0..count).map(|i| i as f32 + 1.0).collect();
                add_to_every_nth(n, &values, &mut added);
                assert_eq!(added, scattered, "scatter, stride {n}, length {len}");
            }
        }
    }

    /// `dst[i * n] += i + 1`, by index.
    fn every_nth_values_added(n: usize, dst: &mut [f32]) {
        let mut i = 0;
        while i * n < dst.len() {
            dst[i * n] += i as f32 + 1.0;
            i += 1;
        }
    }
}
