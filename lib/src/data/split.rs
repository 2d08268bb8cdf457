//! Train/validation splits and stratified k-fold cross-validation, seeded.

use rand::seq::SliceRandom;

use super::rng::{purpose, stream};

/// A seeded shuffle of `0..len` cut into `(train, validation)`, with
/// `round(len * validation_fraction)` samples held out.
pub fn train_val_split(
    len: usize,
    validation_fraction: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    assert!(
        (0.0..=1.0).contains(&validation_fraction),
        "validation fraction must be in [0, 1]"
    );
    let mut order: Vec<usize> = (0..len).collect();
    order.shuffle(&mut stream(seed, purpose(0x5350_4c54, 0), 0));
    let held_out = ((len as f64) * validation_fraction).round() as usize;
    let validation = order.split_off(len - held_out);
    (order, validation)
}

/// One round of k-fold cross-validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
}

/// Stratified k-fold, like scikit-learn's `StratifiedKFold(shuffle=True)`: each class's samples
/// are shuffled and dealt round-robin into `k` folds, so every fold's validation part has
/// (within one sample) the class proportions of the whole set. Every index is validated once.
pub fn stratified_k_fold(labels: &[usize], k: usize, seed: u64) -> Vec<Fold> {
    assert!(k >= 2, "k-fold needs k >= 2");
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &label) in labels.iter().enumerate() {
        by_class[label].push(i);
    }
    let mut fold_of = vec![0usize; labels.len()];
    let mut next = 0;
    for (class, members) in by_class.iter_mut().enumerate() {
        members.shuffle(&mut stream(seed, purpose(0x4b46_4f4c, class as u32), 0));
        for &i in members.iter() {
            fold_of[i] = next % k;
            next += 1;
        }
    }
    (0..k)
        .map(|f| {
            let (validation, train) = (0..labels.len()).partition(|&i| fold_of[i] == f);
            Fold { train, validation }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn train_val_split_partitions_reproducibly() {
        let (train, val) = train_val_split(103, 0.2, 4);
        assert_eq!((train.len(), val.len()), (82, 21));
        let mut all: Vec<usize> = train.iter().chain(&val).copied().collect();
        all.sort();
        assert_eq!(all, (0..103).collect::<Vec<_>>());
        assert_eq!(train_val_split(103, 0.2, 4), (train.clone(), val));
        assert_ne!(train_val_split(103, 0.2, 5).0, train);
    }

    #[test]
    fn stratified_folds_keep_class_proportions_and_cover_everything_once() {
        // 60% class 0, 30% class 1, 10% class 2
        let labels: Vec<usize> = (0..100)
            .map(|i| {
                if i < 60 {
                    0
                } else if i < 90 {
                    1
                } else {
                    2
                }
            })
            .collect();
        let folds = stratified_k_fold(&labels, 5, 1);
        let mut seen = vec![0; 100];
        for fold in &folds {
            assert_eq!(fold.train.len() + fold.validation.len(), 100);
            let count = |c| fold.validation.iter().filter(|&&i| labels[i] == c).count();
            assert!((11..=13).contains(&count(0)), "{}", count(0));
            assert!((5..=7).contains(&count(1)));
            assert!((1..=3).contains(&count(2)));
            for &i in &fold.validation {
                seen[i] += 1;
                assert!(!fold.train.contains(&i));
            }
        }
        assert!(seen.iter().all(|&n| n == 1));
    }
}
