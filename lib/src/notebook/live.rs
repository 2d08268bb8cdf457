//! Training curves redrawn in place after every epoch.

use crate::train::{Callback, Control, EpochRecord, History};
use crate::viz::{Plot, TrainingCurves};

use super::DisplayHandle;

/// A [`Callback`] that shows the loss and accuracy curves so far after each epoch, replacing
/// the previous drawing: `Fit::new(10).callback(LiveCurves::new())`.
#[derive(Debug, Default)]
pub struct LiveCurves {
    history: History,
    handle: DisplayHandle,
    title: String,
}

impl LiveCurves {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }
}

impl Callback for LiveCurves {
    fn on_epoch_end(&mut self, record: &EpochRecord, _control: &mut Control) {
        self.history.epochs.push(record.clone());
        let chart = TrainingCurves::new(&self.history).title(self.title.clone());
        match chart.to_svg() {
            Ok(svg) => self.handle.update("image/svg+xml", svg),
            Err(e) => eprintln!("live curves: {e}"),
        }
    }
}
