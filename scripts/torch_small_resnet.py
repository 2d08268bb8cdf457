"""Peer measurement: `mapping::models::SmallResNet` in PyTorch on the CPU.

The same network: conv3x3(3->16) bn relu | basic block (16) | down block (16->32) | down block
(32->64) | global average pool | fc 64->10. A basic block is relu(x + bn(conv(relu(bn(conv(x)))))),
a down block the same with a stride-2 first conv and a strided 1x1 conv + bn on the skip path.
Cross-entropy; SGD lr 1e-3 momentum 0.9; inference in eval mode (running statistics).

Usage: python torch_small_resnet.py [--batch 128] [--steps 10] [--repeats 3] [--threads N]
Prints one JSON line: train and inference images per second (median of --repeats timings).
"""
import argparse, json, statistics, time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(i, o, k, s):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2), nn.BatchNorm2d(o))


class Block(nn.Module):
    def __init__(self, i, o, stride):
        super().__init__()
        self.branch = nn.Sequential(conv_bn(i, o, 3, stride), nn.ReLU(), conv_bn(o, o, 3, 1))
        self.skip = conv_bn(i, o, 1, stride) if stride != 1 or i != o else nn.Identity()

    def forward(self, x):
        return F.relu(self.branch(x) + self.skip(x))


def small_resnet():
    return nn.Sequential(conv_bn(3, 16, 3, 1), nn.ReLU(), Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = small_resnet()
    opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)
    x = torch.randn(a.batch, 3, 32, 32)
    y = torch.randint(0, 10, (a.batch,))

    def train_step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(3):
        train_step()
    train, infer = [], []
    for _ in range(a.repeats):
        net.train()
        t = time.perf_counter()
        for _ in range(a.steps):
            train_step()
        train.append(a.steps * a.batch / (time.perf_counter() - t))
        net.eval()
        with torch.no_grad():
            t = time.perf_counter()
            for _ in range(a.steps):
                net(x)
            infer.append(a.steps * a.batch / (time.perf_counter() - t))
    print(json.dumps({
        "peer": f"pytorch {torch.__version__}", "threads": torch.get_num_threads(),
        "batch": a.batch, "train_img_per_s": round(statistics.median(train), 1),
        "infer_img_per_s": round(statistics.median(infer), 1),
        "params": sum(p.numel() for p in net.parameters()),
    }))


if __name__ == "__main__":
    main()
