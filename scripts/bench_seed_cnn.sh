#!/usr/bin/env bash
# The seed CIFAR CNN on the CPU (batch 128), this project vs PyTorch, on one machine; also each
# conv layer's GFLOP/s beside a plain sgemm of the same sizes.
# Usage: scripts/bench_seed_cnn.sh [threads] [rounds]   (defaults: all cores, 5 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/bench_vs_pytorch.sh seed_cnn ../shared/bench/torch_seed_cnn.py "$@"
