"""Peer measurement on the GPU: the seed CIFAR-10 CNN training in PyTorch, batch 512.

The network, loss and optimiser of ../shared/bench/torch_seed_cnn.py (seed article 001 with the
flatten fixed to 64*8*8), on `cuda`, timed to the device's completion like our
`seed_cnn_gpu` bench. Prints one JSON line. Usage: python3 torch_seed_cnn_gpu.py [--steps 20]
"""
import argparse, json, statistics, time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SeedCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv3 = nn.Conv2d(64, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 8 * 8, 512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.conv3(x))
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    torch.manual_seed(0)
    # Our kernels compute in full f32; so does PyTorch here (no TF32 shortcut).
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    net = SeedCnn().to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)
    x = torch.randn(a.batch, 3, 32, 32, device=dev)
    y = torch.arange(a.batch, device=dev) % 10

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(a.repeats):
        start = time.perf_counter()
        for _ in range(a.steps):
            step()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) / a.steps)
    median = statistics.median(times)
    print(json.dumps({
        "framework": f"pytorch {torch.__version__}",
        "device": torch.cuda.get_device_name(0),
        "batch": a.batch,
        "train_images_per_s": round(a.batch / median),
        "step_ms": round(median * 1e3, 3),
    }))


if __name__ == "__main__":
    main()
