#!/usr/bin/env bash
# Builds the GPU check's binaries here, for a lent GPU machine that has the CUDA driver but
# neither Rust nor crates.io (the `device` tool's machines: see the README's GPU section).
#
#   bash scripts/gpu-bundle.sh        # writes target/gpu-bundle/
#   bash scripts/gpu-check.sh         # there, with target/gpu-bundle/ carried along
#
# No GPU and no CUDA toolkit are needed here: CUDA 13.0's compiler, headers and libraries come
# from NVIDIA's PyPI wheels into .tools/cuda/. dfdx's build script asks nvidia-smi for the
# GPU's compute capability, so a stand-in answers 9.0 (H100 and H200). The driver library is
# only linked against here, so a stub with the same soname (libcuda.so.1) stands in for it;
# the real one is loaded on the GPU machine. CUDA 13.0, not newer: the PTX dfdx's nvcc writes
# must not be newer than the driver there (580, CUDA 13.0).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tools=$root/.tools/cuda
bundle=$root/target/gpu-bundle
export CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90}

# Reinstalled whenever the pins change.
if ! cmp -s scripts/requirements-cuda-build.txt "$tools/requirements.txt"; then
    rm -rf "$tools"
    python3 -m venv "$tools/venv"
    "$tools/venv/bin/pip" install -q --disable-pip-version-check \
        -r scripts/requirements-cuda-build.txt
    cp scripts/requirements-cuda-build.txt "$tools/requirements.txt"
fi
cu13=$("$tools/venv/bin/python" -c \
    'import importlib.util as u; print(list(u.find_spec("nvidia.cu13").submodule_search_locations)[0])')

# A CUDA root as cudarc's and dfdx's build scripts look for one: include/cuda.h, and lib/ with
# the unversioned names the linker resolves -lcuda, -lcublas, -lcublasLt and -lnvrtc by.
cuda_root=$tools/root
rm -rf "$cuda_root" && mkdir -p "$cuda_root/lib" "$tools/bin"
ln -s "$cu13/include" "$cuda_root/include"
for lib in cublas cublasLt nvrtc; do
    ln -s "$cu13/lib/lib$lib.so.13" "$cuda_root/lib/lib$lib.so"
done
cudarc=$(cargo metadata --locked --format-version 1 |
    python3 -c 'import json, sys, pathlib
m = json.load(sys.stdin)
print(next(pathlib.Path(p["manifest_path"]).parent for p in m["packages"] if p["name"] == "cudarc"))')
# Every driver function cudarc binds. Loaded by mistake (or by the smoke test below), each
# fails with CUDA_ERROR_NO_DEVICE (100), and the error's name says what happened.
{
    grep -o 'pub fn cu[A-Za-z0-9_]*' "$cudarc/src/driver/sys.rs" | sort -u |
        grep -vx 'pub fn cuGetError\(Name\|String\)' |
        sed 's/pub fn \(.*\)/int \1(void) { return 100; }/'
    for fn in cuGetErrorName cuGetErrorString; do
        echo "int $fn(int e, const char **s) { *s = \"libcuda stub: no driver\"; return 0; }"
    done
} >"$tools/libcuda_stub.c"
gcc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$cuda_root/lib/libcuda.so" "$tools/libcuda_stub.c"
cat >"$tools/bin/nvidia-smi" <<EOF
#!/bin/sh
# Stand-in for dfdx's build script: the compute capability of the GPU the bundle is for.
cap=$CUDA_COMPUTE_CAP
printf 'compute_cap\n%s.%s\n' "\${cap%?}" "\${cap#"\${cap%?}"}"
EOF
chmod +x "$tools/bin/nvidia-smi" "$cu13/bin/"* "$cu13/nvvm/bin/"*

export CUDA_ROOT=$cuda_root PATH=$tools/bin:$cu13/bin:$PATH
# Cargo's JSON messages name the executable a `--no-run` build made, and dfdx's OUT_DIR.
build() {
    cargo "$@" --locked --no-run --message-format json-render-diagnostics >"$tools/build.json"
}
message() {
    python3 - "$tools/build.json" "$1" <<'PY'
import json, sys
messages = [json.loads(line) for line in open(sys.argv[1])]
if sys.argv[2] == "executable":
    found = [m["executable"] for m in messages
             if m.get("reason") == "compiler-artifact" and m.get("executable")]
else:
    found = [m["out_dir"] for m in messages
             if m.get("reason") == "build-script-executed"
             and m["package_id"].rsplit("#", 1)[-1].startswith("dfdx@")]
assert len(found) == 1, f"{sys.argv[2]}: {found}"
print(found[0])
PY
}
# Each build's dfdx may differ (feature unification differs), and each bakes in its own OUT_DIR.
build test --release -p mapping-tests --features cuda --test gpu
tests_bin=$(message executable)
dfdx_outs=("$(message dfdx-out-dir)")
build bench -p mapping --no-default-features --features cuda --bench seed_cnn_gpu
bench_bin=$(message executable)
dfdx_outs+=("$(message dfdx-out-dir)")
cargo build --release --locked -p mapping --no-default-features --features cuda,cli --bin mapping \
    --message-format json-render-diagnostics >"$tools/build.json"
cli_bin=$(message executable)
dfdx_outs+=("$(message dfdx-out-dir)")
# The chapters as one program (there is no Rust there for the kernel). Not --locked: its
# Cargo.lock is the workspace's, which cargo trims to this crate.
python3 tests/notebooks/check_on_cuda.py --program target/notebooks-on-gpu notebooks/*.ipynb
CARGO_TARGET_DIR=$root/target cargo build --release --manifest-path target/notebooks-on-gpu/Cargo.toml \
    --message-format json-render-diagnostics >"$tools/build.json"
notebooks_bin=$(message executable)
dfdx_outs+=("$(message dfdx-out-dir)")

rm -rf "$bundle" && mkdir -p "$bundle/dfdx-out"
strip -o "$bundle/gpu-tests" "$tests_bin"
strip -o "$bundle/seed-cnn-gpu-bench" "$bench_bin"
strip -o "$bundle/notebooks-on-gpu" "$notebooks_bin"
strip -o "$bundle/mapping" "$cli_bin"
# dfdx compiles some kernels with NVRTC at run time, with include paths fixed at build time:
# its own headers (OUT_DIR) and the CUDA headers. gpu-check.sh recreates both paths there.
cp "${dfdx_outs[0]}"/*.cuh "$bundle/dfdx-out/"
{
    echo "DFDX_OUT_DIRS=($(printf '%q\n' "${dfdx_outs[@]}" | sort -u | tr '\n' ' '))"
    echo "CUDA_INCLUDE_DIR=$cuda_root/include"
    echo "BUILT_FROM=$(git rev-parse HEAD)$([ -z "$(git status --porcelain)" ] || echo '+changes')"
} >"$bundle/paths.env"
# Smoke test, no GPU needed: every symbol binds (ldd -r) against CUDA 13.0's libraries and the
# stub driver, the kernels compile with NVRTC 13.0, and each GPU test starts, finds no device
# and says SKIPPED.
smoke=$tools/smoke
mkdir -p "$smoke" && ln -sfn "$cuda_root/lib/libcuda.so" "$smoke/libcuda.so.1"
export LD_LIBRARY_PATH=$smoke:$cu13/lib
for bin in "$bundle/gpu-tests" "$bundle/seed-cnn-gpu-bench" "$bundle/notebooks-on-gpu" "$bundle/mapping"; do
    if ldd -r "$bin" 2>&1 | grep -E 'undefined symbol|not found'; then
        echo "$(basename "$bin") does not link against CUDA 13.0" >&2
        exit 1
    fi
    echo "$(basename "$bin") needs: $(readelf -d "$bin" | grep -o 'NEEDED.*' | grep -o '\[.*\]' | tr '\n' ' ')"
done
# The project's kernels compile with CUDA 13.0's NVRTC, as they will there at run time (NVRTC
# finds libnvrtc-builtins through LD_LIBRARY_PATH).
python3 tests/cuda/nvrtc_compile.py --nvrtc "$cu13/lib/libnvrtc.so.13" >"$smoke/nvrtc.log" ||
    { cat "$smoke/nvrtc.log" >&2; exit 1; }
tail -1 "$smoke/nvrtc.log"
tests=$("$bundle/gpu-tests" --list | grep -c ': test$')
# Counted wherever they appear: tests run in parallel and their lines interleave ("okSKIPPED").
skipped=$("$bundle/gpu-tests" --nocapture 2>&1 | tee "$smoke/tests.log" | grep -o 'SKIPPED: no CUDA device' | wc -l || true)
if [ "$tests" -eq 0 ] || [ "$skipped" -ne "$tests" ]; then
    echo "smoke test: $skipped of $tests GPU tests skipped without a GPU (log: $smoke/tests.log)" >&2
    exit 1
fi
echo "smoke test: the $tests GPU tests start and skip without a GPU"
# The chapters' program gets as far as the device, which the stub driver refuses.
if "$bundle/notebooks-on-gpu" 00-welcome >"$smoke/notebooks.log" 2>&1 ||
    ! grep -q CUDA_ERROR_NO_DEVICE "$smoke/notebooks.log"; then
    echo "smoke test: notebooks-on-gpu did not stop at the missing device (log: $smoke/notebooks.log)" >&2
    exit 1
fi
echo "smoke test: notebooks-on-gpu runs chapter 00 up to the missing device"
# The CLI, asked for the GPU, says it found none.
if "$bundle/mapping" train --device cuda --epochs 1 --limit 64 --out "$smoke/cli" >"$smoke/cli.log" 2>&1 ||
    ! grep -q 'error: device error: no CUDA device: the driver did not start' "$smoke/cli.log"; then
    echo "smoke test: mapping train --device cuda did not report the missing device (log: $smoke/cli.log)" >&2
    exit 1
fi
echo "smoke test: mapping train --device cuda reports the missing device"
echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1); the device tool carries at most 64 MiB)"
