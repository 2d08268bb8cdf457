//! Helpers shared by the cross-crate tests: reading the PyTorch fixture files.
