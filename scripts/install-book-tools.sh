#!/usr/bin/env bash
# The book's tools: mdbook (built from crates.io into the project-local .tools/) and, for the
# book test only (`--browser`), Debian's chromium. Idempotent; prints what it did.
set -euo pipefail
cd "$(dirname "$0")/.."
MDBOOK_VERSION=0.5.4
if [ "$(.tools/bin/mdbook --version 2>/dev/null)" != "mdbook v$MDBOOK_VERSION" ]; then
    echo "installing mdbook $MDBOOK_VERSION into .tools/ (a few minutes, once)"
    # Only `search` of the default features: the book is built, never served or watched here,
    # and serve/watch would compile axum, tokio and notify for nothing.
    cargo install mdbook --version "$MDBOOK_VERSION" --locked --quiet --root .tools \
        --no-default-features --features search
fi
if [ "${1:-}" = "--browser" ] && ! command -v chromium > /dev/null; then
    if [ "$(id -u)" = 0 ]; then apt_get="apt-get"
    elif command -v sudo > /dev/null; then apt_get="sudo apt-get"
    else echo "the book test needs Debian's chromium: apt-get install chromium (as root)" >&2; exit 1
    fi
    echo "installing chromium (Debian package) for the book test"
    $apt_get update -qq
    DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq chromium > /dev/null
fi
