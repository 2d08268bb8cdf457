//! The kernel's logo, drawn rather than stored: a 3x3 kernel sliding to one output pixel, the
//! course's picture of a mapping.

pub fn png(size: u32) -> Vec<u8> {
    let s = size as f32;
    let image = image::RgbaImage::from_fn(size, size, |x, y| {
        let (u, v) = (x as f32 / s, y as f32 / s);
        let background = image::Rgba([31, 59, 115, 255]);
        let light = image::Rgba([236, 240, 247, 255]);
        let accent = image::Rgba([247, 166, 40, 255]);
        // Input patch: a 3x3 grid of cells on the left.
        if (0.12..0.48).contains(&u) && (0.32..0.68).contains(&v) {
            let cell = |t: f32| ((t * 3.0).fract() - 0.5).abs() < 0.38;
            return if cell((u - 0.12) / 0.36) && cell((v - 0.32) / 0.36) {
                light
            } else {
                background
            };
        }
        // Arrow shaft and head.
        if (0.52..0.72).contains(&u) && (v - 0.5).abs() < 0.03 {
            return light;
        }
        if (0.70..0.80).contains(&u) && (v - 0.5).abs() < (0.80 - u) * 0.9 {
            return light;
        }
        // Output pixel.
        if (0.82..0.92).contains(&u) && (v - 0.5).abs() < 0.05 {
            return accent;
        }
        background
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG encodes in memory");
    out.into_inner()
}
