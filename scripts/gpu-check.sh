#!/usr/bin/env bash
# The GPU check (issue: CUDA): the GPU tests and the GPU benchmark, on a machine with an NVIDIA
# GPU but no access to crates.io.
#
# Where that machine has no Rust (the `device` tool's lent machines), build here and carry
# the binaries:
#   bash scripts/gpu-bundle.sh         # here: target/gpu-bundle/ (about 33 MB)
#   bash scripts/gpu-check.sh          # there: runs target/gpu-bundle/'s binaries
# Where it has Rust and the CUDA toolkit (nvcc, nvidia-smi), carry the crates instead:
#   bash scripts/gpu-check.sh vendor   # where crates.io is reachable: crates into .vendor/
#   bash scripts/gpu-check.sh          # there, with .vendor/ or .vendor.tar.xz, no bundle
#
# `vendor` keeps the full sources only of the crates the CUDA build compiles and leaves the
# rest of the workspace's crates as manifests, so .vendor/ stays small enough to carry.
# The run executes tests/tests/gpu.rs (every op's forward and backward against the CPU and
# PyTorch, a seed-CNN training run), then the seed-CNN training benchmark at batch 512 beside
# PyTorch on the same GPU when python3 has torch, then `mapping train` and `mapping eval` with
# `--device cuda`, and writes target/gpu-check/summary.md; then every chapter's code as a
# program with AutoDevice = Cuda (tests/notebooks/check_on_cuda.py --program: evcxr needs
# Rust, so not in the kernel), and completes the summary.
#   bash scripts/gpu-check.sh [CHAPTER...]   # only these chapters (notebook file stems)
set -euo pipefail
cd "$(dirname "$0")/.."
# On a lent machine, point this into $OUT: what is written there comes back even when the
# call runs out of time.
out=${MAPPING_GPU_CHECK_OUT:-target/gpu-check}
vendor_config=(--config 'source.crates-io.replace-with="vendored"'
               --config 'source.vendored.directory=".vendor"')

if [ "${1:-run}" = vendor ]; then
    rm -rf .vendor
    cargo vendor --locked --versioned-dirs .vendor >/dev/null 2>&1
    # The crates a CUDA build of the tests and bench compiles, as name-version folders.
    needed=$({ cargo tree --locked -p mapping-tests --features cuda -e normal,build,dev \
                   --prefix none --format '{p}'
               cargo tree --locked -p mapping --no-default-features --features cuda,cli \
                   -e normal,build,dev --prefix none --format '{p}'; } 2>/dev/null |
        awk '{print $1"-"substr($2,2)}' | sort -u)
    for dir in .vendor/*/; do
        name=$(basename "$dir")
        grep -qxF "$name" <<<"$needed" && continue
        # Not compiled: keep the manifest (cargo still resolves the whole workspace) and
        # clear the checksum list so the removed files are not missed.
        find "$dir" -mindepth 1 -maxdepth 1 ! -name Cargo.toml ! -name .cargo-checksum.json \
            -exec rm -rf {} +
        python3 - "$dir" <<'PY'
import json, pathlib, sys, tomllib
crate = pathlib.Path(sys.argv[1])
meta = json.loads((crate / ".cargo-checksum.json").read_text())
meta["files"] = {}
(crate / ".cargo-checksum.json").write_text(json.dumps(meta))
# Cargo parses every workspace crate's manifest, and its targets must name files that exist:
# leave empty ones (a build script that does nothing) where the sources were.
manifest = tomllib.loads((crate / "Cargo.toml").read_text())
stubs = {manifest.get("lib", {}).get("path", "src/lib.rs"): ""}
build = manifest.get("package", {}).get("build")
if isinstance(build, str):
    stubs[build] = "fn main() {}\n"
for kind, folder in [("bin", "src/bin"), ("example", "examples"), ("test", "tests"), ("bench", "benches")]:
    for target in manifest.get(kind, []):
        stubs[target.get("path", f"{folder}/{target['name']}.rs")] = "fn main() {}\n"
for stub, text in stubs.items():
    path = crate / stub
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
PY
    done
    # The folder is over the 64 MiB a lent GPU machine takes; compressed it is about 10 MB.
    tar -cJf .vendor.tar.xz .vendor
    echo "vendored into .vendor ($(du -sh .vendor | cut -f1), $(wc -l <<<"$needed") crates kept" \
         "whole) and .vendor.tar.xz ($(du -h .vendor.tar.xz | cut -f1))"
    exit 0
fi

# Anything else names chapters to run (notebook file stems); none runs them all.
[ "${1:-}" != run ] || shift
command -v nvidia-smi >/dev/null || { echo "SKIPPED: no nvidia-smi, so no GPU to check" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out"
# One file for the machine and the binaries: what comes back from a lent machine is 8 files.
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/machine.txt"

bundle=target/gpu-bundle
if [ -x "$bundle/gpu-tests" ]; then
    # shellcheck source=/dev/null
    . "$bundle/paths.env"  # DFDX_OUT_DIRS, CUDA_INCLUDE_DIR, BUILT_FROM
    echo "binaries from target/gpu-bundle, built from $BUILT_FROM" | tee -a "$out/machine.txt"
    # The binaries need CUDA 13's libcublas.so.13 and libnvrtc.so.13: the toolkit's, or the
    # ones PyTorch's wheels bring.
    wheels=$(python3 -c 'import importlib.util as u
print(list(u.find_spec("nvidia.cu13").submodule_search_locations)[0])' 2>/dev/null || true)
    lib_dir() {  # the folder that holds library $1: the usual places first, else a search
        for dir in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib ${wheels:+"$wheels/lib"}; do
            if [ -f "$dir/$1" ]; then echo "$dir"; return; fi
        done
        found=$(find /usr /opt -name "$1" -print -quit 2>/dev/null || true)
        [ -z "$found" ] || dirname "$found"
    }
    cublas_dir=$(lib_dir libcublas.so.13)
    nvrtc_dir=$(lib_dir libnvrtc.so.13)
    if [ -z "$cublas_dir" ] || [ -z "$nvrtc_dir" ]; then
        echo "no libcublas.so.13 or no libnvrtc.so.13 (CUDA 13) on this machine" >&2
        exit 2
    fi
    export LD_LIBRARY_PATH=$cublas_dir:$nvrtc_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    [ ! -d /usr/local/nvidia/lib64 ] || LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/usr/local/nvidia/lib64
    # dfdx compiles a few kernels with NVRTC at run time, with include paths fixed when it was
    # built here: recreate them (its headers, and CUDA's with the CCCL ones, nv/target).
    mkdir -p "$(dirname "$CUDA_INCLUDE_DIR")"
    for dir in "${DFDX_OUT_DIRS[@]}"; do
        mkdir -p "$dir" && cp "$bundle"/dfdx-out/*.cuh "$dir/"
    done
    if [ ! -e "$CUDA_INCLUDE_DIR/cuda_fp16.h" ]; then
        for dir in /usr/local/cuda/include ${wheels:+"$wheels/include"} "$(dirname "$nvrtc_dir")/include"; do
            if [ -f "$dir/cuda_fp16.h" ] && [ -d "$dir/nv" ]; then
                rm -rf "$CUDA_INCLUDE_DIR" && ln -s "$dir" "$CUDA_INCLUDE_DIR"
                break
            fi
        done
    fi
    echo "CUDA libraries: $cublas_dir, $nvrtc_dir; CUDA headers: $(readlink -f "$CUDA_INCLUDE_DIR" || echo none)"
    export MAPPING_FIXTURES=$PWD/tests/fixtures
    tests=("$bundle/gpu-tests")
    bench=("$bundle/seed-cnn-gpu-bench")
    notebooks=("$bundle/notebooks-on-gpu")
    cli=("$bundle/mapping")
else
    [ -d .vendor ] || [ ! -f .vendor.tar.xz ] || tar -xJf .vendor.tar.xz
    [ -d .vendor ] || { echo "neither target/gpu-bundle/ nor .vendor/: see this script's header" >&2; exit 2; }
    tests=(cargo test --offline --release "${vendor_config[@]}" -p mapping-tests --features cuda
           --test gpu --)
    bench=(cargo bench --offline "${vendor_config[@]}" -p mapping --no-default-features
           --features cuda --bench seed_cnn_gpu --)
    cli=(cargo run --offline --release "${vendor_config[@]}" -p mapping --no-default-features
         --features cuda,cli --bin mapping --)
    python3 tests/notebooks/check_on_cuda.py --program target/notebooks-on-gpu notebooks/*.ipynb
    # In the workspace's target/: regenerating the crate's folder would delete one inside it.
    notebooks=(env CARGO_TARGET_DIR="$PWD/target" cargo run --offline --release "${vendor_config[@]}"
               --manifest-path target/notebooks-on-gpu/Cargo.toml --)
fi

echo "== GPU tests (tests/tests/gpu.rs)"
# A failing test does not stop the benchmark: a lent GPU's minutes are few, so one run says
# all it can. The script's exit status is the tests', else the chapters'.
tests_status=0
RUST_BACKTRACE=1 "${tests[@]}" --nocapture 2>&1 | tee "$out/tests.log" || tests_status=$?
tests_line=$(grep -E '^test result' "$out/tests.log" | tail -1 || echo "no test result (exit $tests_status)")
if grep -q SKIPPED "$out/tests.log"; then
    echo "the GPU tests skipped: no CUDA device was usable" >&2
    exit 1
fi

# summary.md from what has run so far; $1: the chapters' line.
summarize() {
    python3 - "$out" "$tests_line" "$cli_line" "$1" <<'PY'
import json, pathlib, sys
out, tests_line, cli_line, notebooks_line = pathlib.Path(sys.argv[1]), *sys.argv[2:]
ours = json.loads((out / "bench_mapping.json").read_text().strip().splitlines()[-1])
ours_line = (f"mapping {ours['train_images_per_s']} images/s ({ours['step_ms']} ms/step, median)"
             if "train_images_per_s" in ours else f"mapping {ours['failed']}")
peer = json.loads((out / "bench_pytorch.json").read_text().strip().splitlines()[-1])
lines = [
    "# GPU check",
    *[f"- {line}" for line in (out / "machine.txt").read_text().strip().splitlines()],
    f"- tests/tests/gpu.rs: {tests_line}",
    f"- the CLI with --device cuda: {cli_line} (cli.log)",
    f"- the chapters as programs on the GPU: {notebooks_line} (per notebook: notebooks.log)",
    f"- seed CNN training, batch 512: {ours_line}",
]
if "train_images_per_s" in peer and "train_images_per_s" in ours:
    ratio = ours["train_images_per_s"] / peer["train_images_per_s"]
    lines.append(f"- {peer['framework']} on the same GPU: {peer['train_images_per_s']} images/s "
                 f"({peer['step_ms']} ms/step); ratio mapping / PyTorch = {ratio:.2f}")
elif "train_images_per_s" in peer:
    lines.append(f"- {peer['framework']} on the same GPU: {peer['train_images_per_s']} images/s "
                 f"({peer['step_ms']} ms/step)")
else:
    lines.append(f"- PyTorch: {peer['skipped']}")
(out / "summary.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
PY
}

echo "== seed CNN training at batch 512 (ours, then PyTorch)"
"${bench[@]}" --steps 20 --repeats 5 | tee "$out/bench_mapping.json" ||
    echo '{"failed":"the benchmark exited with an error (output above)"}' >>"$out/bench_mapping.json"
if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    python3 scripts/torch_seed_cnn_gpu.py --steps 20 --repeats 5 | tee "$out/bench_pytorch.json" ||
        echo '{"skipped":"torch_seed_cnn_gpu.py failed (output above)"}' >>"$out/bench_pytorch.json"
else
    echo '{"skipped":"python3 has no torch with CUDA"}' | tee "$out/bench_pytorch.json"
fi

echo "== the CLI on the GPU: mapping train and mapping eval, --device cuda"
# Small-resnet for one epoch on 4,096 synthetic images, then its checkpoint on the test split.
cli_status=0
cli_runs=$(mktemp -d)
{ "${cli[@]}" train --device cuda --model small-resnet --epochs 1 --limit 4096 --val-limit 1024 \
      --out "$cli_runs" &&
  "${cli[@]}" eval --device cuda --checkpoint "$cli_runs/best.safetensors"; } 2>&1 |
    tee "$out/cli.log" || cli_status=$?
if [ "$cli_status" -ne 0 ]; then
    cli_line="failed (exit $cli_status)"
else
    # "small-resnet: N parameters, device cuda; ..." and "small-resnet on synthetic: ..., loss L"
    cli_line="$(grep -o 'parameters, device [a-z]*' "$out/cli.log" | head -1); eval: $(
        grep -o 'on synthetic: .*' "$out/cli.log" | tail -1), accuracy $(
        awk '$1 == "accuracy" {print $2}' "$out/cli.log" | tail -1)"
fi

summarize "not run yet"

echo "== the chapters on the GPU (each notebook's code cells as one program, on the synthetic data)"
# Last, and within what is left of the lent machine's 10 minutes a call (MAPPING_GPU_CHECK_S):
# a timeout still leaves the summary and, in notebooks.log, the chapters that ran. Name the
# others to run only them in a later call: `bash scripts/gpu-check.sh 08-resnet-and-attention ...`.
# Their displays (SVG, PNG) are left out of the log; what they print and assert stays.
chapters_s=$(( ${MAPPING_GPU_CHECK_S:-570} - SECONDS ))
chapters_s=$(( chapters_s > 10 ? chapters_s : 10 ))
notebooks_status=0
MAPPING_COURSE_DATA=synthetic timeout "$chapters_s" "${notebooks[@]}" "$@" \
    2>"$out/notebooks.log" |
    awk '/^EVCXR_BEGIN_CONTENT/ {skip = 1} !skip {print} /^EVCXR_END_CONTENT/ {skip = 0}' \
        >"$out/notebooks-stdout.log" || notebooks_status=$?
grep -E '^(ok  |FAIL|notebooks:) ' "$out/notebooks.log" || echo "no notebook ran (exit $notebooks_status)"
if [ "$notebooks_status" -eq 124 ]; then
    notebooks_line="timed out after ${chapters_s} s"
else
    notebooks_line=$(grep -E '^notebooks: ' "$out/notebooks.log" | tail -1 ||
        echo "did not finish (exit $notebooks_status)")
fi
summarize "$notebooks_line"
[ "$tests_status" -ne 0 ] && exit "$tests_status"
[ "$cli_status" -ne 0 ] && exit "$cli_status"
exit "$notebooks_status"
