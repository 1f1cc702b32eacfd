#!/usr/bin/env bash
# Fuzzes the registry's HTTP API from its own OpenAPI document with schemathesis (PyPI)
# against a real `portcullis serve`: every operation, generated and mutated inputs, checked
# for server errors (5xx) and for responses outside the documented schema (status codes,
# content types, bodies).
#
#   scripts/api-fuzz.sh [MAX_EXAMPLES]      # default 50 examples per operation
#
# Starts a throw-away registry (SQLite in a temp dir), bootstraps a steward whose token
# authenticates every request, and writes the run's summary to docs/api-fuzz-results.md
# (raw JUnit/NDJSON reports under target/api-fuzz/). Exit status: schemathesis's.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
examples="${1:-50}"
port="${PORTCULLIS_FUZZ_PORT:-18471}"
out="$root/target/api-fuzz"
mkdir -p "$out"

if ! command -v schemathesis >/dev/null 2>&1; then
  echo "api-fuzz: installing schemathesis with pip" >&2
  python3 -m pip install --quiet "schemathesis==4.32.5" 2>/dev/null ||
    python3 -m pip install --quiet --break-system-packages "schemathesis==4.32.5"
  hash -r
fi

cargo build --locked -p portcullis-cli
bin="${CARGO_TARGET_DIR:-$root/target}/debug/portcullis"

data="$(mktemp -d)"
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT

token="$("$bin" bootstrap --data "$data/registry" 2>/dev/null)"
PORTCULLIS_DB_DIR="$data/no-db" RUST_LOG=warn "$bin" serve --data "$data/registry" \
  --listen "127.0.0.1:$port" --workers 1 2>"$out/serve.log" &
serve_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null

set +e
schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$examples" \
  --generation-deterministic \
  --request-timeout 20 \
  --report junit,ndjson --report-dir "$out" \
  >"$out/schemathesis.txt" 2>&1
status=$?
set -e

alive="no"
kill -0 "$serve_pid" 2>/dev/null && curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && alive="yes"
server_errors="$(grep -c '"status":5[0-9][0-9]' "$out"/*.ndjson 2>/dev/null || true)"
{
  echo "# API fuzzing results (schemathesis)"
  echo
  echo "Produced by \`scripts/api-fuzz.sh $examples\` on $(date -u +%Y-%m-%d) against a real"
  echo "\`portcullis serve\` (SQLite), from \`/api/v1/openapi.json\`, as a security steward. Checks:"
  echo "not_a_server_error, status_code_conformance, content_type_conformance,"
  echo "response_schema_conformance. Exit status $status; server still answering afterwards: $alive."
  echo
  echo '```'
  # The summary: everything from the last section header schemathesis prints.
  sed -n '/SUMMARY\|Summary\|=====/,$p' "$out/schemathesis.txt" | tail -n 80
  echo '```'
} >"$root/docs/api-fuzz-results.md"
echo "api-fuzz: schemathesis exit $status; summary in docs/api-fuzz-results.md" >&2
exit "$status"
