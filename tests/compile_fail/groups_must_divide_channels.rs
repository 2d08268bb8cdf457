// expect: Conv2d<3, 6, 3, 1, 0, 1, 2>
// Grouped convolution: 3 input channels cannot be split into 2 groups.
use mapping::prelude::*;

fn main() {
    let dev = Cpu::default();
    let _model = dev.build_module::<Conv2d<3, 6, 3, 1, 0, 1, 2>, f32>();
}
