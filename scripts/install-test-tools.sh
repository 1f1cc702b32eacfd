#!/usr/bin/env bash
# Installs the external validators the `portcullis-report` tests use into `.tools/` at the
# workspace root (gitignored). Idempotent: does nothing when everything is already there.
# Packages come from the npm registry (npm itself, if missing, from Debian's packages).
#
#   @microsoft/sarif-multitool-linux  Microsoft's SARIF Multitool (`Sarif.Multitool validate`),
#                                     a self-contained binary, plus the SARIF 2.1.0 JSON schema
#                                     it ships.
#   @cyclonedx/cyclonedx-library      ships the official CycloneDX JSON schemas
#                                     (bom-1.5/1.6, spdx, jsf-0.82).
#
# And from PyPI (pip):
#   moto[server]                      `moto_server`, an S3-compatible server for the
#                                     registry's object-storage tests (scripts/ensure-s3.sh).
set -euo pipefail

# moto's S3 server, unless one is already installed.
if ! command -v moto_server >/dev/null 2>&1; then
  py="$(command -v python3 || true)"
  if [ -z "$py" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip python3-venv >/dev/null
    py="$(command -v python3)"
  fi
  [ -n "$py" ] || { echo "install-test-tools: python3 is required for moto_server" >&2; exit 1; }
  echo "install-test-tools: installing moto[server] with pip" >&2
  "$py" -m pip install --quiet "moto[server]==5.2.1" 2>/dev/null ||
    "$py" -m pip install --quiet --break-system-packages "moto[server]==5.2.1"
  hash -r
  command -v moto_server >/dev/null 2>&1 || {
    echo "install-test-tools: moto_server is not on PATH after pip install" >&2
    exit 1
  }
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
sarif_pkg="@microsoft/sarif-multitool-linux@5.7.0"
cdx_pkg="@cyclonedx/cyclonedx-library@10.3.0"

have_all() {
  [ -x "$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool" ] &&
    [ -f "$tools/node_modules/@cyclonedx/cyclonedx-library/res/schema/bom-1.6.SNAPSHOT.schema.json" ] &&
    [ -f "$tools/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json" ]
}

if have_all; then
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  # A fresh machine or CI image may lack Node.js; as root on Debian, install it from the
  # distribution's packages rather than fail.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-test-tools: npm not found, installing it with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  command -v npm >/dev/null 2>&1 || {
    echo "install-test-tools: npm is required (apt-get install npm)" >&2
    exit 1
  }
fi

mkdir -p "$tools"
# A private package.json so npm does not walk up and adopt some other project's manifest.
[ -f "$tools/package.json" ] || echo '{"name":"portcullis-test-tools","private":true}' >"$tools/package.json"
npm install --prefix "$tools" --no-audit --no-fund --ignore-scripts --omit=optional \
  "$sarif_pkg" "$cdx_pkg"

# npm does not always keep the executable bit of files shipped in a tarball.
chmod +x "$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool" 2>/dev/null || true

have_all || {
  echo "install-test-tools: installed, but the expected files are missing under $tools" >&2
  exit 1
}
