// expect: ConvOutDim
// A 5x5 kernel does not fit a 3x3 image without padding: (3 - 5) / 1 + 1 is not a size.
use mapping::prelude::*;

fn main() {
    let dev = Cpu::default();
    let model = dev.build_module::<Conv2d<1, 1, 5>, f32>();
    let x: Tensor<Rank4<1, 1, 3, 3>, f32, _> = dev.zeros();
    let _y = model.forward(x);
}
