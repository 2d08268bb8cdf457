use dfdx::nn::builders::Linear;

use crate::nn::builders::{Flatten, ReLU, Sequential};

/// The MNIST multilayer perceptron of seed article 004 (§4, PyTorch): 784 → 500 → 10.
///
/// Takes `(B, 1, 28, 28)` images and flattens them itself. 397,510 parameters.
pub type Mlp784 = Sequential<(Flatten, Linear<784, 500>, ReLU, Linear<500, 10>)>;
