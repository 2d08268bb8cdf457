#!/usr/bin/env python3
"""Reads a TensorBoard event file with the `tensorboard` package (the reader TensorBoard itself
uses) and prints its scalars as JSON: {"tag": [[step, value], ...], ...}.
Used by tests/tests/suite/tensorboard.rs to check mapping's event writer.
Usage: read_tfevents.py EVENTS_FILE
"""
import json
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def main():
    acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
    acc.Reload()
    out = {tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
