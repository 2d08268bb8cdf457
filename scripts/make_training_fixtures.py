#!/usr/bin/env python3
"""Writes tests/fixtures/training.json: PyTorch's learning-rate schedules and label-smoothed
cross-entropy, for mapping::train. Run: .venv/bin/python scripts/make_training_fixtures.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "training.json"


def lrs(make, steps):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def main():
    torch.manual_seed(0)
    logits = torch.randn(6, 5)
    labels = torch.tensor([0, 3, 4, 1, 1, 2])
    out = {
        "torch": torch.__version__,
        "step_lr": lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5), 30),
        "cosine": lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=0.001), 21),
        "one_cycle": lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=40), 40),
        "logits": logits.flatten().tolist(),
        "labels": labels.tolist(),
        "ce_smooth_0.1": F.cross_entropy(logits, labels, label_smoothing=0.1).item(),
        "ce_smooth_0": F.cross_entropy(logits, labels).item(),
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
