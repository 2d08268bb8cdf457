#!/usr/bin/env bash
# Loader throughput, this project vs torchvision's DataLoader, one run, same files, 2 workers.
# Unpacks ../shared/data/cifar10-jpg.tar.gz into target/bench-data on first use; installs
# torchvision into .venv-peer if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(cd .. && pwd)/shared/data
[ -d "$data/mnist" ] && [ -f "$data/cifar10-jpg.tar.gz" ] || { echo "SKIPPED: $data is absent"; exit 0; }
cifar=$PWD/target/bench-data/cifar10-jpg
if [ ! -f "$cifar/.unpacked" ]; then
  mkdir -p "$cifar" && tar -xzf "$data/cifar10-jpg.tar.gz" -C "$cifar" && touch "$cifar/.unpacked"
fi
if ! .venv-peer/bin/python -c "import torchvision" 2>/dev/null; then
  python3 -m venv .venv-peer && .venv-peer/bin/pip install --quiet torch torchvision
fi
ours=$(cargo bench -q -p mapping --bench loader -- --cifar "$cifar" --mnist "$data/mnist" --threads 2 | tail -n 1)
theirs=$(.venv-peer/bin/python scripts/bench_loader_torchvision.py --cifar "$cifar" --mnist "$data/mnist" --workers 2 | tail -n 1)
echo "mapping:     $ours"
echo "torchvision: $theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for key in ("cifar_folder_img_per_s", "mnist_idx_img_per_s"):
    print(f"{key}: mapping {ours[key]} / torchvision {theirs[key]} = {ours[key] / theirs[key]:.2f}x")
print(f"shards: {ours['cifar_shards_img_per_s']} img/s over {ours['shard_images']} images, peak RSS {ours['peak_rss_mb']} MB")
PY
