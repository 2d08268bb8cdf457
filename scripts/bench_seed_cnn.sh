#!/usr/bin/env bash
# The seed CIFAR CNN on the CPU, this project vs PyTorch, in one run on one machine.
# Usage: scripts/bench_seed_cnn.sh [threads]   (default: all cores)
# Installs PyTorch (CPU use of the PyPI wheel) into .venv-peer on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
peer=../shared/bench/torch_seed_cnn.py
[ -f "$peer" ] || { echo "missing $peer (the shared folder beside the checkout)"; exit 1; }
if ! .venv-peer/bin/python -c "import torch" 2>/dev/null; then
  python3 -m venv .venv-peer
  .venv-peer/bin/pip install --quiet torch
fi
cargo bench -q -p mapping --bench seed_cnn --no-run
ours=$(RAYON_NUM_THREADS=$threads cargo bench -q -p mapping --bench seed_cnn -- --batch 128 --steps 10 --repeats 3 | tail -n 1)
theirs=$(.venv-peer/bin/python "$peer" --batch 128 --steps 10 --repeats 3 --threads "$threads" | tail -n 1)
echo "mapping: $ours"
echo "pytorch: $theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for key in ("train_img_per_s", "infer_img_per_s"):
    print(f"{key}: mapping {ours[key]:.1f} / pytorch {theirs[key]:.1f} = {ours[key] / theirs[key]:.2f}x")
for layer in ours["conv_layers"]:
    print(f"conv {layer['layer']}: {layer['conv_gflops']} GFLOP/s (sgemm of the same sizes: {layer['sgemm_gflops']} GFLOP/s)")
PY
