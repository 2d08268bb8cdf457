#!/bin/sh
# The fuzz build only (a dev tool; the product is stable-only): libFuzzer's instrumentation needs
# a nightly rustc, but dfdx's build script switches on its nightly-only code — which no longer
# compiles — whenever `rustc -vV` says "nightly". Hide the word from that probe.
# Use: RUSTC=$PWD/rustc-for-fuzzing.sh cargo +nightly fuzz run idx
if [ "$1" = "-vV" ]; then
  rustc -vV | sed 's/-nightly/-fuzzing/'
else
  exec rustc "$@"
fi
