//! What the CPU benches share: command-line numbers and median timings.

use std::time::Instant;

/// The number after `name` on the command line, or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Seconds per call of `f`, median over `repeats` runs of `steps` calls.
pub fn time_per_call(repeats: usize, steps: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..repeats)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..steps {
                    f();
                }
                start.elapsed().as_secs_f64() / steps as f64
            })
            .collect(),
    )
}
