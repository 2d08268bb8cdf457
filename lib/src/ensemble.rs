//! Model ensembles: several models' class probabilities combined into one prediction.
//!
//! Members are [`Evaluation`]s over the same images in the same order (from
//! [`crate::train::evaluate`]); combining works on their probabilities, so any models, trained
//! any way, can be mixed.

use crate::error::{Error, Result};
use crate::train::Evaluation;

fn check_members(members: &[&Evaluation]) -> Result<(usize, usize)> {
    let first = members
        .first()
        .ok_or_else(|| Error::config("ensemble", "no members"))?;
    for (i, m) in members.iter().enumerate() {
        if m.labels != first.labels || m.classes() != first.classes() {
            return Err(Error::config(
                "ensemble",
                format!("member {i} was evaluated on other images (or classes) than member 0"),
            ));
        }
    }
    Ok((first.labels.len(), first.classes()))
}

/// The mean of the members' probabilities (soft voting).
pub fn average(members: &[&Evaluation]) -> Result<Evaluation> {
    let weights = vec![1.0; members.len()];
    weighted_average(members, &weights)
}

/// Probabilities averaged with `weights` (normalized to sum to 1).
pub fn weighted_average(members: &[&Evaluation], weights: &[f64]) -> Result<Evaluation> {
    let (_, classes) = check_members(members)?;
    let total: f64 = weights.iter().sum();
    if weights.len() != members.len() || total <= 0.0 || weights.iter().any(|w| *w < 0.0) {
        return Err(Error::config(
            "ensemble",
            format!(
                "{} weights for {} members; weights must be non-negative with a positive sum",
                weights.len(),
                members.len()
            ),
        ));
    }
    let mut combined = vec![0.0f32; members[0].probabilities.len()];
    for (member, &w) in members.iter().zip(weights) {
        let w = (w / total) as f32;
        for (c, p) in combined.iter_mut().zip(&member.probabilities) {
            *c += w * p;
        }
    }
    Evaluation::from_probabilities(
        combined,
        members[0].labels.clone(),
        members[0].indices.clone(),
        classes,
    )
}

/// Weights for [`weighted_average`] from validation scores: each member's accuracy above
/// chance (`1 / classes`), so a member no better than guessing gets no say.
pub fn weights_from_scores(scores: &[f64], classes: usize) -> Vec<f64> {
    let chance = 1.0 / classes.max(1) as f64;
    scores.iter().map(|s| (s - chance).max(0.0)).collect()
}

/// Stacking: a multinomial logistic regression that learns from the members' probabilities on
/// held-out images how to combine them (Wolpert, 1992). Fit it on a split none of the members
/// trained on, then apply it to the test split.
#[derive(Clone, Debug)]
pub struct Stacking {
    /// `classes x (members * classes)` weights and `classes` biases.
    pub weights: Vec<f64>,
    pub bias: Vec<f64>,
    pub members: usize,
    pub classes: usize,
}

impl Stacking {
    /// Full-batch gradient descent on cross-entropy with an L2 penalty `l2`, from weights that
    /// start as plain averaging (so it can only move away from averaging if that helps).
    pub fn fit(held_out: &[&Evaluation], steps: usize, lr: f64, l2: f64) -> Result<Self> {
        let (n, k) = check_members(held_out)?;
        let m = held_out.len();
        let features = m * k;
        let mut weights = vec![0.0f64; k * features];
        for class in 0..k {
            for member in 0..m {
                weights[class * features + member * k + class] = 4.0 / m as f64;
            }
        }
        let mut stack = Self {
            weights,
            bias: vec![0.0; k],
            members: m,
            classes: k,
        };
        let inputs = stack.inputs(held_out);
        let labels = &held_out[0].labels;
        for _ in 0..steps {
            let mut grad_w = vec![0.0f64; k * features];
            let mut grad_b = vec![0.0f64; k];
            for (row, &label) in labels.iter().enumerate() {
                let x = &inputs[row * features..][..features];
                let p = stack.softmax_row(x);
                for class in 0..k {
                    let err = p[class] - if class == label { 1.0 } else { 0.0 };
                    grad_b[class] += err;
                    for (g, xi) in grad_w[class * features..][..features].iter_mut().zip(x) {
                        *g += err * xi;
                    }
                }
            }
            let scale = 1.0 / n.max(1) as f64;
            for (w, g) in stack.weights.iter_mut().zip(&grad_w) {
                *w -= lr * (g * scale + l2 * *w);
            }
            for (b, g) in stack.bias.iter_mut().zip(&grad_b) {
                *b -= lr * g * scale;
            }
        }
        Ok(stack)
    }

    /// The stacked prediction for members evaluated on new images.
    pub fn predict(&self, members: &[&Evaluation]) -> Result<Evaluation> {
        let (n, k) = check_members(members)?;
        if members.len() != self.members || k != self.classes {
            return Err(Error::config(
                "stacking",
                format!(
                    "fitted on {} members of {} classes, given {} of {k}",
                    self.members,
                    self.classes,
                    members.len()
                ),
            ));
        }
        let features = self.members * k;
        let inputs = self.inputs(members);
        let mut probabilities = Vec::with_capacity(n * k);
        for row in 0..n {
            let p = self.softmax_row(&inputs[row * features..][..features]);
            probabilities.extend(p.into_iter().map(|v| v as f32));
        }
        Evaluation::from_probabilities(
            probabilities,
            members[0].labels.clone(),
            members[0].indices.clone(),
            k,
        )
    }

    /// Each image's members' probabilities side by side: `n x (members * classes)`.
    fn inputs(&self, members: &[&Evaluation]) -> Vec<f64> {
        let k = self.classes;
        let n = members[0].labels.len();
        let mut out = Vec::with_capacity(n * members.len() * k);
        for row in 0..n {
            for member in members {
                out.extend(
                    member.probabilities[row * k..][..k]
                        .iter()
                        .map(|&p| p as f64),
                );
            }
        }
        out
    }

    fn softmax_row(&self, x: &[f64]) -> Vec<f64> {
        let features = x.len();
        let logits: Vec<f64> = (0..self.classes)
            .map(|c| {
                self.bias[c]
                    + self.weights[c * features..][..features]
                        .iter()
                        .zip(x)
                        .map(|(w, v)| w * v)
                        .sum::<f64>()
            })
            .collect();
        let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let exp: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
        let sum: f64 = exp.iter().sum();
        exp.into_iter().map(|e| e / sum).collect()
    }
}
