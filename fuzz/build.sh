#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer instrumentation on stable Rust (no cargo-fuzz):
# the same flags cargo-fuzz passes. Binaries land in $CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
exec cargo build --release --target x86_64-unknown-linux-gnu "$@"
