//! Learning-rate schedules: the rate to use at each optimizer step, as PyTorch's schedulers
//! compute it (`StepLR`, `CosineAnnealingLR`, `OneCycleLR`, plus a linear warm-up).
//!
//! Set it before each step, e.g. `opt.cfg.lr = schedule.lr(step) as f32` for dfdx's optimizers.

use std::f64::consts::PI;

/// The learning rate at step `step` (0-based).
pub trait LrSchedule {
    fn lr(&self, step: usize) -> f64;
}

/// The same rate at every step.
#[derive(Clone, Copy, Debug)]
pub struct Constant(pub f64);

impl LrSchedule for Constant {
    fn lr(&self, _step: usize) -> f64 {
        self.0
    }
}

/// `base * gamma^(step / every)`: PyTorch's `StepLR(step_size=every, gamma)`.
#[derive(Clone, Copy, Debug)]
pub struct StepDecay {
    pub base: f64,
    pub every: usize,
    pub gamma: f64,
}

impl LrSchedule for StepDecay {
    fn lr(&self, step: usize) -> f64 {
        self.base * self.gamma.powi((step / self.every.max(1)) as i32)
    }
}

/// From `base` down to `min` along half a cosine over `steps` steps (then `min`):
/// PyTorch's `CosineAnnealingLR(T_max=steps, eta_min=min)`.
#[derive(Clone, Copy, Debug)]
pub struct CosineAnnealing {
    pub base: f64,
    pub min: f64,
    pub steps: usize,
}

impl LrSchedule for CosineAnnealing {
    fn lr(&self, step: usize) -> f64 {
        let t = step.min(self.steps) as f64 / self.steps.max(1) as f64;
        self.min + (self.base - self.min) * (1.0 + (PI * t).cos()) / 2.0
    }
}

/// Smith's one-cycle policy, PyTorch's `OneCycleLR(max_lr, total_steps)` defaults: up from
/// `max / 25` to `max` over the first 30% of the steps, then down to `max / 25 / 10^4`, both
/// along cosines.
#[derive(Clone, Copy, Debug)]
pub struct OneCycle {
    pub max: f64,
    pub total: usize,
}

impl OneCycle {
    const WARM_FRACTION: f64 = 0.3;
    const DIV: f64 = 25.0;
    const FINAL_DIV: f64 = 1e4;
}

fn cosine(from: f64, to: f64, fraction: f64) -> f64 {
    to + (from - to) / 2.0 * ((PI * fraction).cos() + 1.0)
}

impl LrSchedule for OneCycle {
    fn lr(&self, step: usize) -> f64 {
        let start = self.max / Self::DIV;
        let end = start / Self::FINAL_DIV;
        let peak_step = Self::WARM_FRACTION * self.total as f64 - 1.0;
        let last_step = self.total as f64 - 1.0;
        let s = step as f64;
        if s <= peak_step {
            cosine(start, self.max, s / peak_step)
        } else {
            cosine(
                self.max,
                end,
                ((s - peak_step) / (last_step - peak_step)).min(1.0),
            )
        }
    }
}

/// A linear ramp from `0` to the inner schedule's rate over `steps` steps, then the inner
/// schedule (counted from the start of training).
#[derive(Clone, Copy, Debug)]
pub struct WarmUp<S> {
    pub steps: usize,
    pub then: S,
}

impl<S: LrSchedule> LrSchedule for WarmUp<S> {
    fn lr(&self, step: usize) -> f64 {
        let rate = self.then.lr(step);
        if step < self.steps {
            rate * (step + 1) as f64 / self.steps as f64
        } else {
            rate
        }
    }
}
