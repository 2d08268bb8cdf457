#!/usr/bin/env bash
# Every test of the project, as CI runs it (README: Quick start, second command).
# Needs cargo and python3: the PyTorch fixtures are committed (scripts/make_fixtures.py rewrites
# them); the TensorBoard check reads our event files with the `tensorboard` package, NVIDIA's
# NVRTC wheel compiles the CUDA kernels (no GPU needed), and the notebook tests drive the course
# kernel with nbclient/jupyter_client, all installed here into the project-local .venv-test.
# The book test installs mdbook (into .tools/) and Debian's chromium (install-book-tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage's header says how long the script has run, so a slow CI log shows where time went.
stage() { printf '== %s   [%dm%02ds]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
# A warm spare kernel left at the end exits after this many idle seconds (kernel/README.md).
export MAPPING_KERNEL_SPARE_IDLE="${MAPPING_KERNEL_SPARE_IDLE:-300}"
stage "format"; cargo fmt --all -- --check
stage "lint"; cargo clippy --workspace --all-targets --locked -- -D warnings
# Broken intra-doc links (say, to an item made private) fail here, not on docs.rs.
stage "docs"; RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
# The GPU path must keep compiling where there is no GPU and no CUDA toolkit: dfdx's and
# cudarc's `ci-check` skip the toolkit, so this type-checks (and lints) every CUDA kernel's
# host side, the GPU tests and the GPU bench (clippy reuses the check's dependency builds).
stage "CUDA path type-checks and lints (features cuda,dfdx/ci-check)"
cargo check --locked -p mapping --features cuda,dfdx/ci-check
cargo clippy --locked -p mapping -p mapping-tests --all-targets \
    --features mapping-tests/cuda,dfdx/ci-check -- -D warnings
# The chapters run unchanged on a GPU kernel only if no cell ties itself to the CPU.
python3 tests/notebooks/check_on_cuda.py notebooks/*.ipynb
echo "SKIPPED: GPU tests and GPU bench (no GPU here; scripts/gpu-check.sh runs them on one)"
[ -d ../shared/data ] || echo "SKIPPED: real-data tests (../shared/data is absent beside the checkout)"
stage "python test tools (.venv-test)"
[ -x .venv-test/bin/python ] || python3 -m venv .venv-test
.venv-test/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
export MAPPING_TEST_PYTHON="$PWD/.venv-test/bin/python"
stage "CUDA kernel sources compile with NVRTC (no GPU needed)"
.venv-test/bin/python tests/cuda/nvrtc_compile.py
stage "the GPU check script on stand-in binaries (no GPU needed)"
.venv-test/bin/python tests/cuda/gpu_check_script.py
stage "tests"; cargo test --workspace --locked
stage "notebooks committed without outputs"
.venv-test/bin/python tests/notebooks/run.py --check-only --out target/notebooks notebooks/*.ipynb tests/notebooks/*.ipynb
stage "kernel install (into .venv-test) and protocol"
# `cargo test` built target/debug/mapping-kernel (for kernel/tests/cli.rs); `cargo build -p
# mapping-kernel` alone would rebuild it on `mapping` without default features (course.sh adds
# `-p mapping` to match).
target/debug/mapping-kernel install --prefix .venv-test
# With cargo's network cut (a dead proxy): the kernel must start from what is on disk.
CARGO_HTTP_PROXY=http://127.0.0.1:9 .venv-test/bin/python tests/notebooks/kernel_protocol.py --kernel mapping
stage "notebooks (executed headless on the kernel)"
.venv-test/bin/python tests/notebooks/run.py --kernel mapping --out target/notebooks notebooks/*.ipynb tests/notebooks/*.ipynb
stage "book (built from the executed notebooks), its links and a look in headless Chromium"
bash scripts/install-book-tools.sh --browser
cargo run --locked -q -p mapping-book -- --chapters notebooks --executed target/notebooks --out book/content
.tools/bin/mdbook build book
.venv-test/bin/python tests/book/check_book.py --book target/book --chapters notebooks --screenshot target/artifacts/book-chapter.png
# Benches and examples are type-checked and linted by the clippy stage (--all-targets).
stage "done"
