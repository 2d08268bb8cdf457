//! Fetching MNIST and CIFAR-10 from their official locations, checksummed and resumable.
//!
//! A download goes to `<file>.part`; an interrupted one resumes from there with an HTTP range
//! request; the finished file must have the published MD5 (the list torchvision checks) or it
//! is deleted and reported; only then is it renamed into place. Nothing here runs unless asked:
//! tests and the offline default never touch the network.

use std::io::Read;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};

use crate::error::{Error, Result};

/// A file to fetch: where from, its name, its published MD5.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resource {
    pub url: &'static str,
    pub file: &'static str,
    pub md5: &'static str,
}

/// The four MNIST files, from the mirror torchvision uses, with their published checksums.
pub const MNIST: [Resource; 4] = [
    Resource {
        url: "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz",
        file: "train-images-idx3-ubyte.gz",
        md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    },
    Resource {
        url: "https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz",
        file: "train-labels-idx1-ubyte.gz",
        md5: "d53e105ee54ea40749a09fcbcd1e9432",
    },
    Resource {
        url: "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz",
        file: "t10k-images-idx3-ubyte.gz",
        md5: "9fb629c4189551a2d022fa330f9573f3",
    },
    Resource {
        url: "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
        file: "t10k-labels-idx1-ubyte.gz",
        md5: "ec29112dd5afa0611ce80d1b7f02629c",
    },
];

/// The CIFAR-10 binary release from its authors' page.
pub const CIFAR10_BINARY: Resource = Resource {
    url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    file: "cifar-10-binary.tar.gz",
    md5: "c32a1d4ab5d03f1284b67883e8d87530",
};

/// The MD5 of a file, as lowercase hex.
pub fn md5_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Md5::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Fetches `resource` into `dir` unless a file with the right checksum is already there.
/// `url` overrides the resource's own (a mirror, or a local server in tests).
pub fn fetch(resource: &Resource, dir: &Path, url: Option<&str>) -> Result<PathBuf> {
    let target = dir.join(resource.file);
    if target.is_file() && md5_file(&target)? == resource.md5 {
        return Ok(target);
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let part = dir.join(format!("{}.part", resource.file));
    download_to(url.unwrap_or(resource.url), &part)?;
    let actual = md5_file(&part)?;
    if actual != resource.md5 {
        std::fs::remove_file(&part).map_err(|e| Error::io(&part, e))?;
        return Err(Error::data(
            &target,
            format!(
                "checksum mismatch: MD5 {actual}, expected {} (the partial file was deleted)",
                resource.md5
            ),
        ));
    }
    std::fs::rename(&part, &target).map_err(|e| Error::io(&target, e))?;
    Ok(target)
}

/// Downloads `url` to `part`, resuming after what `part` already holds.
#[cfg(feature = "download")]
fn download_to(url: &str, part: &Path) -> Result<()> {
    use std::io::Write;
    let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    let mut request = ureq::get(url).timeout(std::time::Duration::from_secs(60));
    if have > 0 {
        request = request.set("Range", &format!("bytes={have}-"));
    }
    let response = match request.call() {
        Ok(response) => response,
        // 416: the range starts at the end, the file is complete.
        Err(ureq::Error::Status(416, _)) if have > 0 => return Ok(()),
        Err(ureq::Error::Status(code, r)) => {
            return Err(Error::data(
                part,
                format!("{url}: HTTP {code} {}", r.status_text()),
            ))
        }
        Err(e) => return Err(Error::data(part, format!("{url}: {e}"))),
    };
    // 206 continues the partial file; 200 means the server sent it whole: start over.
    let append = response.status() == 206;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(append)
        .write(true)
        .truncate(!append)
        .open(part)
        .map_err(|e| Error::io(part, e))?;
    let mut reader = response.into_reader();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buffer).map_err(|e| {
            Error::data(
                part,
                format!("{url}: connection lost ({e}); run again to resume"),
            )
        })?;
        if n == 0 {
            break;
        }
        file.write_all(&buffer[..n])
            .map_err(|e| Error::io(part, e))?;
    }
    file.sync_all().map_err(|e| Error::io(part, e))
}

#[cfg(not(feature = "download"))]
fn download_to(url: &str, part: &Path) -> Result<()> {
    Err(Error::data(
        part,
        format!("{url}: built without the `download` feature"),
    ))
}

/// MNIST into `dir` (four gz files, which `Mnist::open(dir, ..)` reads as they are).
pub fn fetch_mnist(dir: &Path) -> Result<()> {
    MNIST
        .iter()
        .try_for_each(|resource| fetch(resource, dir, None).map(|_| ()))
}

/// CIFAR-10's binary release into `dir`, unpacked (read it with `Cifar::cifar10(dir, ..)`).
pub fn fetch_cifar10(dir: &Path) -> Result<()> {
    let archive = fetch(&CIFAR10_BINARY, dir, None)?;
    super::archive::extract_tar_gz(&archive, dir).map(|_| ())
}
