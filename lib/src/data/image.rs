//! `Image`: one picture as `channels x height x width` floats.

/// An image as the pipeline carries it: `f32` planes, row-major, `C x H x W` — what PyTorch's
/// `ToTensor` produces. Decoded pixels are scaled to `[0, 1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    channels: usize,
    height: usize,
    width: usize,
    data: Vec<f32>,
}

impl Image {
    /// An image from its planes. Panics if `data` does not hold `channels * height * width`
    /// values: that is a bug in the caller, not bad input.
    pub fn new(channels: usize, height: usize, width: usize, data: Vec<f32>) -> Self {
        assert_eq!(
            data.len(),
            channels * height * width,
            "image data does not match {channels}x{height}x{width}"
        );
        Self {
            channels,
            height,
            width,
            data,
        }
    }

    pub fn zeros(channels: usize, height: usize, width: usize) -> Self {
        Self::new(
            channels,
            height,
            width,
            vec![0.0; channels * height * width],
        )
    }

    /// From interleaved bytes (`H x W x C`, as decoders produce), scaled to `[0, 1]`.
    pub fn from_hwc_u8(channels: usize, height: usize, width: usize, pixels: &[u8]) -> Self {
        assert_eq!(pixels.len(), channels * height * width);
        let plane = height * width;
        let mut data = vec![0.0; pixels.len()];
        for (i, px) in pixels.chunks_exact(channels).enumerate() {
            for (c, &v) in px.iter().enumerate() {
                data[c * plane + i] = f32::from(v) / 255.0;
            }
        }
        Self::new(channels, height, width, data)
    }

    /// From planar bytes (`C x H x W`, as in the CIFAR and IDX files), scaled to `[0, 1]`.
    pub fn from_chw_u8(channels: usize, height: usize, width: usize, pixels: &[u8]) -> Self {
        Self::new(
            channels,
            height,
            width,
            pixels.iter().map(|&v| f32::from(v) / 255.0).collect(),
        )
    }

    /// Interleaved bytes (`H x W x C`) for encoders and displays: values clamped to `[0, 1]`
    /// and rounded, as `ToPILImage` does.
    pub fn to_hwc_u8(&self) -> Vec<u8> {
        let plane = self.height * self.width;
        let mut out = vec![0u8; self.data.len()];
        for c in 0..self.channels {
            for i in 0..plane {
                out[i * self.channels + c] =
                    (self.data[c * plane + i].clamp(0.0, 1.0) * 255.0).round() as u8;
            }
        }
        out
    }

    pub fn channels(&self) -> usize {
        self.channels
    }
    pub fn height(&self) -> usize {
        self.height
    }
    pub fn width(&self) -> usize {
        self.width
    }
    /// `(channels, height, width)`.
    pub fn dims(&self) -> (usize, usize, usize) {
        (self.channels, self.height, self.width)
    }
    pub fn data(&self) -> &[f32] {
        &self.data
    }
    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }
    pub fn into_data(self) -> Vec<f32> {
        self.data
    }
    pub fn plane(&self, c: usize) -> &[f32] {
        let n = self.height * self.width;
        &self.data[c * n..(c + 1) * n]
    }
    pub fn plane_mut(&mut self, c: usize) -> &mut [f32] {
        let n = self.height * self.width;
        &mut self.data[c * n..(c + 1) * n]
    }
    #[inline]
    pub fn get(&self, c: usize, y: usize, x: usize) -> f32 {
        self.data[(c * self.height + y) * self.width + x]
    }
    #[inline]
    pub fn set(&mut self, c: usize, y: usize, x: usize, v: f32) {
        self.data[(c * self.height + y) * self.width + x] = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaved_and_planar_bytes_round_trip() {
        // 1x2 RGB: red, then blue
        let hwc = [255u8, 0, 0, 0, 0, 255];
        let img = Image::from_hwc_u8(3, 1, 2, &hwc);
        assert_eq!(img.plane(0), &[1.0, 0.0]);
        assert_eq!(img.plane(2), &[0.0, 1.0]);
        assert_eq!(img.to_hwc_u8(), hwc);
        let chw = [255u8, 0, 0, 0, 0, 255];
        assert_eq!(Image::from_chw_u8(3, 1, 2, &chw), img);
    }
}
