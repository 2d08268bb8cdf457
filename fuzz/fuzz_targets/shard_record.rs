//! The shard record reader on arbitrary bytes and offsets: an error or an in-bounds record.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mapping::data::parse_record;

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let offset = u64::from_le_bytes(data[..8].try_into().unwrap()) % (data.len() as u64 + 16);
    let classes = usize::from(data[8]);
    let shard = &data[9..];
    if let Ok((label, bytes)) = parse_record(shard, offset, classes) {
        assert!(label < classes);
        let start = bytes.as_ptr() as usize - shard.as_ptr() as usize;
        assert!(start + bytes.len() <= shard.len());
    }
});
