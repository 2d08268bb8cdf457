//! The random transforms: what each must keep (labels, sizes, ranges) and what it must change.

use mapping::data::rng::stream;
use mapping::data::transforms::*;
use mapping::data::{Dataset, Image, Loader, LoaderConfig, Synthetic, SyntheticConfig};

fn ramp() -> Image {
    Image::new(3, 6, 8, (0..3 * 6 * 8).map(|i| i as f32 / 144.0).collect())
}

#[test]
fn random_crop_with_padding_is_a_shifted_window_of_the_padded_image() {
    let img = ramp();
    let padded = pad(&img, 2);
    for seed in 0..20 {
        let out = RandomCrop::new(6, 8)
            .padding(2)
            .apply(img.clone(), &mut stream(seed, 0, 0))
            .unwrap();
        assert_eq!(out.dims(), (3, 6, 8));
        let found =
            (0..=4).any(|top| (0..=4).any(|left| crop(&padded, top, left, 6, 8).unwrap() == out));
        assert!(found, "seed {seed}: not a window of the padded image");
    }
    assert!(RandomCrop::new(11, 8)
        .padding(2)
        .apply(img, &mut stream(0, 0, 0))
        .is_err());
}

#[test]
fn flips_happen_with_their_probability() {
    let img = ramp();
    let flipped = (0..400)
        .filter(|&s| {
            RandomHorizontalFlip::new(0.5)
                .apply(img.clone(), &mut stream(s, 0, 0))
                .unwrap()
                != img
        })
        .count();
    assert!((150..250).contains(&flipped), "{flipped} of 400");
    assert_eq!(
        RandomHorizontalFlip::new(0.0)
            .apply(img.clone(), &mut stream(1, 0, 0))
            .unwrap(),
        img
    );
    let twice = RandomVerticalFlip::new(1.0)
        .apply(
            RandomVerticalFlip::new(1.0)
                .apply(img.clone(), &mut stream(1, 0, 0))
                .unwrap(),
            &mut stream(1, 0, 0),
        )
        .unwrap();
    assert_eq!(twice, img);
}

#[test]
fn random_resized_crop_always_gives_the_requested_size() {
    for seed in 0..30 {
        let out = RandomResizedCrop::new(5, 7)
            .apply(ramp(), &mut stream(seed, 1, 0))
            .unwrap();
        assert_eq!(out.dims(), (3, 5, 7));
        assert!(out.data().iter().all(|v| (0.0..=1.0).contains(v)));
    }
}

#[test]
fn noise_stays_in_range_and_salt_and_pepper_hits_its_fraction() {
    let gray = Image::new(1, 50, 50, vec![0.5; 2500]);
    let noisy = GaussianNoise::new(0.3)
        .apply(gray.clone(), &mut stream(2, 0, 0))
        .unwrap();
    assert!(noisy.data().iter().all(|v| (0.0..=1.0).contains(v)));
    let mean_abs = noisy.data().iter().map(|v| (v - 0.5).abs()).sum::<f32>() / 2500.0;
    assert!((0.15..0.30).contains(&mean_abs), "mean |noise| {mean_abs}");
    let salted = SaltAndPepper::new(0.1)
        .apply(gray, &mut stream(3, 0, 0))
        .unwrap();
    let hit = salted
        .data()
        .iter()
        .filter(|&&v| v == 0.0 || v == 1.0)
        .count();
    assert!((180..320).contains(&hit), "{hit} of 2500 pixels");
}

#[test]
fn cutout_zeroes_one_square_and_nothing_else() {
    let ones = Image::new(1, 20, 20, vec![1.0; 400]);
    let out = Cutout::new(6).apply(ones, &mut stream(5, 0, 0)).unwrap();
    let zeros: Vec<(usize, usize)> = (0..20)
        .flat_map(|y| (0..20).map(move |x| (y, x)))
        .filter(|&(y, x)| out.get(0, y, x) == 0.0)
        .collect();
    assert!(!zeros.is_empty() && zeros.len() <= 36);
    let (ys, xs): (Vec<usize>, Vec<usize>) = zeros.iter().copied().unzip();
    let (h, w) = (
        ys.iter().max().unwrap() - ys.iter().min().unwrap() + 1,
        xs.iter().max().unwrap() - xs.iter().min().unwrap() + 1,
    );
    assert_eq!(h * w, zeros.len(), "the zeroed pixels form one rectangle");
}

#[test]
fn colour_jitter_without_amounts_is_the_identity_and_adjustments_have_their_fixed_points() {
    let img = ramp();
    assert_eq!(
        ColorJitter::new(0.0, 0.0, 0.0, 0.0)
            .apply(img.clone(), &mut stream(1, 0, 0))
            .unwrap(),
        img
    );
    assert!(adjust_brightness(img.clone(), 0.0)
        .data()
        .iter()
        .all(|&v| v == 0.0));
    let flat = adjust_contrast(img.clone(), 0.0).unwrap();
    assert!(
        flat.data().windows(2).all(|w| (w[0] - w[1]).abs() < 1e-6),
        "contrast 0 leaves one gray level"
    );
    let gray = adjust_saturation(img.clone(), 0.0).unwrap();
    assert!(
        (0..48).all(|i| (gray.plane(0)[i] - gray.plane(2)[i]).abs() < 1e-6),
        "saturation 0 is grayscale"
    );
    let back = adjust_hue(adjust_hue(img.clone(), 0.3).unwrap(), -0.3).unwrap();
    assert!(back
        .data()
        .iter()
        .zip(img.data())
        .all(|(a, b)| (a - b).abs() < 1e-4));
}

#[test]
fn augmentation_keeps_labels() {
    let data = Synthetic::new(SyntheticConfig::cifar_like(24, 9)).unwrap();
    let plain = Loader::new(data.clone(), LoaderConfig::eval(8)).unwrap();
    let augmented = Loader::new(data, LoaderConfig::eval(8))
        .unwrap()
        .with_transform(
            Compose::new()
                .then(
                    RandomAffine::rotation(15.0)
                        .translate(0.1, 0.1)
                        .scale(0.9, 1.1),
                )
                .then(ColorJitter::new(0.3, 0.3, 0.3, 0.1))
                .then(Cutout::new(8)),
        );
    for (a, b) in plain.epoch(0).zip(augmented.epoch(0)) {
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.labels, b.labels);
        assert_ne!(a.images, b.images);
    }
    assert_eq!(plain.dataset().classes().len(), 10);
}
