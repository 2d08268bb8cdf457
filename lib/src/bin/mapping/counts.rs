//! Counts on the command line that must be at least 1: epochs, batch size, images per shard,
//! classes shown per image.

/// clap's parser for such a count. `0` is refused where it is typed, rather than giving a run
/// that trains nothing or an error from deep inside.
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(count) => Ok(count),
        Err(e) => Err(e.to_string()),
    }
}
