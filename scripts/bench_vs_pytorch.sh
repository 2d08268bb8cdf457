#!/usr/bin/env bash
# A CPU bench of this project against the same network in PyTorch, on one machine.
# Usage: scripts/bench_vs_pytorch.sh BENCH PEER.py [threads] [rounds]   (defaults: all cores, 5)
# BENCH is a `cargo bench -p mapping` target printing one JSON line; PEER.py prints the same
# keys (train_img_per_s, infer_img_per_s). Each round runs ours, then PyTorch's, back to back;
# the ratio quoted is the median of the rounds' ratios. On a shared machine PyTorch's seed CNN
# figure ranged 874-1309 img/s over four runs in a row (ours 901-1096); rounds taken close
# together see the same neighbours. Installs PyTorch (CPU use of the PyPI wheel) into
# .venv-peer on first use. scripts/bench_seed_cnn.sh and bench_small_resnet.sh call this.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=$1
peer=$2
threads=${3:-$(nproc)}
rounds=${4:-5}
[ -f "$peer" ] || { echo "missing $peer"; exit 1; }
if ! .venv-peer/bin/python -c "import torch" 2>/dev/null; then
  python3 -m venv .venv-peer
  .venv-peer/bin/pip install --quiet torch
fi
cargo bench -q -p mapping --bench "$bench" --no-run
results=()
for round in $(seq "$rounds"); do
  ours=$(RAYON_NUM_THREADS=$threads cargo bench -q -p mapping --bench "$bench" -- --batch 128 --steps 10 --repeats 3 | tail -n 1)
  theirs=$(.venv-peer/bin/python "$peer" --batch 128 --steps 10 --repeats 3 --threads "$threads" | tail -n 1)
  echo "round $round mapping: $ours"
  echo "round $round pytorch: $theirs"
  results+=("$ours" "$theirs")
done
python3 - "${results[@]}" <<'PY'
import json, statistics, sys
runs = [json.loads(s) for s in sys.argv[1:]]
ours, theirs = runs[0::2], runs[1::2]
for key in ("train_img_per_s", "infer_img_per_s"):
    ratios = [o[key] / t[key] for o, t in zip(ours, theirs)]
    print(f"{key}: mapping median {statistics.median(o[key] for o in ours):.1f}, "
          f"pytorch median {statistics.median(t[key] for t in theirs):.1f}; "
          f"ratio per round {' '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.2f}x")
for i, layer in enumerate(ours[0].get("conv_layers", [])):
    conv = statistics.median(o["conv_layers"][i]["conv_gflops"] for o in ours)
    sgemm = statistics.median(o["conv_layers"][i]["sgemm_gflops"] for o in ours)
    print(f"conv {layer['layer']}: {conv} GFLOP/s (sgemm of the same sizes: {sgemm} GFLOP/s), medians")
PY
