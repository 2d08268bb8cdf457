//! Files that are either the old version or the new one, never half-written.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over `path`:
/// a crash leaves the previous file intact (rename is atomic on POSIX file systems). A write or
/// rename that fails (a full disk, a folder in the way) removes the temporary again.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temporary_sibling(path);
    let mut file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let written = file
        .write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::io(&tmp, e))
        .and_then(|_| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    // Make the rename itself durable.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

/// `dir/name.ext` -> `dir/.name.ext.tmp`: unique per target, hidden from globs.
fn temporary_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_failed_rename_names_the_file_and_removes_the_temporary() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty folder where the file should go: the rename fails, the write did not.
        let path = dir.path().join("last.safetensors");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"x").unwrap();
        let err = write_atomically(&path, b"weights").unwrap_err();
        assert!(err.to_string().contains("last.safetensors"), "{err}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["last.safetensors"], "the temporary is gone");
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_the_file() {
        let err = write_atomically(Path::new("/no/such/dir/x.json"), b"x").unwrap_err();
        assert!(err.to_string().contains(".x.json.tmp"), "{err}");
    }
}
