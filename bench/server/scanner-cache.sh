#!/usr/bin/env bash
# Scan pipeline reuse in the registry's workers: submits N packages to the release
# `portcullis serve --workers 1` with an OSV database, then replaces the database and submits
# one more. Prints how often the pipeline was built and what one build cost (from the
# server's `built the scan pipeline` log lines) and the server's CPU seconds.
# Before the cache every submission paid one build; now one build serves all until the
# database, the policies or the configuration change.
#
#   bench/server/scanner-cache.sh [N]        # default 10; OSV data from /work/shared/osv
set -euo pipefail
source "$(dirname "$0")/common.sh"
N="${1:-10}"
PORT="${PORT:-18097}"
OSV="${OSV:-/work/shared/osv}"
[ -n "${SKIP_BUILD:-}" ] || build_portcullis
work="$(mktemp -d)"
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
"$PORTCULLIS" db import "$OSV/npm-malicious.zip" --db "$work/db" >/dev/null
"$PORTCULLIS" db import "$OSV/PyPI.zip" --db "$work/db" >/dev/null
steward="$("$PORTCULLIS" bootstrap --data "$work/data" 2>/dev/null)"
PORTCULLIS_WORKER_POLL_MS=100 "$PORTCULLIS" serve --data "$work/data" --db "$work/db" --workers 1 --listen "127.0.0.1:$PORT" >"$work/server.log" 2>&1 &
pid=$!
wait_ready "$PORT"
api="http://127.0.0.1:$PORT/api/v1"
auth=(-H "Authorization: Bearer $steward")
dev_id="$(curl -fsS "${auth[@]}" -H 'content-type: application/json' -d '{"name":"dana","roles":["developer"],"teams":["team-crm"]}' "$api/principals" | jq -r .id)"
dev="$(curl -fsS "${auth[@]}" -H 'content-type: application/json' -d "{\"principal_id\":\"$dev_id\",\"scopes\":[\"read\",\"write\"]}" "$api/tokens" | jq -r .secret)"
submit() { # VERSION
  local pkg="$work/pkg-$1"
  mkdir -p "$pkg/package/dist"
  printf '{"name":"n8n-nodes-bench","version":"%s","n8n":{"nodes":["dist/Bench.node.js"]},"dependencies":{"lodash":"4.17.4"}}' "$1" >"$pkg/package/package.json"
  printf 'const cp = require("child_process");\nmodule.exports = { run(x) { return cp.exec(x); } };\n' >"$pkg/package/dist/Bench.node.js"
  tar -czf "$pkg.tgz" -C "$pkg" package
  local meta="{\"platform\":\"n8n\",\"name\":\"n8n-nodes-bench\",\"version\":\"$1\",\"owner\":\"team-crm\",\"purpose\":\"bench\",\"data_classes\":[\"none\"],\"external_services\":[],\"risk_self_assessment\":\"low\",\"test_evidence\":\"none\"}"
  curl -fsS -o /dev/null -H "Authorization: Bearer $dev" -F "metadata=$meta;type=application/json" -F "artifact=@$pkg.tgz" "$api/submissions"
}
wait_done() { # COUNT
  for _ in $(seq 1 600); do
    [ "$(curl -fsS -H "Authorization: Bearer $dev" "$api/submissions?state=done&limit=200" | jq '.items | length')" -ge "$1" ] && return 0
    sleep 0.2
  done
  echo "scans did not finish" >&2; return 1
}
t0="$(cpu_ticks "$pid")"
for i in $(seq 1 "$N"); do submit "1.$i.0"; done
wait_done "$N"
t1="$(cpu_ticks "$pid")"
# `db import` rewrites the database file: the next job must rebuild the pipeline.
"$PORTCULLIS" db import "$OSV/npm-nodejs-security-wg.zip" --db "$work/db" >/dev/null
submit "2.0.0"
wait_done "$((N + 1))"
builds="$(grep -c 'built the scan pipeline' "$work/server.log")"
echo "submissions scanned: $((N + 1)); pipeline builds: $builds (start-up + after the database changed)"
echo "build cost (ms, each): $(grep -o '"build_ms":[0-9]*' "$work/server.log" | cut -d: -f2 | tr '\n' ' ')"
echo "server CPU for the first $N scans: $(awk -v a="$t0" -v b="$t1" -v t="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / t}') s  (load $(cut -d' ' -f1-3 /proc/loadavg))"
