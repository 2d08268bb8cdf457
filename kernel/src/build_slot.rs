//! One evcxr build folder per running kernel.
//!
//! evcxr rewrites `Cargo.toml` and `src/` in its build folder for every cell, so two kernels
//! in one folder — two notebooks open at once — break each other's builds (seen: "can't find
//! lib `evcxr_dummy_validate_dep`"). Each kernel therefore locks a slot: the shared build
//! folder itself when it is free, else `<folder>-2`, `<folder>-3`, ... A slot stays built, so
//! the next kernel that gets it starts warm; only a slot's first use compiles the library.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// More kernels than this at once on one machine is more likely a leak than a course.
pub const MAX_SLOTS: usize = 16;

/// A build folder this process holds until it exits (the lock goes with the process, even if
/// it crashes).
#[derive(Debug)]
pub struct BuildSlot {
    pub dir: PathBuf,
    _lock: File,
}

/// Locks the first free slot of `base`.
pub fn claim(base: &Path) -> Result<BuildSlot, String> {
    for n in 1..=MAX_SLOTS {
        let dir = slot_dir(base, n);
        crate::spec::private_dir(&dir)?;
        if let Some(lock) = try_lock(&dir.join(".kernel.lock"))? {
            return Ok(BuildSlot { dir, _lock: lock });
        }
    }
    Err(format!(
        "{}: {MAX_SLOTS} kernels are already running on this build folder; shut one down",
        base.display()
    ))
}

/// An exclusive lock on `path` (created if missing) for as long as the file is open, or
/// `None` when another process holds it.
pub fn try_lock(path: &Path) -> Result<Option<File>, String> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(format!("{}: cannot lock: {e}", path.display())),
    }
}

pub(crate) fn slot_dir(base: &Path, n: usize) -> PathBuf {
    if n == 1 {
        return base.to_path_buf();
    }
    let mut name = base.file_name().unwrap_or_default().to_os_string();
    name.push(format!("-{n}"));
    base.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_kernel_gets_its_own_folder_and_the_first_is_reused() {
        let root = tempfile::tempdir().unwrap();
        let base = root.path().join("evcxr-build");
        let first = claim(&base).unwrap();
        let second = claim(&base).unwrap();
        assert_eq!(first.dir, base);
        assert_eq!(second.dir, root.path().join("evcxr-build-2"));
        drop(first);
        // The warm shared folder goes to the next kernel as soon as it is free.
        assert_eq!(claim(&base).unwrap().dir, base);
    }

    #[test]
    fn slots_run_out_with_a_clear_message() {
        let root = tempfile::tempdir().unwrap();
        let base = root.path().join("b");
        let held: Vec<BuildSlot> = (0..MAX_SLOTS).map(|_| claim(&base).unwrap()).collect();
        assert_eq!(held.len(), MAX_SLOTS);
        let err = claim(&base).unwrap_err();
        assert!(err.contains("already running"), "{err}");
    }
}
