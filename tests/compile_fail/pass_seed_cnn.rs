// expect: compiles
// The control case: the seed CNN with the corrected flatten width, 64 * 8 * 8.
use mapping::prelude::*;

type SeedCnn = Sequential<(
    Conv2d<3, 32, 3, 1, 1>, ReLU, MaxPool2d<2>,
    Conv2d<32, 64, 3, 1, 1>, ReLU, MaxPool2d<2>,
    Conv2d<64, 64, 3, 1, 1>, ReLU,
    Flatten, Linear<{ 64 * 8 * 8 }, 512>, ReLU, Linear<512, 10>,
)>;

fn main() {
    let dev = Cpu::default();
    let model = dev.build_module::<SeedCnn, f32>();
    let x: Tensor<Rank4<2, 3, 32, 32>, f32, _> = dev.zeros();
    let _logits: Tensor<Rank2<2, 10>, f32, _> = model.forward(x);
}
