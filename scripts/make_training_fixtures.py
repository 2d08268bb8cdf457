#!/usr/bin/env python3
"""Writes tests/fixtures/training.json: PyTorch's learning-rate schedules, losses and optimizer
trajectories, for mapping::train and mapping::optim. Run: .venv/bin/python scripts/make_training_fixtures.py
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


P0 = [[0.5, -1.0, 2.0], [0.1, -0.3, 1.5]]
RATE = [[0.1, 1.0, 2.0], [10.0, 0.5, 3.0]]

OPTIMIZERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda p: torch.optim.Adam(p, lr=0.05),
    "adam_l2": lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.05, betas=(0.8, 0.99), weight_decay=0.1),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01),
    "rmsprop_centered_momentum": lambda p: torch.optim.RMSprop(
        p, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1),
    "adagrad_decay": lambda p: torch.optim.Adagrad(
        p, lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1),
}


def trajectory(make, steps=6):
    """Parameters after each step on loss = sum(rate * p^2) + 0.3 * sum(p)."""
    p = torch.tensor(P0, dtype=torch.float32, requires_grad=True)
    rate = torch.tensor(RATE)
    opt = make([p])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        ((rate * p * p).sum() + 0.3 * p.sum()).backward()
        opt.step()
        out.append(p.detach().flatten().tolist())
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
        "bce_logits": F.binary_cross_entropy_with_logits(logits, torch.sigmoid(logits.flip(0))).item(),
        "mse": F.mse_loss(logits, logits.flip(0)).item(),
        "optim_p0": P0,
        "optim_rate": RATE,
        "optim": {name: trajectory(make) for name, make in OPTIMIZERS.items()},
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
