# Shared helpers for the registry server benchmarks (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PG_BASE="${PORTCULLIS_BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
# PROFILE=release (default, what the figures should be quoted from) or PROFILE=dev.
PROFILE="${PROFILE:-release}"
if [ "$PROFILE" = dev ]; then PROFILE_DIR=debug; else PROFILE_DIR="$PROFILE"; fi
# The test-fixture server (bootstrap, seed, --fake-scanner) and the real binary.
BIN="$CARGO_TARGET_DIR/$PROFILE_DIR/examples/registry-serve"
PORTCULLIS="$CARGO_TARGET_DIR/$PROFILE_DIR/portcullis"

build_server() {
  (cd "$ROOT" && cargo build --profile "$PROFILE" -q -p portcullis-server --example registry-serve)
}

build_portcullis() {
  (cd "$ROOT" && cargo build --profile "$PROFILE" -q -p portcullis-cli --bin portcullis)
}

# cpu_ticks PID: user+sys clock ticks the process has used so far.
cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$1/stat"
}

# new_pg_db NAME: creates a fresh database, prints its URL.
new_pg_db() {
  "$ROOT/scripts/ensure-postgres.sh" >/dev/null 2>&1
  psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
  psql "$PG_BASE/postgres" -qc "CREATE DATABASE $1" >/dev/null
  echo "$PG_BASE/$1"
}

drop_pg_db() {
  psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}

# wait_ready PORT: waits up to 30 s for /readyz.
wait_ready() {
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on port $1 did not become ready" >&2
  return 1
}
