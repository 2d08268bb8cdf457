#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures the Rust tests read (tests/fixtures/, committed).

- ops.safetensors: conv2d / max_pool2d / avg_pool2d / batch_norm2d cases. Per case: the inputs,
  the output, and the gradient of every input for the upstream gradient `grad_out`
  (loss = sum(out * grad_out)); batch norm adds its running statistics after the training step
  and the evaluation-mode output and gradients. Computed in float64 from float32 inputs, stored as float32.
  The case list is the JSON in the file's metadata.
- param_counts.json: PyTorch's parameter count of each network in `mapping::models`.
- tf_cifar_cnn.safetensors: a PyTorch nn.Sequential state_dict of the TF CIFAR CNN, an input
  batch and PyTorch's logits for it (loading by name must reproduce the logits).

Run: .venv/bin/python scripts/make_fixtures.py   (needs torch, safetensors)
"""
import json
import pathlib
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def conv_cases():
    # (batch, c_in, c_out, h, w, kernel, stride, padding, dilation, groups, bias)
    hand = [
        (1, 1, 1, 5, 5, 3, 1, 0, 1, 1, False),  # the chapter-02 example size
        (2, 3, 4, 7, 7, 3, 1, 1, 1, 1, True),
        (2, 3, 8, 9, 9, 3, 2, 1, 1, 1, True),
        (1, 4, 4, 8, 8, 3, 1, 1, 1, 4, True),  # depthwise
        (3, 4, 6, 10, 10, 3, 1, 2, 2, 2, True),  # dilated, grouped
        (2, 6, 3, 6, 6, 1, 1, 0, 1, 3, True),  # pointwise, grouped
        (2, 5, 7, 6, 6, 1, 1, 0, 1, 1, False),  # pointwise (no im2col path)
        (1, 2, 3, 11, 7, 5, 3, 2, 1, 1, True),  # non-square image
        (2, 3, 2, 13, 13, 7, 2, 3, 1, 1, True),  # stem-like 7x7 / 2
        (1, 2, 2, 4, 4, 4, 4, 0, 1, 1, True),  # patchify
        (2, 3, 5, 5, 5, 5, 1, 0, 1, 1, True),  # kernel = image
        (1, 3, 3, 6, 6, 2, 1, 1, 2, 1, True),  # even kernel, dilation
    ]
    rng = random.Random(7)
    cases = list(hand)
    while len(cases) < 36:
        k = rng.randint(1, 5)
        s = rng.randint(1, 3)
        d = rng.randint(1, 2)
        p = rng.randint(0, 3)
        g = rng.choice([1, 1, 2, 3])
        cin = g * rng.randint(1, 3)
        cout = g * rng.randint(1, 3)
        h = rng.randint(max(1, d * (k - 1) + 1 - 2 * p), 12)
        w = rng.randint(max(1, d * (k - 1) + 1 - 2 * p), 12)
        b = rng.choice([1, 2, 3])
        cases.append((b, cin, cout, h, w, k, s, p, d, g, rng.random() < 0.7))
    return cases


def pool_cases():
    # (batch, channels, h, w, kernel, stride, padding)
    hand = [(1, 1, 4, 4, 2, 2, 0), (2, 3, 7, 7, 3, 2, 1), (2, 2, 8, 8, 2, 1, 0), (1, 3, 9, 5, 3, 3, 1)]
    rng = random.Random(11)
    cases = list(hand)
    while len(cases) < 16:
        k = rng.randint(2, 3)
        s = rng.randint(1, 3)
        p = rng.randint(0, k // 2)
        h = rng.randint(k, 11)
        w = rng.randint(k, 11)
        cases.append((rng.randint(1, 3), rng.randint(1, 4), h, w, k, s, p))
    return cases


def batch_norm_cases():
    # (batch, channels, h, w): one value per channel and image included (1x1), a batch of one
    return [(4, 3, 5, 5), (2, 8, 7, 3), (1, 2, 4, 4), (8, 16, 2, 2), (3, 5, 1, 1), (2, 3, 16, 16)]


def grads_of(fn, inputs, g):
    leaves = [t.detach().double().requires_grad_(True) for t in inputs]
    out = fn(*leaves)
    (out * g.double()).sum().backward()
    return out, [leaf.grad for leaf in leaves]


def ops_fixture():
    torch.manual_seed(0)
    tensors, meta = {}, {"conv2d": [], "max_pool2d": [], "avg_pool2d": [], "batch_norm2d": []}
    for i, (b, cin, cout, h, w, k, s, p, d, g, bias) in enumerate(conv_cases()):
        x = torch.randn(b, cin, h, w)
        wt = torch.randn(cout, cin // g, k, k) * 0.5
        inputs = [x, wt] + ([torch.randn(cout)] if bias else [])
        fn = lambda x, w, *bb: F.conv2d(x, w, bb[0] if bb else None, s, p, d, g)
        out = fn(*[t.double() for t in inputs])
        go = torch.randn_like(out.float())
        out, grads = grads_of(fn, inputs, go)
        key = f"conv2d.{i}"
        tensors.update({f"{key}.x": x, f"{key}.weight": wt, f"{key}.out": out, f"{key}.grad_out": go,
                        f"{key}.grad_x": grads[0], f"{key}.grad_weight": grads[1]})
        if bias:
            tensors.update({f"{key}.bias": inputs[2], f"{key}.grad_bias": grads[2]})
        meta["conv2d"].append(dict(batch=b, in_channels=cin, out_channels=cout, height=h, width=w, kernel=k,
                                   stride=s, padding=p, dilation=d, groups=g, bias=bias))
    for kind, fn_of in [("max_pool2d", lambda k, s, p: (lambda x: F.max_pool2d(x, k, s, p))),
                        ("avg_pool2d", lambda k, s, p: (lambda x: F.avg_pool2d(x, k, s, p)))]:
        for i, (b, c, h, w, k, s, p) in enumerate(pool_cases()):
            x = torch.randn(b, c, h, w)
            fn = fn_of(k, s, p)
            go = torch.randn_like(fn(x))
            out, grads = grads_of(fn, [x], go)
            key = f"{kind}.{i}"
            tensors.update({f"{key}.x": x, f"{key}.out": out, f"{key}.grad_out": go, f"{key}.grad_x": grads[0]})
            meta[kind].append(dict(batch=b, channels=c, height=h, width=w, kernel=k, stride=s, padding=p))
    # After the pools, so that the earlier cases' random draws stay as they were.
    for i, (b, c, h, w) in enumerate(batch_norm_cases()):
        x = torch.randn(b, c, h, w) * 3 + 2  # far from mean 0 and variance 1
        weight, bias = torch.randn(c), torch.randn(c)
        running_mean, running_var = torch.randn(c), torch.rand(c) + 0.5
        after = [running_mean.double(), running_var.double()]

        def train(x, weight, bias):
            return F.batch_norm(x, after[0], after[1], weight, bias, training=True, momentum=0.1, eps=1e-5)

        go = torch.randn(b, c, h, w)
        out, grads = grads_of(train, [x, weight, bias], go)

        def evaluate(x, weight, bias):
            return F.batch_norm(x, running_mean.double(), running_var.double(), weight, bias,
                                training=False, eps=1e-5)

        # Evaluation mode with gradients (saliency maps, fine-tuning under frozen statistics).
        eval_out, eval_grads = grads_of(evaluate, [x, weight, bias], go)
        key = f"batch_norm2d.{i}"
        tensors.update({f"{key}.x": x, f"{key}.weight": weight, f"{key}.bias": bias,
                        f"{key}.running_mean": running_mean, f"{key}.running_var": running_var,
                        f"{key}.out": out, f"{key}.grad_out": go, f"{key}.grad_x": grads[0],
                        f"{key}.grad_weight": grads[1], f"{key}.grad_bias": grads[2],
                        f"{key}.running_mean_after": after[0], f"{key}.running_var_after": after[1],
                        f"{key}.eval_out": eval_out, f"{key}.eval_grad_x": eval_grads[0],
                        f"{key}.eval_grad_weight": eval_grads[1], f"{key}.eval_grad_bias": eval_grads[2]})
        meta["batch_norm2d"].append(dict(batch=b, channels=c, height=h, width=w))
    tensors = {k: v.detach().float().contiguous() for k, v in tensors.items()}
    save_file(tensors, OUT / "ops.safetensors", metadata={"cases": json.dumps(meta)})
    return sum(len(v) for v in meta.values())


def zoo():
    """The networks of mapping::models, written the PyTorch way."""
    def basic(c):
        return nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c))

    def down(i, o):
        return (nn.Sequential(nn.Conv2d(i, o, 3, 2, 1), nn.BatchNorm2d(o), nn.ReLU(), nn.Conv2d(o, o, 3, 1, 1), nn.BatchNorm2d(o)),
                nn.Sequential(nn.Conv2d(i, o, 1, 2, 0), nn.BatchNorm2d(o)))

    resnet = nn.ModuleList([nn.Conv2d(3, 16, 3, 1, 1), nn.BatchNorm2d(16), basic(16), *down(16, 32), *down(32, 64), nn.Linear(64, 10)])
    attention = nn.ModuleList([nn.Conv2d(3, 64, 4, 4), nn.MultiheadAttention(64, 4), nn.LayerNorm(64), nn.Linear(64, 10)])
    return {
        "SeedCifarCnn": nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4096, 512),
                                      nn.ReLU(), nn.Linear(512, 10)),
        "KerasBinaryCnn": nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                                        nn.Flatten(), nn.Linear(12544, 128), nn.ReLU(), nn.Linear(128, 1), nn.Sigmoid()),
        "TfCifarCnn": tf_cifar_cnn(),
        "TfImagenetCnn": nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                                       nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(86528, 128), nn.ReLU(),
                                       nn.Linear(128, 10)),
        "Mlp784": nn.Sequential(nn.Flatten(), nn.Linear(784, 500), nn.ReLU(), nn.Linear(500, 10)),
        "SmallResNet": resnet,
        "PatchAttentionNet": attention,
    }


def tf_cifar_cnn():
    return nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(2304, 10))


def state_dict_fixture():
    torch.manual_seed(1)
    net = tf_cifar_cnn().eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        logits = net(x)
    tensors = {k: v.contiguous() for k, v in net.state_dict().items()}
    tensors.update({"input": x, "logits": logits})
    save_file(tensors, OUT / "tf_cifar_cnn.safetensors")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    n = ops_fixture()
    counts = {name: sum(p.numel() for p in net.parameters()) for name, net in zoo().items()}
    (OUT / "param_counts.json").write_text(json.dumps({"torch": torch.__version__, "counts": counts}, indent=2) + "\n")
    state_dict_fixture()
    print(f"{n} op cases; counts {counts}")


if __name__ == "__main__":
    main()
