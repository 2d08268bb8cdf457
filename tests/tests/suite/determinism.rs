//! The same computation gives the same bits every time: an interrupted run resumes exactly
//! only if its gradients do not depend on how the threads happened to share the work.

use dfdx::prelude::*;
use mapping::ops::{try_conv2d, Conv2dParams};

#[test]
fn conv2d_gradients_are_bit_identical_across_runs_and_thread_schedules() {
    let dev = Cpu::seed_from_u64(11);
    let x: Tensor<(usize, usize, usize, usize), f32, Cpu> =
        dev.sample_normal_like(&(61, 8, 12, 12));
    let w: Tensor<(usize, usize, usize, usize), f32, Cpu> = dev.sample_normal_like(&(16, 8, 3, 3));
    let b: Tensor<(usize,), f32, Cpu> = dev.sample_normal_like(&(16,));
    let params = Conv2dParams {
        stride: 1,
        padding: 1,
        dilation: 1,
        groups: 1,
    };
    let gradients = || {
        let out = try_conv2d(
            x.leaky_trace(),
            w.leaky_trace(),
            Some(b.leaky_trace()),
            params,
        )
        .unwrap();
        let grads = out.square().sum::<Rank0, _>().backward();
        (
            grads.get(&w).as_vec(),
            grads.get(&b).as_vec(),
            grads.get(&x).as_vec(),
        )
    };
    // More threads than the machine has cores, so that work-stealing varies between runs.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(6)
        .build()
        .unwrap();
    let first = pool.install(gradients);
    for run in 1..12 {
        let again = pool.install(gradients);
        assert!(
            again == first,
            "run {run}: the gradients changed in their last bits"
        );
    }
}
