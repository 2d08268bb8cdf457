#!/usr/bin/env python3
"""Writes tests/fixtures/metrics.json: scikit-learn's metrics on fixed random predictions.

Seven classes, 500 samples; class 5 is never predicted and class 6 never occurs in the truth,
so the zero-division conventions are exercised. Run: .venv/bin/python scripts/make_metric_fixtures.py
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn import metrics

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "metrics.json"


def main():
    rng = np.random.default_rng(5)
    classes = 7
    truth = rng.integers(0, 6, 500)  # class 6 never true
    predicted = np.where(rng.random(500) < 0.6, truth, rng.integers(0, 7, 500))
    predicted = np.where(predicted == 5, 4, predicted)  # class 5 never predicted
    scores = rng.normal(size=(500, classes)).astype(np.float32)
    scores[np.arange(500), truth] += 1.0
    labels = list(range(classes))
    out = {
        "sklearn": sklearn.__version__,
        "classes": classes,
        "truth": truth.tolist(),
        "predicted": predicted.tolist(),
        "scores": scores.ravel().tolist(),
        "confusion_matrix": metrics.confusion_matrix(truth, predicted, labels=labels).tolist(),
        "accuracy": metrics.accuracy_score(truth, predicted),
        "top_3_accuracy": metrics.top_k_accuracy_score(truth, scores, k=3, labels=labels),
    }
    for name, fn in [("precision", metrics.precision_score), ("recall", metrics.recall_score), ("f1", metrics.f1_score)]:
        out[name] = {avg or "per_class": np.atleast_1d(fn(truth, predicted, labels=labels, average=avg, zero_division=0)).tolist()
                     for avg in [None, "macro", "micro", "weighted"]}
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
