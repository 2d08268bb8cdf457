#!/usr/bin/env bash
# Every test of the project, as CI runs it (README: Quick start, second command).
# Needs only cargo: the PyTorch fixtures are committed (scripts/make_fixtures.py rewrites them).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== format";  cargo fmt --all -- --check
echo "== lint";    cargo clippy --workspace --all-targets --locked -- -D warnings
[ -d ../shared/data ] || echo "SKIPPED: real-data tests (../shared/data is absent beside the checkout)"
echo "== tests";   cargo test --workspace --locked
echo "== benches and examples build"; cargo build --release --locked -p mapping --benches --examples
