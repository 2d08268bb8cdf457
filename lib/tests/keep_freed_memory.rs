//! `alloc::keep_freed_memory`: with mimalloc as the allocator, memory freed during a training
//! step stays with the process, so the next step does not fault it in again.

use dfdx::prelude::*;
use mapping::models::SeedCifarCnn;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Page faults this process has taken that needed no disk (Linux: `/proc/self/stat`, field 10).
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split(' ').nth(7)?.parse().ok()
}

#[test]
fn training_steps_stop_faulting_in_freed_memory() {
    if minor_faults().is_none() {
        eprintln!("SKIP: no /proc/self/stat to count page faults (not Linux)");
        return;
    }
    let dev = Cpu::seed_from_u64(0);
    let model = dev.build_module::<SeedCifarCnn, f32>();
    let x: Tensor<Rank4<64, 3, 32, 32>, f32, _> = dev.sample_normal();
    let grads = model.alloc_grads();
    let faults_over_steps = |steps: usize| {
        let before = minor_faults().unwrap();
        for _ in 0..steps {
            let _ = model.forward(x.trace(grads.clone())).sum().backward();
        }
        minor_faults().unwrap() - before
    };
    faults_over_steps(2); // first touches: the model's and the steps' peak memory
    let purging = faults_over_steps(8);
    mapping::alloc::keep_freed_memory();
    faults_over_steps(2); // memory purged before the call comes back once
    let kept = faults_over_steps(8);
    eprintln!("minor page faults over eight training steps: {purging} purging, {kept} keeping");
    // Counts vary with how much came in huge pages (one fault per 2 MiB): 200 to 4,000 here.
    assert!(
        purging >= 20,
        "mimalloc kept memory anyway ({purging} faults): proves nothing"
    );
    assert!(
        kept * 10 <= purging,
        "{kept} faults keeping freed memory vs {purging} without"
    );
}
