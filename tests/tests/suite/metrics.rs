//! Metrics against scikit-learn on fixed predictions (`fixtures/metrics.json`, written by
//! `scripts/make_metric_fixtures.py`), plus a case small enough to check by hand.

use mapping::metrics::{
    cross_validate, predictions, top_k_accuracy, Average, ClassificationReport, ConfusionMatrix,
    CrossValidation,
};
use mapping_tests::fixture_path;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture_path("metrics.json")).unwrap()).unwrap()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(what: &str, ours: f64, theirs: f64) {
    assert!(
        (ours - theirs).abs() < 1e-12,
        "{what}: ours {ours}, scikit-learn {theirs}"
    );
}

#[test]
fn confusion_matrix_and_scores_equal_scikit_learn() {
    let f = fixture();
    let classes = f["classes"].as_u64().unwrap() as usize;
    let (truth, predicted) = (usizes(&f["truth"]), usizes(&f["predicted"]));
    let matrix = ConfusionMatrix::from_labels(&truth, &predicted, classes).unwrap();
    for (t, row) in f["confusion_matrix"].as_array().unwrap().iter().enumerate() {
        let expected: Vec<u64> = usizes(row).into_iter().map(|v| v as u64).collect();
        assert_eq!(matrix.row(t), expected, "row {t}");
    }
    close(
        "accuracy",
        matrix.accuracy(),
        f["accuracy"].as_f64().unwrap(),
    );
    type Score = fn(&ConfusionMatrix, usize) -> f64;
    type Avg = fn(&ConfusionMatrix, Average) -> f64;
    let scores: [(&str, Score, Avg); 3] = [
        (
            "precision",
            ConfusionMatrix::precision,
            ConfusionMatrix::precision_avg,
        ),
        (
            "recall",
            ConfusionMatrix::recall,
            ConfusionMatrix::recall_avg,
        ),
        ("f1", ConfusionMatrix::f1, ConfusionMatrix::f1_avg),
    ];
    for (name, per_class, averaged) in scores {
        for (c, expected) in floats(&f[name]["per_class"]).into_iter().enumerate() {
            close(&format!("{name}[{c}]"), per_class(&matrix, c), expected);
        }
        for (avg, key) in [
            (Average::Macro, "macro"),
            (Average::Micro, "micro"),
            (Average::Weighted, "weighted"),
        ] {
            close(
                &format!("{name} {key}"),
                averaged(&matrix, avg),
                floats(&f[name][key])[0],
            );
        }
    }
    let scores: Vec<f32> = floats(&f["scores"]).into_iter().map(|v| v as f32).collect();
    close(
        "top-3",
        top_k_accuracy(&scores, &truth, classes, 3).unwrap(),
        f["top_3_accuracy"].as_f64().unwrap(),
    );
}

#[test]
fn a_hand_checked_case() {
    // truth:     0 0 0 1 1 2
    // predicted: 0 0 1 1 2 2
    let m = ConfusionMatrix::from_labels(&[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2], 3).unwrap();
    assert_eq!(
        (m.row(0), m.row(1), m.row(2)),
        (&[2, 1, 0][..], &[0, 1, 1][..], &[0, 0, 1][..])
    );
    assert_eq!(m.accuracy(), 4.0 / 6.0);
    // class 1: predicted twice (once right) -> precision 1/2; two true samples, one found -> recall 1/2
    assert_eq!((m.precision(1), m.recall(1), m.f1(1)), (0.5, 0.5, 0.5));
    // class 0: precision 2/2, recall 2/3, F1 = 2 * 1 * 2/3 / (1 + 2/3) = 0.8
    assert!((m.f1(0) - 0.8).abs() < 1e-12);
    assert!((m.precision_avg(Average::Macro) - (1.0 + 0.5 + 0.5) / 3.0).abs() < 1e-12);
    assert_eq!(m.f1_avg(Average::Micro), m.accuracy());
    let report =
        ClassificationReport::new(&m, &["cat".into(), "dog".into(), "bird".into()]).to_string();
    assert!(
        report.contains("cat") && report.contains("0.8000") && report.contains("weighted avg"),
        "{report}"
    );
    assert!(ConfusionMatrix::from_labels(&[0, 3], &[0, 1], 3)
        .unwrap_err()
        .to_string()
        .contains("sample 1: label 3"));
    assert!(
        top_k_accuracy(&[0.1, 0.9], &[0, 0], 2, 1).is_err(),
        "scores do not match the samples"
    );
    // ties rank the smaller class index first: truth 1 with scores [0.5, 0.5] is not top-1
    assert_eq!(top_k_accuracy(&[0.5, 0.5], &[1], 2, 1).unwrap(), 0.0);
    assert_eq!(predictions(&[0.1, 0.7, 0.2, 0.5, 0.5, -1.0], 3), [1, 0]);
}

#[test]
fn cross_validation_reports_every_fold_with_mean_and_population_std() {
    let labels: Vec<usize> = (0..50).map(|i| i % 2).collect();
    let mut seen = Vec::new();
    let cv = cross_validate(&labels, 5, 3, |i, fold| {
        seen.extend(fold.validation.iter().copied());
        assert_eq!(fold.train.len() + fold.validation.len(), 50);
        Ok(0.5 + i as f64 * 0.1)
    })
    .unwrap();
    seen.sort();
    assert_eq!(seen, (0..50).collect::<Vec<_>>());
    assert_eq!(cv.scores.len(), 5);
    assert!((cv.mean - 0.7).abs() < 1e-12);
    // numpy.std([0.5, 0.6, 0.7, 0.8, 0.9]) = sqrt(0.02)
    assert!((cv.std - 0.02f64.sqrt()).abs() < 1e-12);
    assert_eq!(CrossValidation::from_scores(vec![1.0]).std, 0.0);
}
