// expect: Conv2d<3, 8, 3
// An RGB network fed a grayscale MNIST batch: the first layer wants 3 channels.
use mapping::prelude::*;

fn main() {
    let dev = Cpu::default();
    let model = dev.build_module::<(Conv2d<3, 8, 3>, ReLU), f32>();
    let x: Tensor<Rank4<4, 1, 28, 28>, f32, _> = dev.zeros();
    let _y = model.forward(x);
}
