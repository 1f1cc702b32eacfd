#!/usr/bin/env bash
# Status API benchmark: wrk against GET .../versions/{v}/status?env=prod on loopback, with
# the registry on SQLite and on PostgreSQL. Reports requests/s and p99 latency.
# Target (issue #7): >= 10,000 req/s with p99 < 10 ms on the 2-core dev machine.
#
#   bench/server/status.sh                # both backends, 10 s each
#   DURATION=30s CONNS=64 bench/server/status.sh sqlite
set -euo pipefail
source "$(dirname "$0")/common.sh"

DURATION="${DURATION:-10s}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-1}"
PORT="${PORT:-18088}"
BACKENDS=("${@:-sqlite postgres}")
read -r -a BACKENDS <<<"${BACKENDS[*]}"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
build_server

run() {
  local backend="$1" data db_args=() dbname=""
  data="$(mktemp -d)"
  if [ "$backend" = postgres ]; then
    dbname="pcr_bench_$$"
    db_args=(--database "$(new_pg_db "$dbname")")
  fi
  local token
  token="$("$BIN" --data "$data" "${db_args[@]}" seed)"
  "$BIN" --data "$data" "${db_args[@]}" --max-connections "${POOL:-16}" serve --listen "127.0.0.1:$PORT" >"$data/server.log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  wait_ready "$PORT"
  local url="http://127.0.0.1:$PORT/api/v1/extensions/n8n/n8n-nodes-bench/versions/1.0.0/status?env=prod"
  local answer
  answer="$(curl -fsS -H "Authorization: Bearer $token" "$url")"
  case "$answer" in *'"allowed"'*) ;; *) echo "unexpected status answer: $answer" >&2; return 1 ;; esac
  wrk -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: Bearer $token" "$url" >/dev/null
  local out
  out="$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$url")"
  echo "$out" >"$data/wrk.txt"
  local rps p99 errors
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  printf '%-9s %10s req/s   p99 %8s   non-2xx %s   (%s conns, %s, wrk log %s)\n' "$backend" "$rps" "$p99" "${errors:-0}" "$CONNS" "$DURATION" "$data/wrk.txt"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ -n "$dbname" ] && drop_pg_db "$dbname"
  return 0
}

echo "status API on loopback: $(nproc) cores, wrk -t$THREADS -c$CONNS -d$DURATION"
for b in "${BACKENDS[@]}"; do
  run "$b"
done
