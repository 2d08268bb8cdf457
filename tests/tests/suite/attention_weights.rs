//! `attention_weights` returns exactly the weights dfdx's attention layer uses: the layer's
//! output, rebuilt from them by hand, matches its forward pass.

use dfdx::prelude::*;
use mapping::nn::attention_weights;

#[test]
fn the_layer_output_rebuilt_from_the_weights_matches_its_forward_pass() {
    let dev = Cpu::seed_from_u64(3);
    let mha = dev.build_module::<MultiHeadAttention<8, 2>, f32>();
    let tokens: Tensor<Rank3<2, 5, 8>, f32, _> = dev.sample_normal();

    let weights = attention_weights(&mha, &tokens).unwrap();
    assert_eq!(
        weights.shape(),
        &(Const::<2>, 2usize, Const::<5>, Const::<5>)
    );
    // Softmax rows: positive, summing to 1, and not uniform (the layer is looking somewhere).
    let rows = weights.clone().sum::<_, Axis<3>>().as_vec();
    assert!(rows.iter().all(|r| (r - 1.0).abs() < 1e-5), "{rows:?}");
    let w = weights.as_vec();
    assert!(w.iter().all(|&x| x > 0.0));
    assert!(w.iter().any(|&x| (x - 0.2).abs() > 0.02), "uniform weights");

    // tokens = weights · v per head, heads concatenated, then the output projection.
    let v = mha
        .w_v
        .forward(tokens.clone())
        .reshape_like(&(Const::<2>, Const::<5>, 2usize, 4usize))
        .permute::<_, Axes4<0, 2, 1, 3>>();
    let mixed = weights
        .matmul(v)
        .permute::<_, Axes4<0, 2, 1, 3>>()
        .reshape_like(&(Const::<2>, Const::<5>, Const::<8>));
    let rebuilt = mha.w_o.forward(mixed).as_vec();
    let expected = mha.forward(tokens).as_vec();
    for (a, b) in rebuilt.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}
