//! Shards: a dataset packed into a few large files, read by memory map.
//!
//! Millions of small image files are slow to list and open; a few large files stream from disk
//! at full speed and the OS pages them in and out as needed, so a dataset larger than RAM reads
//! with flat memory. A shard folder holds:
//!
//! - `index.json` — format version, class names, and each shard's file and record count;
//! - `shard-NNNNN.bin` — `MAPSHRD1`, then records `label: u32 LE, length: u32 LE, bytes`, the
//!   bytes being the image file exactly as it was (JPEG/PNG: no re-encoding, no quality loss);
//! - `shard-NNNNN.idx` — the byte offset of every record, `u64 LE`, for random access.
//!
//! `index.json` is written last (atomically), so a half-written pack is never read as whole.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use serde::{Deserialize, Serialize};

use super::folder::decode_bytes;
use super::{Dataset, ImageFolder, Sample};
use crate::error::{Error, Result};
use crate::fs::write_atomically;

/// The first bytes of every shard file.
pub const SHARD_MAGIC: &[u8; 8] = b"MAPSHRD1";
const INDEX: &str = "index.json";
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct ShardIndex {
    version: u32,
    classes: Vec<String>,
    shards: Vec<ShardEntry>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct ShardEntry {
    file: String,
    records: usize,
}

/// What [`pack_image_folder`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackReport {
    pub records: usize,
    pub shards: usize,
    pub bytes: u64,
}

/// Packs an image folder into shards of at most `records_per_shard` images, streaming one file
/// at a time (memory stays flat). The images are copied byte for byte.
pub fn pack_image_folder(
    folder: &ImageFolder,
    out: impl AsRef<Path>,
    records_per_shard: usize,
) -> Result<PackReport> {
    let out = out.as_ref();
    if records_per_shard == 0 {
        return Err(Error::config(
            "pack",
            "records per shard must be at least 1, got 0",
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut shards = Vec::new();
    let mut bytes = 0u64;
    for (number, start) in (0..folder.len()).step_by(records_per_shard).enumerate() {
        let end = (start + records_per_shard).min(folder.len());
        let name = format!("shard-{number:05}");
        bytes += write_shard(
            folder,
            start..end,
            &out.join(format!("{name}.bin")),
            &out.join(format!("{name}.idx")),
        )?;
        shards.push(ShardEntry {
            file: format!("{name}.bin"),
            records: end - start,
        });
    }
    let index = ShardIndex {
        version: FORMAT_VERSION,
        classes: folder.classes().to_vec(),
        shards,
    };
    let json = serde_json::to_vec_pretty(&index).expect("plain data serialises");
    write_atomically(&out.join(INDEX), &json)?;
    Ok(PackReport {
        records: folder.len(),
        shards: index.shards.len(),
        bytes,
    })
}

fn write_shard(
    folder: &ImageFolder,
    range: std::ops::Range<usize>,
    bin: &Path,
    idx: &Path,
) -> Result<u64> {
    let mut data = BufWriter::new(File::create(bin).map_err(|e| Error::io(bin, e))?);
    let mut offsets = Vec::with_capacity(range.len() * 8);
    let mut position = SHARD_MAGIC.len() as u64;
    data.write_all(SHARD_MAGIC).map_err(|e| Error::io(bin, e))?;
    for i in range {
        let path = folder.path(i);
        let image = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let length = u32::try_from(image.len())
            .map_err(|_| Error::data(path, "image file larger than 4 GiB"))?;
        let label = folder.label(i)? as u32;
        offsets.extend_from_slice(&position.to_le_bytes());
        for chunk in [
            &label.to_le_bytes()[..],
            &length.to_le_bytes()[..],
            &image[..],
        ] {
            data.write_all(chunk).map_err(|e| Error::io(bin, e))?;
        }
        position += 8 + image.len() as u64;
    }
    data.flush().map_err(|e| Error::io(bin, e))?;
    std::fs::write(idx, offsets).map_err(|e| Error::io(idx, e))?;
    Ok(position)
}

/// A packed dataset, memory-mapped: see the module docs.
pub struct Shards {
    root: PathBuf,
    classes: Vec<String>,
    shards: Vec<MappedShard>,
    /// `starts[k]` = index of the first record of shard `k`.
    starts: Vec<usize>,
    len: usize,
}

struct MappedShard {
    path: PathBuf,
    map: Mmap,
    offsets: Vec<u64>,
}

impl Shards {
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        let index_path = root.join(INDEX);
        let text = std::fs::read(&index_path).map_err(|e| Error::io(&index_path, e))?;
        let index: ShardIndex = serde_json::from_slice(&text)
            .map_err(|e| Error::data(&index_path, format!("not a shard index: {e}")))?;
        if index.version != FORMAT_VERSION {
            return Err(Error::data(
                &index_path,
                format!(
                    "shard format version {}, this reader knows {FORMAT_VERSION}",
                    index.version
                ),
            ));
        }
        let mut shards = Vec::with_capacity(index.shards.len());
        let mut starts = Vec::with_capacity(index.shards.len());
        let mut len = 0usize;
        for entry in &index.shards {
            if entry.file.contains('/') || entry.file.contains('\\') || entry.file.starts_with('.')
            {
                return Err(Error::data(
                    &index_path,
                    format!(
                        "shard file name `{}` must be a plain name in the shard folder",
                        entry.file
                    ),
                ));
            }
            let path = root.join(&entry.file);
            let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
            // SAFETY: the map is read-only; a shard changed by another process while mapped can
            // only yield wrong bytes, which every read below checks before trusting.
            let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(&path, e))?;
            if !map.starts_with(SHARD_MAGIC) {
                return Err(Error::data(
                    &path,
                    "does not start with MAPSHRD1: not a shard file",
                ));
            }
            let idx_path = path.with_extension("idx");
            let raw = std::fs::read(&idx_path).map_err(|e| Error::io(&idx_path, e))?;
            if raw.len() != entry.records * 8 {
                return Err(Error::data(
                    &idx_path,
                    format!("{} bytes for {} records (8 each)", raw.len(), entry.records),
                ));
            }
            let offsets = raw
                .chunks_exact(8)
                .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
                .collect();
            starts.push(len);
            len += entry.records;
            shards.push(MappedShard { path, map, offsets });
        }
        Ok(Self {
            root,
            classes: index.classes,
            shards,
            starts,
            len,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The label and the stored image bytes of record `index`, checked against the file.
    fn record(&self, index: usize) -> Result<(usize, &[u8], &Path)> {
        if index >= self.len {
            return Err(Error::data(
                &self.root,
                format!("index {index} out of range: {} records", self.len),
            ));
        }
        let k = self.starts.partition_point(|&s| s <= index) - 1;
        let shard = &self.shards[k];
        let (label, bytes) = parse_record(
            &shard.map,
            shard.offsets[index - self.starts[k]],
            self.classes.len(),
        )
        .map_err(|message| Error::data(&shard.path, message))?;
        Ok((label, bytes, &shard.path))
    }
}

/// One record at `offset` of a shard's bytes: `(label, image bytes)`, or what is wrong.
pub fn parse_record(
    shard: &[u8],
    offset: u64,
    classes: usize,
) -> std::result::Result<(usize, &[u8]), String> {
    let at = usize::try_from(offset).map_err(|_| format!("offset {offset} too large"))?;
    let header = shard.get(at..at.saturating_add(8)).ok_or_else(|| {
        format!(
            "record header at offset {at} is past the end ({} bytes)",
            shard.len()
        )
    })?;
    let label = u32::from_le_bytes(header[..4].try_into().unwrap()) as usize;
    let length = u32::from_le_bytes(header[4..].try_into().unwrap()) as usize;
    if label >= classes {
        return Err(format!(
            "label {label} at offset {at} is not one of the {classes} classes"
        ));
    }
    let body = shard
        .get(at + 8..(at + 8).saturating_add(length))
        .ok_or_else(|| {
            format!("record at offset {at} claims {length} bytes past the end (truncated shard)")
        })?;
    Ok((label, body))
}

impl Dataset for Shards {
    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, index: usize) -> Result<Sample> {
        let (label, bytes, path) = self.record(index)?;
        let image = decode_bytes(bytes)
            .map_err(|message| Error::data(path, format!("record {index}: {message}")))?;
        Ok(Sample { image, label })
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn label(&self, index: usize) -> Result<usize> {
        Ok(self.record(index)?.0)
    }
}
