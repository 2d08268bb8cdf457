"""Peer for the CIFAR-10 accuracy run: the seed CNN in PyTorch on the same JPEG folders.

Same network (../shared/bench/torch_seed_cnn.py), same recipe as
`mapping train --data folder:DIR --model seed-cifar-cnn --batch 128 --opt adam --lr 1e-3
--schedule cosine`: random crop 32 with padding 4, horizontal flip, per-channel normalization,
Adam 1e-3 with cosine annealing over --epochs. Prints one line per epoch (time, accuracy).

Usage: python scripts/torch_cifar_epoch.py DIR [--epochs 2] [--workers 2]
(DIR holds train/<class>/*.jpg and test/<class>/*.jpg; torch and torchvision from PyPI).
"""
import argparse, json, sys, time
from pathlib import Path

import torch
import torch.nn.functional as F
from torchvision import datasets, transforms

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared" / "bench"))
from torch_seed_cnn import SeedCnn  # noqa: E402

# CIFAR-10 channel statistics (as the CLI's folder pipeline computes them from the training set).
MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root", type=Path)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    torch.manual_seed(0)
    normalize = transforms.Normalize(MEAN, STD)
    train = datasets.ImageFolder(a.root / "train", transforms.Compose([
        transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
        transforms.ToTensor(), normalize]))
    test = datasets.ImageFolder(a.root / "test", transforms.Compose([transforms.ToTensor(), normalize]))
    train_loader = torch.utils.data.DataLoader(train, batch_size=128, shuffle=True, num_workers=a.workers)
    test_loader = torch.utils.data.DataLoader(test, batch_size=256, num_workers=a.workers)
    net = SeedCnn()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=a.epochs * len(train_loader))
    for epoch in range(1, a.epochs + 1):
        start = time.perf_counter()
        net.train()
        for x, y in train_loader:
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()
            sched.step()
        net.eval()
        correct = 0
        with torch.no_grad():
            for x, y in test_loader:
                correct += (net(x).argmax(1) == y).sum().item()
        print(json.dumps({"peer": f"pytorch {torch.__version__}", "threads": torch.get_num_threads(),
                          "workers": a.workers, "epoch": epoch,
                          "seconds": round(time.perf_counter() - start, 1),
                          "val_acc": round(correct / len(test), 4)}), flush=True)


if __name__ == "__main__":
    main()
