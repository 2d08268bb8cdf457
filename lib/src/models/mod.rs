//! The networks of the seed articles, as types. Each doc cites the article and section it
//! comes from (files in `shared/seeds/`); parameter counts are checked against PyTorch's in
//! the tests (`tests/fixtures/param_counts.json`, written by `scripts/make_fixtures.py`).
//!
//! The heads output *logits*: where an article ends in `softmax` and trains with a
//! from-logits loss (seed 002's erratum), the softmax belongs in the loss, not the model.

mod attention_net;
mod keras_binary_cnn;
mod mlp;
mod mnist_cnn;
mod seed_cifar_cnn;
mod small_resnet;
mod tf_cifar_cnn;
mod tf_imagenet_cnn;

pub use attention_net::PatchAttentionNet;
pub use keras_binary_cnn::KerasBinaryCnn;
pub use mlp::Mlp784;
pub use mnist_cnn::MnistCnn;
pub use seed_cifar_cnn::SeedCifarCnn;
pub use small_resnet::{BasicBlock, DownBlock, SmallResNet};
pub use tf_cifar_cnn::TfCifarCnn;
pub use tf_imagenet_cnn::TfImagenetCnn;
