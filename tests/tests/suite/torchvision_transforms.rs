//! The deterministic transforms against torchvision's definitions, on the fixture image in
//! `fixtures/transforms.safetensors` (written by `scripts/make_transform_fixtures.py`).

use mapping::data::rng::stream;
use mapping::data::transforms::{
    adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation, affine, crop, pad,
    CenterCrop, Interpolation, Normalize, Resize, Transform,
};
use mapping::data::Image;
use mapping_tests::{assert_close, Fixture};

fn image(fixture: &Fixture, name: &str) -> Image {
    let (values, shape) = fixture.tensor(name);
    Image::new(shape[0], shape[1], shape[2], values)
}

fn check(fixture: &Fixture, name: &str, ours: Image, rtol: f32) {
    let expected = image(fixture, name);
    assert_eq!(ours.dims(), expected.dims(), "{name}: shape");
    assert_close(name, ours.data(), expected.data(), rtol);
}

#[test]
fn deterministic_transforms_match_torchvision() {
    let fixture = Fixture::open("transforms.safetensors");
    let input = image(&fixture, "input");
    let mut rng = stream(0, 0, 0);
    let mut run = |t: &dyn Transform| t.apply(input.clone(), &mut rng).unwrap();
    check(&fixture, "resize_7x9", run(&Resize::new(7, 9)), 1e-5);
    check(&fixture, "resize_20x24", run(&Resize::new(20, 24)), 1e-5);
    check(
        &fixture,
        "center_crop_8x10",
        run(&CenterCrop::new(8, 10)),
        0.0,
    );
    check(
        &fixture,
        "center_crop_15x19",
        run(&CenterCrop::new(15, 19)),
        0.0,
    );
    check(
        &fixture,
        "normalize_imagenet",
        run(&Normalize::imagenet()),
        1e-6,
    );
    check(
        &fixture,
        "hflip",
        run(&mapping::data::transforms::RandomHorizontalFlip::new(1.0)),
        0.0,
    );
    check(
        &fixture,
        "vflip",
        run(&mapping::data::transforms::RandomVerticalFlip::new(1.0)),
        0.0,
    );
    check(
        &fixture,
        "brightness_1.3",
        adjust_brightness(input.clone(), 1.3),
        1e-6,
    );
    check(
        &fixture,
        "contrast_0.6",
        adjust_contrast(input.clone(), 0.6).unwrap(),
        1e-5,
    );
    check(
        &fixture,
        "saturation_1.7",
        adjust_saturation(input.clone(), 1.7).unwrap(),
        1e-5,
    );
    check(
        &fixture,
        "hue_0.2",
        adjust_hue(input.clone(), 0.2).unwrap(),
        1e-4,
    );
    check(
        &fixture,
        "hue_-0.35",
        adjust_hue(input.clone(), -0.35).unwrap(),
        1e-4,
    );
    check(
        &fixture,
        "pad2_crop_1_3_12x15",
        crop(&pad(&input, 2), 1, 3, 12, 15).unwrap(),
        0.0,
    );
    check(
        &fixture,
        "rotate_30_bilinear",
        affine(&input, 30.0, (0.0, 0.0), 1.0, Interpolation::Bilinear),
        1e-4,
    );
    // torchvision's F.affine turns clockwise (F.rotate counter-clockwise); ours always turns
    // counter-clockwise, so its -20 is our +20.
    check(
        &fixture,
        "affine_-20_t2_-1_s1.2_bilinear",
        affine(&input, 20.0, (2.0, -1.0), 1.2, Interpolation::Bilinear),
        1e-4,
    );
}
