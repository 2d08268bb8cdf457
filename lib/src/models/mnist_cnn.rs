use dfdx::nn::builders::Linear;

use crate::nn::builders::{Conv2d, DropoutOneIn, Flatten, MaxPool2d, ReLU, Sequential};

/// Keras' `mnist_cnn` example (the CNN that seed article 004's MNIST chapter builds toward), for
/// `(B, 1, 28, 28)` images: two 3x3 convolutions (32, 64), 2x2 max pooling, dropout 0.25,
/// 9216 → 128 → 10 with dropout 0.5. 1,199,882 parameters, as Keras' `summary()` counts them;
/// Keras reports 99.25% test accuracy after 12 epochs.
pub type MnistCnn = Sequential<(
    Conv2d<1, 32, 3>,
    ReLU,
    Conv2d<32, 64, 3>,
    ReLU,
    MaxPool2d<2>,
    DropoutOneIn<4>,
    Flatten,
    Linear<9216, 128>,
    ReLU,
    DropoutOneIn<2>,
    Linear<128, 10>,
)>;
