#!/usr/bin/env python3
"""Peer for lib/benches/loader.rs: torchvision's ImageFolder + DataLoader on the same files.

Usage: bench_loader_torchvision.py --cifar DIR --mnist DIR [--workers 2]
Prints one JSON line (images/s over one epoch, batches of 128, shuffled).
"""
import argparse, gzip, json, os, shutil, tempfile, time

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def throughput(dataset, workers):
    loader = DataLoader(dataset, batch_size=128, shuffle=True, num_workers=workers, drop_last=True)
    start, images = time.perf_counter(), 0
    for x, _ in loader:
        images += x.shape[0]
    return images / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cifar", required=True)
    ap.add_argument("--mnist", required=True)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(1)
    augment = transforms.Compose([
        transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(), transforms.ToTensor(),
        transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    ])
    folder = throughput(datasets.ImageFolder(os.path.join(a.cifar, "train"), augment), a.workers)
    # torchvision.datasets.MNIST wants <root>/MNIST/raw/<files>
    root = tempfile.mkdtemp()
    raw = os.path.join(root, "MNIST", "raw")
    os.makedirs(raw)
    for f in os.listdir(a.mnist):
        if f.endswith(".gz"):
            with gzip.open(os.path.join(a.mnist, f)) as src, open(os.path.join(raw, f[:-3]), "wb") as dst:
                shutil.copyfileobj(src, dst)
    mnist = datasets.MNIST(root, train=True, download=False,
                           transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
    mnist_ips = throughput(mnist, a.workers)
    shutil.rmtree(root)
    print(json.dumps({"peer": f"torchvision DataLoader (torch {torch.__version__})", "workers": a.workers,
                      "cifar_folder_img_per_s": round(folder), "mnist_idx_img_per_s": round(mnist_ips)}))


if __name__ == "__main__":
    main()
