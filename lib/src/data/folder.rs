//! Image folders, ImageNet style: `root/<class>/<image>`.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Dataset, Image, Sample};
use crate::error::{Error, Result};

const EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "bmp"];

/// Like torchvision's `ImageFolder`: one sub-folder per class, class names sorted, files
/// sorted within a class; images of any size, decoded on demand to RGB.
#[derive(Clone, Debug)]
pub struct ImageFolder {
    root: PathBuf,
    files: Vec<(PathBuf, usize)>,
    classes: Vec<String>,
}

/// What [`ImageFolder::verify`] does with an image that does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadImagePolicy {
    /// Stop at the first one, with an error naming it.
    Fail,
    /// Leave it out and list it in the report.
    SkipAndReport,
}

impl ImageFolder {
    /// Scans `root`. An empty class folder is an error (it would silently shift nothing but
    /// leave a class without examples); files with other extensions are ignored.
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        let mut classes: Vec<String> = std::fs::read_dir(&root)
            .map_err(|e| Error::io(&root, e))?
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.path().is_dir())
            .filter_map(|entry| entry.file_name().to_str().map(String::from))
            .collect();
        classes.sort();
        if classes.is_empty() {
            return Err(Error::data(
                &root,
                "no class folders: expected root/<class>/<image>",
            ));
        }
        let mut files = Vec::new();
        for (label, class) in classes.iter().enumerate() {
            let dir = root.join(class);
            let mut in_class: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(|e| Error::io(&dir, e))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.is_file() && has_image_extension(path))
                .collect();
            if in_class.is_empty() {
                return Err(Error::data(
                    &dir,
                    format!(
                        "class folder `{class}` has no images ({})",
                        EXTENSIONS.join(", ")
                    ),
                ));
            }
            in_class.sort();
            files.extend(in_class.into_iter().map(|path| (path, label)));
        }
        Ok(Self {
            root,
            files,
            classes,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of sample `index`.
    pub fn path(&self, index: usize) -> &Path {
        &self.files[index].0
    }

    /// Decodes every image in parallel: with `Fail`, the first bad one is the error; with
    /// `SkipAndReport`, the bad ones are dropped and returned as `(file, reason)`.
    pub fn verify(self, policy: BadImagePolicy) -> Result<(Self, Vec<(PathBuf, String)>)> {
        let outcomes: Vec<Option<String>> = self
            .files
            .par_iter()
            .map(|(path, _)| read_image(path).err().map(|e| e.to_string()))
            .collect();
        let mut bad = Vec::new();
        let mut files = Vec::with_capacity(self.files.len());
        for ((path, label), outcome) in self.files.into_iter().zip(outcomes) {
            match outcome {
                None => files.push((path, label)),
                Some(reason) if policy == BadImagePolicy::Fail => {
                    return Err(Error::data(path, reason))
                }
                Some(reason) => bad.push((path, reason)),
            }
        }
        Ok((Self { files, ..self }, bad))
    }
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Decodes an image file (JPEG or PNG) to an RGB [`Image`] with values in [0, 1].
pub fn read_image(path: &Path) -> Result<Image> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_bytes(&bytes).map_err(|message| Error::data(path, message))
}

pub(crate) fn decode_bytes(bytes: &[u8]) -> std::result::Result<Image, String> {
    let decoded =
        image::load_from_memory(bytes).map_err(|e| format!("cannot decode image: {e}"))?;
    let rgb = decoded.to_rgb8();
    let (w, h) = rgb.dimensions();
    Ok(Image::from_hwc_u8(3, h as usize, w as usize, rgb.as_raw()))
}

impl Dataset for ImageFolder {
    fn len(&self) -> usize {
        self.files.len()
    }

    fn get(&self, index: usize) -> Result<Sample> {
        let (path, label) = self
            .files
            .get(index)
            .ok_or_else(|| Error::data(&self.root, format!("index {index} out of range")))?;
        Ok(Sample {
            image: read_image(path)?,
            label: *label,
        })
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn label(&self, index: usize) -> Result<usize> {
        self.files
            .get(index)
            .map(|(_, l)| *l)
            .ok_or_else(|| Error::data(&self.root, format!("index {index} out of range")))
    }
}
