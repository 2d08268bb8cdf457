//! Shards: packing an image folder and reading it back, and every kind of damage to a pack.

use std::path::Path;

use mapping::data::{pack_image_folder, Dataset, ImageFolder, Shards};

fn folder_with_images(dir: &Path) -> ImageFolder {
    for (class, n) in [("circles", 4u8), ("squares", 3)] {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for i in 0..n {
            let img = image::RgbImage::from_fn(3 + u32::from(i), 4, |x, y| {
                image::Rgb([x as u8 * 40, y as u8 * 50, i * 30])
            });
            img.save(dir.join(class).join(format!("{i}.png"))).unwrap();
        }
    }
    ImageFolder::open(dir).unwrap()
}

#[test]
fn a_packed_folder_reads_back_identically_across_shards() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let folder = folder_with_images(src.path());
    let report = pack_image_folder(&folder, out.path(), 3).unwrap();
    assert_eq!((report.records, report.shards), (7, 3));
    let shards = Shards::open(out.path()).unwrap();
    assert_eq!(shards.len(), 7);
    assert_eq!(shards.classes(), folder.classes());
    for i in 0..7 {
        assert_eq!(shards.get(i).unwrap(), folder.get(i).unwrap(), "record {i}");
        assert_eq!(shards.label(i).unwrap(), folder.label(i).unwrap());
    }
    assert!(shards.get(7).is_err());
    assert!(
        !out.path().join("index.tmp").exists(),
        "the index is renamed into place"
    );
}

#[test]
fn zero_records_per_shard_is_an_error_and_writes_nothing() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("pack");
    let err = pack_image_folder(&folder_with_images(src.path()), &target, 0).unwrap_err();
    assert!(err.to_string().contains("at least 1"), "{err}");
    assert!(
        !target.exists(),
        "no folder is made for a pack that cannot be written"
    );
}

fn packed() -> (tempfile::TempDir, tempfile::TempDir) {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    pack_image_folder(&folder_with_images(src.path()), out.path(), 4).unwrap();
    (src, out)
}

#[test]
fn damaged_packs_give_errors_that_name_the_file() {
    // a truncated shard: the last record's bytes are cut off
    let (_src, out) = packed();
    let shard = out.path().join("shard-00000.bin");
    let bytes = std::fs::read(&shard).unwrap();
    std::fs::write(&shard, &bytes[..bytes.len() - 10]).unwrap();
    let shards = Shards::open(out.path()).unwrap();
    let message = shards.get(3).unwrap_err().to_string();
    assert!(
        message.contains("shard-00000.bin") && message.contains("truncated"),
        "{message}"
    );
    assert!(shards.get(0).is_ok(), "the intact records still read");

    // not a shard file
    std::fs::write(&shard, b"GIF89a...").unwrap();
    let message = Shards::open(out.path()).err().unwrap().to_string();
    assert!(
        message.contains("shard-00000.bin") && message.contains("MAPSHRD1"),
        "{message}"
    );

    // an offsets file of the wrong length
    let (_src, out) = packed();
    std::fs::write(out.path().join("shard-00001.idx"), [0u8; 5]).unwrap();
    let message = Shards::open(out.path()).err().unwrap().to_string();
    assert!(
        message.contains("shard-00001.idx") && message.contains("5 bytes for 3 records"),
        "{message}"
    );

    // an index from the future, and one that points outside the folder
    let (_src, out) = packed();
    let index = out.path().join("index.json");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, text.replace("\"version\": 1", "\"version\": 9")).unwrap();
    let message = Shards::open(out.path()).err().unwrap().to_string();
    assert!(
        message.contains("index.json") && message.contains("version 9"),
        "{message}"
    );
    std::fs::write(&index, text.replace("shard-00000.bin", "../../etc/passwd")).unwrap();
    let message = Shards::open(out.path()).err().unwrap().to_string();
    assert!(message.contains("must be a plain name"), "{message}");
    std::fs::write(&index, "{ not json").unwrap();
    let message = Shards::open(out.path()).err().unwrap().to_string();
    assert!(message.contains("not a shard index"), "{message}");
}

#[test]
fn a_record_with_a_label_out_of_range_is_an_error() {
    let (_src, out) = packed();
    let shard = out.path().join("shard-00000.bin");
    let mut bytes = std::fs::read(&shard).unwrap();
    bytes[8] = 7; // first record's label: only 2 classes
    std::fs::write(&shard, bytes).unwrap();
    let message = Shards::open(out.path())
        .unwrap()
        .get(0)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("label 7 at offset 8 is not one of the 2 classes"),
        "{message}"
    );
}
