//! Reading dataset files: whole files, transparently gunzipped.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The bytes of `path`, decompressed if they start with the gzip magic number.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::data(path, format!("corrupt gzip data: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// The first of `names` that exists in `dir`, also with a `.gz` suffix.
pub fn find_file(dir: &Path, names: &[&str]) -> Result<PathBuf> {
    for name in names {
        for candidate in [dir.join(name), dir.join(format!("{name}.gz"))] {
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(Error::data(
        dir,
        format!("none of {names:?} (or .gz) found here"),
    ))
}
