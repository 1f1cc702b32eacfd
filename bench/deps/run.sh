#!/usr/bin/env bash
# Benchmark of the dependency pipeline (issue #5):
#   1. import time of the real OSV zips in ../shared/osv (PyPI, npm malicious, npm advisories),
#   2. load time of the resulting database,
#   3. parse / match / full-analysis time of large real lockfiles.
# Lockfiles are resolved once with `npm install --package-lock-only --ignore-scripts` into
# bench/corpus/lockfiles/ (gitignored). Usage: bench/deps/run.sh [iterations]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
osv="${OSV_DIR:-$here/../shared/osv}"
corpus="$here/bench/corpus/lockfiles"
target="${CARGO_TARGET_DIR:-$here/target}"
iterations="${1:-5}"
db="$(mktemp -d)/db"
trap 'rm -rf "$(dirname "$db")"' EXIT

# Projects with big real dependency trees (~2,800 and ~5,000+ packages): popular
# toolchains together. (n8n itself cannot be resolved here: it pulls `xlsx` from cdn.sheetjs.com.)
resolve() {
  local name="$1" spec="$2" dir="$corpus/$1"
  [ -f "$dir/package-lock.json" ] && return 0
  mkdir -p "$dir"
  printf '{"name":"bench-%s","version":"1.0.0","private":true,"dependencies":%s}\n' "$name" "$spec" > "$dir/package.json"
  (cd "$dir" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --legacy-peer-deps --fetch-retries=5 >/dev/null 2>&1) \
    || echo "warning: could not resolve $name (network?)" >&2
}
resolve big '{"react-scripts":"5.0.1","gatsby":"5.13.3","@angular-devkit/build-angular":"17.3.0","@nestjs/cli":"10.3.2","jest":"29.7.0","eslint":"8.57.0","webpack-cli":"5.1.4","typescript":"5.4.2","aws-cdk":"2.133.0","@storybook/react-webpack5":"7.6.17","next":"14.1.3","@vue/cli-service":"5.0.8"}'
resolve huge '{"react-scripts":"5.0.1","gatsby":"5.13.3","@angular-devkit/build-angular":"17.3.0","@nestjs/cli":"10.3.2","jest":"29.7.0","eslint":"8.57.0","webpack-cli":"5.1.4","typescript":"5.4.2","aws-cdk":"2.133.0","@storybook/react-webpack5":"7.6.17","next":"14.1.3","@vue/cli-service":"5.0.8","expo":"50.0.14","@docusaurus/core":"3.1.1","nuxt":"3.10.3","firebase-tools":"13.5.1","hardhat":"2.22.1","electron-builder":"24.13.3","@strapi/strapi":"4.20.4","sails":"1.5.9","parcel":"2.12.0","@sveltejs/kit":"2.5.4","@aws-amplify/cli":"12.10.1","lerna":"8.1.2"}'

CARGO_TARGET_DIR="$target" cargo build --release -q -p portcullis-deps --example deps_bench
bin="$target/release/examples/deps_bench"

args=(--db "$db" --iterations "$iterations")
for z in "$osv"/PyPI.zip "$osv"/npm-malicious.zip "$osv"/npm-nodejs-security-wg.zip; do
  [ -f "$z" ] && args+=(--import "$z")
done
for l in "$corpus"/*/package-lock.json; do
  [ -f "$l" ] && args+=(--lockfile "$l")
done
echo "# $(date -u +%FT%TZ) $(nproc) cores; median of $iterations runs"
"$bin" "${args[@]}"
