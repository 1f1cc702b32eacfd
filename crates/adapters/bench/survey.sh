#!/usr/bin/env bash
# Runs the platform adapters over real published n8n and Node-RED packages and prints, per
# package, the declared capabilities, runtime dependencies, lifecycle scripts and findings.
#
# Usage: crates/adapters/bench/survey.sh [WORKDIR]   (default /tmp/portcullis-survey)
# Needs network access to the npm registry (npm pack). Not part of the unit tests.
set -euo pipefail

WORK=${1:-/tmp/portcullis-survey}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
PACKAGES=(
  @mendable/n8n-nodes-firecrawl@2.1.2
  n8n-nodes-mcp@0.1.37
  n8n-nodes-evolution-api@1.0.4
  node-red-node-email@5.2.5
  node-red-contrib-telegrambot@17.0.6
  node-red-dashboard@3.6.6
  node-red-contrib-modbus@5.45.2
  node-red-node-serialport@2.0.3
  node-red-node-mysql@3.0.4
)

mkdir -p "$WORK/tgz" "$WORK/pkgs"
cd "$WORK/tgz"
for p in "${PACKAGES[@]}"; do
  npm pack --silent "$p" >/dev/null || echo "skip $p (npm pack failed)" >&2
done
for t in "$WORK"/tgz/*.tgz; do
  n=$(basename "$t" .tgz)
  rm -rf "$WORK/pkgs/$n" && mkdir -p "$WORK/pkgs/$n"
  tar -xzf "$t" -C "$WORK/pkgs/$n" --no-same-owner
done

cd "$ROOT"
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target} cargo run --release -q -p portcullis-adapters \
  --example survey -- "$WORK"/pkgs/*/package
