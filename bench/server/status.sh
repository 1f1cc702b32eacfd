#!/usr/bin/env bash
# Status API benchmark: wrk against GET .../versions/{v}/status?env=prod on loopback, served by
# the release `portcullis serve` on SQLite and on PostgreSQL. Reports requests/s, p50/p99
# latency, errors, and the CPU each side used (user+sys seconds: wrk and the server share the
# machine's cores, so throughput is bounded by their sum).
# Target (issue #7): >= 10,000 req/s with p99 < 10 ms on the 2-core dev machine.
#
#   bench/server/status.sh                        # both backends, 10 s each, wrk -t1 -c32
#   DURATION=30s CONNS=64 THREADS=1 bench/server/status.sh sqlite
#   CACHE_TTL_MS=0 bench/server/status.sh         # without the token/status cache
#   SKIP_BUILD=1 NICE=-10 bench/server/status.sh  # server and wrk at a higher priority (shared machine)
set -euo pipefail
source "$(dirname "$0")/common.sh"

DURATION="${DURATION:-10s}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-1}"
PORT="${PORT:-18088}"
POOL="${POOL:-16}"
CACHE_TTL_MS="${CACHE_TTL_MS:-1000}"
BACKENDS=("${@:-sqlite postgres}")
read -r -a BACKENDS <<<"${BACKENDS[*]}"
TICK="$(getconf CLK_TCK)"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
# SKIP_BUILD=1 uses the binaries already in $CARGO_TARGET_DIR.
if [ -z "${SKIP_BUILD:-}" ]; then
  build_server
  build_portcullis
fi

pg_ticks() {
  local sum=0
  for p in $(pgrep -u postgres 2>/dev/null || true); do
    sum=$((sum + $(cpu_ticks "$p" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}

run() {
  local backend="$1" data db_args=() dbname=""
  data="$(mktemp -d)"
  if [ "$backend" = postgres ]; then
    dbname="pcr_bench_$$"
    db_args=(--database "$(new_pg_db "$dbname")")
  fi
  local token
  # One version approved and allowed in prod, and a status-only platform-runtime token.
  token="$("$BIN" --data "$data" "${db_args[@]}" seed)"
  PORTCULLIS_MAX_CONNECTIONS="$POOL" PORTCULLIS_CACHE_TTL_MS="$CACHE_TTL_MS" \
    nice -n "${NICE:-0}" "$PORTCULLIS" serve --data "$data" "${db_args[@]}" --workers 0 --listen "127.0.0.1:$PORT" >"$data/server.log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  wait_ready "$PORT"
  local url="http://127.0.0.1:$PORT/api/v1/extensions/n8n/n8n-nodes-bench/versions/1.0.0/status?env=prod"
  local answer
  answer="$(curl -fsS -H "Authorization: Bearer $token" "$url")"
  case "$answer" in *'"allowed"'*) ;; *) echo "unexpected status answer: $answer" >&2; return 1 ;; esac
  wrk -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: Bearer $token" "$url" >/dev/null
  local s0 p0 out
  s0="$(cpu_ticks "$pid")"
  p0="$(pg_ticks)"
  out="$( { nice -n "${NICE:-0}" /usr/bin/time -f 'WRKCPU %U %S' wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$url"; } 2>&1)"
  local s1 p1
  s1="$(cpu_ticks "$pid")"
  p1="$(pg_ticks)"
  echo "$out" >"$data/wrk.txt"
  local rps p50 p99 errors wrk_cpu server_cpu pg_cpu secs
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  wrk_cpu="$(awk '/^WRKCPU/ {printf "%.1f", $2 + $3}' <<<"$out")"
  server_cpu="$(awk -v a="$s0" -v b="$s1" -v t="$TICK" 'BEGIN {printf "%.1f", (b - a) / t}')"
  pg_cpu="$(awk -v a="$p0" -v b="$p1" -v t="$TICK" 'BEGIN {printf "%.1f", (b - a) / t}')"
  secs="${DURATION%s}"
  printf '%-9s %9s req/s  p50 %7s  p99 %7s  non-2xx %s  cpu-s over %ss: server %s, wrk %s, postgres %s  (load %s)\n' \
    "$backend" "$rps" "$p50" "$p99" "${errors:-0}" "$secs" "$server_cpu" "$wrk_cpu" "$pg_cpu" "$(cut -d' ' -f1-3 /proc/loadavg)"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ -n "$dbname" ] && drop_pg_db "$dbname"
  rm -rf "$data"
  return 0
}

echo "status API on loopback: $(nproc) cores, wrk -t$THREADS -c$CONNS -d$DURATION, pool $POOL, cache TTL ${CACHE_TTL_MS} ms, nice ${NICE:-0}, $(date -u +%FT%TZ)"
for b in "${BACKENDS[@]}"; do
  run "$b"
done
