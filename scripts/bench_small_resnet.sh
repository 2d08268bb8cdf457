#!/usr/bin/env bash
# models::SmallResNet on the CPU (batch 128), this project vs the same network in PyTorch.
# Usage: scripts/bench_small_resnet.sh [threads] [rounds]   (defaults: all cores, 5 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/bench_vs_pytorch.sh small_resnet scripts/torch_small_resnet.py "$@"
