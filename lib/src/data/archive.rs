//! Unpacking `.tar.gz` archives without letting an entry write outside the target folder.

use std::path::{Component, Path};

use crate::error::{Error, Result};

/// Unpacks `archive` (gzip-compressed tar) into `dest`. Refuses — with an error naming the
/// archive and the entry — absolute paths, `..` components, links and special files: an
/// archive from the internet must not be able to write anywhere but `dest`.
pub fn extract_tar_gz(archive: &Path, dest: &Path) -> Result<usize> {
    let file = std::fs::File::open(archive).map_err(|e| Error::io(archive, e))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    let mut unpacked = 0;
    let entries = tar
        .entries()
        .map_err(|e| Error::data(archive, format!("not a tar.gz archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::data(archive, format!("corrupt archive: {e}")))?;
        let path = entry
            .path()
            .map_err(|e| Error::data(archive, format!("entry with an unreadable name: {e}")))?
            .into_owned();
        let refuse = |why: &str| {
            Error::data(
                archive,
                format!("refusing entry `{}`: {why}", path.display()),
            )
        };
        if path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(refuse(
                "its path leaves the target folder (absolute, or `..`)",
            ));
        }
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            return Err(refuse("links and special files are not allowed"));
        }
        let target = dest.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        entry.unpack(&target).map_err(|e| {
            Error::data(archive, format!("cannot unpack `{}`: {e}", path.display()))
        })?;
        unpacked += usize::from(kind.is_file());
    }
    Ok(unpacked)
}
