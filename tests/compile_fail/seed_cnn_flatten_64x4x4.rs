// expect: Linear<1024, 512
// Seed article 001 flattens its CIFAR CNN as 64 * 4 * 4, but two 2x2 pools take 32x32 to 8x8:
// the flattened width is 64 * 8 * 8 = 4096 and the first Linear cannot take it.
use mapping::prelude::*;

type SeedCnnAsPrinted = Sequential<(
    Conv2d<3, 32, 3, 1, 1>, ReLU, MaxPool2d<2>,
    Conv2d<32, 64, 3, 1, 1>, ReLU, MaxPool2d<2>,
    Conv2d<64, 64, 3, 1, 1>, ReLU,
    Flatten, Linear<{ 64 * 4 * 4 }, 512>, ReLU, Linear<512, 10>,
)>;

fn main() {
    let dev = Cpu::default();
    let model = dev.build_module::<SeedCnnAsPrinted, f32>();
    let x: Tensor<Rank4<2, 3, 32, 32>, f32, _> = dev.zeros();
    let _logits = model.forward(x);
}
