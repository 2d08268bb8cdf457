#!/usr/bin/env bash
# The whole course, end to end (README: Quick start, first command): a Python venv with
# JupyterLab, the course kernel installed into it, every chapter executed headless on the
# synthetic default, and the book built from the executed notebooks.
# MAPPING_COURSE_DATA picks the data: `synthetic` (the default here) or `auto`, which uses
# real MNIST where ../shared/data has it. MAPPING_KERNEL_FEATURES=cuda, on a machine with a GPU
# and the CUDA toolkit, runs the chapters on the GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
stage() { printf '== %s   [%dm%02ds]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
# A warm spare kernel left at the end exits after this many idle seconds (kernel/README.md).
export MAPPING_KERNEL_SPARE_IDLE="${MAPPING_KERNEL_SPARE_IDLE:-300}"
export MAPPING_COURSE_DATA="${MAPPING_COURSE_DATA:-synthetic}"

stage "Jupyter (into .venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-course.txt
stage "the course kernel and the book converter"
# `-p mapping` resolves the library with its default features, as `cargo test --workspace` does,
# so after the tests (CI) this reuses their build instead of compiling evcxr and dfdx again.
cargo build --locked -p mapping -p mapping-kernel -p mapping-book
target/debug/mapping-kernel install --prefix .venv ${MAPPING_KERNEL_FEATURES:+--features "$MAPPING_KERNEL_FEATURES"}
stage "the chapters (MAPPING_COURSE_DATA=$MAPPING_COURSE_DATA)"
.venv/bin/python tests/notebooks/run.py --kernel mapping --out target/course notebooks/*.ipynb
stage "the book"
bash scripts/install-book-tools.sh
target/debug/mapping-book --chapters notebooks --executed target/course --out book/content
.tools/bin/mdbook build book

cat <<DONE

The course ran: every chapter passed its checks.
  executed notebooks   $PWD/target/course/
  the book             file://$PWD/target/book/index.html
  open the notebooks   .venv/bin/jupyter lab notebooks/   (kernel "Rust · mapping")
DONE
