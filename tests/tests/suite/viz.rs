//! Charts render to SVG and PNG with what they claim to show.

use dfdx::prelude::*;
use mapping::data::Image;
use mapping::metrics::ConfusionMatrix;
use mapping::train::{EpochRecord, History};
use mapping::viz::{
    feature_maps, filter_grid, tensor_html, ClassBars, ConfusionHeatmap, Heatmap, ImageGrid,
    LineChart, Plot, TrainingCurves,
};

fn decode(png: &[u8]) -> image::RgbImage {
    image::load_from_memory(png).unwrap().to_rgb8()
}

fn colored_pixels(image: &image::RgbImage) -> usize {
    image.pixels().filter(|p| p.0 != [255, 255, 255]).count()
}

fn history() -> History {
    History {
        epochs: (1..=5)
            .map(|e| EpochRecord {
                epoch: e,
                loss: 2.0 / e as f64,
                acc: 0.5 + 0.08 * e as f64,
                val_loss: Some(2.2 / e as f64),
                val_acc: Some(0.45 + 0.08 * e as f64),
                lr: 0.1,
                seconds: 1.0,
                images_per_second: 10.0,
            })
            .collect(),
    }
}

#[test]
fn training_curves_render_both_panels_in_svg_and_png() {
    let chart = TrainingCurves::new(&history()).title("demo");
    let svg = chart.to_svg().unwrap();
    for label in ["loss", "accuracy", "train", "validation", "epoch"] {
        assert!(svg.contains(label), "SVG lacks {label:?}");
    }
    let png = decode(&chart.to_png().unwrap());
    assert_eq!(png.dimensions(), chart.size());
    assert!(colored_pixels(&png) > 5_000, "the PNG is nearly blank");
    // The two series colours are both drawn.
    let blue = png.pixels().filter(|p| p.0 == [0, 114, 178]).count();
    let orange = png.pixels().filter(|p| p.0 == [230, 159, 0]).count();
    assert!(blue > 100 && orange > 100, "blue {blue}, orange {orange}");
}

#[test]
fn confusion_heatmap_prints_every_count() {
    let matrix = ConfusionMatrix::from_labels(&[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 1, 0], 3).unwrap();
    let names: Vec<String> = ["cat", "dog", "owl"].map(String::from).to_vec();
    let chart = ConfusionHeatmap::new(&matrix, &names);
    let svg = chart.to_svg().unwrap();
    for name in &names {
        assert!(svg.contains(name.as_str()));
    }
    // Cells: 2, 1, 0 / 0, 2, 0 / 1, 0, 0.
    let counts: Vec<&str> = svg
        .split("<text")
        .filter_map(|t| t.split('>').nth(1))
        .map(|t| t.trim_end_matches("</text").trim())
        .filter(|t| t.chars().all(|c| c.is_ascii_digit()) && !t.is_empty())
        .collect();
    let zeros = counts.iter().filter(|&&c| c == "0").count();
    let twos = counts.iter().filter(|&&c| c == "2").count();
    assert!(zeros >= 5 && twos >= 2, "{counts:?}");
    assert!(colored_pixels(&decode(&chart.to_png().unwrap())) > 1_000);
}

#[test]
fn image_grid_draws_the_pixels_and_frames_verdicts() {
    let red = Image::new(
        3,
        4,
        4,
        [vec![1.0; 16], vec![0.0; 16], vec![0.0; 16]].concat(),
    );
    let gray = Image::new(1, 4, 4, vec![0.5; 16]);
    let grid = ImageGrid::new(vec![red, gray])
        .captions(vec!["cat".into(), "dog?".into()])
        .verdicts(vec![true, false])
        .scale(5);
    let png = decode(&grid.to_png().unwrap());
    // The first image starts at (3, 3); its inside is pure red, the second's mid gray.
    assert_eq!(png.get_pixel(8, 8).0, [255, 0, 0]);
    let (cell_w, _) = (4 * 5 + 6, 0);
    assert_eq!(png.get_pixel(cell_w as u32 + 8, 8).0, [128, 128, 128]);
    // Green frame for the right one, red for the wrong one.
    assert!(png.pixels().any(|p| p.0 == [0, 150, 60]));
    assert!(png.pixels().any(|p| p.0 == [210, 30, 30]));
    let svg = grid.to_svg().unwrap();
    assert_eq!(svg.matches("data:image/png;base64,").count(), 2);
    assert!(svg.contains(">cat</text>") && svg.contains(">dog?</text>"));
}

#[test]
fn filters_feature_maps_bars_and_lines_render() {
    let dev = Cpu::default();
    let weight: Tensor<Rank4<6, 3, 3, 3>, f32, _> = dev.sample_normal();
    let filters = filter_grid(&weight).unwrap();
    assert_eq!(filters.images.len(), 6);
    assert_eq!(filters.images[0].dims(), (3, 3, 3));
    // Each filter is stretched to [0, 1] on its own.
    for image in &filters.images {
        let (lo, hi) = image
            .data()
            .iter()
            .fold((1.0f32, 0.0f32), |(l, h), &v| (l.min(v), h.max(v)));
        assert!(lo.abs() < 1e-6 && (hi - 1.0).abs() < 1e-6);
    }
    let maps: Tensor<Rank3<4, 5, 5>, f32, _> = dev.sample_normal();
    assert_eq!(feature_maps(&maps).unwrap().images.len(), 4);
    assert!(
        filter_grid(&maps).is_err(),
        "a 3-d tensor is not a filter bank"
    );

    let names: Vec<String> = (0..3).map(|i| format!("class {i}")).collect();
    let bars = ClassBars::new("F1 per class", &names, &[0.9, 0.5, 0.7]);
    assert!(bars.to_svg().unwrap().contains("class 2"));
    assert!(colored_pixels(&decode(&bars.to_png().unwrap())) > 1_000);
    let lines = LineChart::new("learning rate", "step").series("cosine", &[0.1, 0.05, 0.0]);
    assert!(lines.to_svg().unwrap().contains("learning rate"));

    let dir = tempfile::tempdir().unwrap();
    lines.save(dir.path().join("charts/lr")).unwrap();
    assert!(dir.path().join("charts/lr.svg").exists() && dir.path().join("charts/lr.png").exists());
}

#[test]
fn tensors_display_as_html_tables_with_elision() {
    let dev = Cpu::default();
    let t: Tensor<Rank2<3, 20>, f32, _> = dev.ones();
    let html = tensor_html(&t);
    assert!(html.contains("Tensor [3, 20] f32 on Cpu"), "{html}");
    assert_eq!(html.matches("<tr>").count(), 3);
    assert_eq!(html.matches("<td").count(), 3 * 9, "4 + … + 4 columns");
    assert!(html.contains("1.0000") && html.contains('…'));
}

#[test]
fn heatmap_colours_run_from_the_smallest_to_the_largest_value() {
    let chart = Heatmap::new("weights", 2, 3, &[0.0, 0.5, 1.0, 0.25, 0.75, 0.1])
        .unwrap()
        .cell(30);
    assert!(chart.to_svg().unwrap().contains("from 0.000 to 1.000"));
    let png = decode(&chart.to_png().unwrap());
    assert_eq!(png.dimensions(), chart.size());
    // Viridis: the smallest value is dark purple, the largest yellow.
    let dark = png
        .pixels()
        .filter(|p| p.0[0] < 80 && p.0[1] < 20 && p.0[2] > 60)
        .count();
    let yellow = png
        .pixels()
        .filter(|p| p.0[0] > 200 && p.0[1] > 200 && p.0[2] < 80)
        .count();
    assert!(dark >= 700 && yellow >= 700, "dark {dark}, yellow {yellow}");

    let err = Heatmap::new("w", 2, 2, &[1.0; 3]).unwrap_err().to_string();
    assert!(err.contains("2 x 2 cells but 3 values"), "{err}");
    assert!(Heatmap::new("w", 1, 1, &[f64::NAN]).is_err());
}
