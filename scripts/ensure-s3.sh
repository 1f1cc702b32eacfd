#!/usr/bin/env bash
# Makes sure an S3-compatible server answers on 127.0.0.1:5055 for the registry's object
# storage tests (artifacts in `s3://…`): moto's standalone server (`moto_server`, PyPI
# `moto[server]`, installed by scripts/install-test-tools.sh). Override the address with
# PORTCULLIS_TEST_S3 (e.g. a MinIO the CI provides).
#
# Idempotent: does nothing when one already answers. The server runs in the background
# (pid in .tools/moto.pid, log in .tools/moto.log) and keeps its buckets in memory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOST=127.0.0.1
PORT=5055

answers() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

if answers; then
  echo "ensure-s3: an S3-compatible server answers on $HOST:$PORT" >&2
  exit 0
fi
moto="$(command -v moto_server || true)"
[ -n "$moto" ] || { echo "ensure-s3: moto_server not found (scripts/install-test-tools.sh installs it)" >&2; exit 1; }
mkdir -p "$root/.tools"
nohup "$moto" -H "$HOST" -p "$PORT" >"$root/.tools/moto.log" 2>&1 &
echo $! >"$root/.tools/moto.pid"
for _ in $(seq 1 60); do
  answers && break
  sleep 0.5
done
answers || { echo "ensure-s3: moto_server did not come up on $HOST:$PORT (see .tools/moto.log)" >&2; exit 1; }
echo "ensure-s3: moto_server answers on $HOST:$PORT" >&2
