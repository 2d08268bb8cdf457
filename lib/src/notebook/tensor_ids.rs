//! Unique dfdx tensor ids across notebook cells.
//!
//! evcxr links every dependency statically into each cell's shared library, so each cell has its
//! own copy of dfdx's id counter, starting at 0. A model built in cell 1 owns ids 0..n; a tensor
//! made in cell 2 gets id 0 again, and backpropagation mixes their gradients up (dfdx panics in
//! `gradients.rs`). The kernel runs [`CellIdFence::enter_cell`] first in every cell: it moves
//! this cell's counter past every id any earlier cell handed out.

use dfdx::shapes::Rank0;
use dfdx::tensor::{Cpu, OwnedTape, Tape, Tensor, ZerosTensor};

/// Ids handed out so far, across cells. Lives in a notebook variable that every cell updates.
#[derive(Clone, Debug, Default)]
pub struct CellIdFence {
    /// An id no earlier cell had reached when this fence was last updated.
    high_water: usize,
    /// `next_tensor_id` as linked into the previous cell, to read how far that cell counted.
    previous_cell: Option<fn() -> usize>,
}

impl CellIdFence {
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the calling cell's dfdx id counter past every id of earlier cells. Must be called
    /// from the cell's own code (the kernel prepends the call), so that it runs this cell's copy.
    pub fn enter_cell(&mut self) {
        let previous = self.previous_cell.map_or(0, |next| next());
        self.high_water = self.high_water.max(previous);
        advance_tensor_ids(self.high_water);
        // A function pointer taken here points into this cell's library: the next cell reads
        // this cell's counter through it.
        self.previous_cell = Some(next_tensor_id as fn() -> usize);
    }

    /// The highest id known to be handed out, plus one.
    pub fn high_water(&self) -> usize {
        self.high_water
    }
}

/// The next id this library's copy of dfdx will hand out (using it up).
pub fn next_tensor_id() -> usize {
    let probe: Tensor<Rank0, f32, Cpu> = Cpu::default().zeros();
    // dfdx keeps the id's number private but derives `Debug`: `Tensor { id: UniqueId(17), ..`.
    let text = format!("{probe:?}");
    text.split_once("UniqueId(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .and_then(|(number, _)| number.parse().ok())
        .expect("dfdx 0.13 prints a tensor's id as UniqueId(n)")
}

/// Uses up ids until this library's counter is at least `target`; returns the next id.
pub fn advance_tensor_ids(target: usize) -> usize {
    let mut next = next_tensor_id();
    while next < target {
        // Each recorded backward op takes one id; a zero-sized closure allocates nothing.
        let chunk = (target - next).min(1 << 16);
        let mut tape = OwnedTape::<f32, Cpu>::default();
        for _ in 0..chunk {
            tape.add_backward_op(|_| Ok(()));
        }
        drop(tape);
        next = next_tensor_id();
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_advance_past_a_target() {
        let start = next_tensor_id();
        let target = start + 200_000;
        let next = advance_tensor_ids(target);
        // Other tests may take ids concurrently, so only lower bounds are exact.
        assert!(next >= target, "{next} vs {target}");
        // Already past: only the probe is used up.
        assert!(advance_tensor_ids(10) > next);
    }

    #[test]
    fn fence_reads_the_previous_cell_and_moves_past_it() {
        let mut fence = CellIdFence::new();
        fence.enter_cell();
        let before = next_tensor_id();
        // The "previous cell" (the same library here) hands out more ids.
        advance_tensor_ids(before + 1000);
        fence.enter_cell();
        assert!(fence.high_water() >= before + 1000);
        assert!(next_tensor_id() > fence.high_water());
    }
}
