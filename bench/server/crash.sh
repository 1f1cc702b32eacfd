#!/usr/bin/env bash
# Crash safety: submissions race a `kill -9` of the server. After a restart, every
# submission the server acknowledged (HTTP 202) must exist, be scanned to completion by the
# restarted worker pool, and the audit chain must verify; no version may exist without its
# submission and scan job (no half-written records).
#
#   bench/server/crash.sh [sqlite|postgres] [rounds]
set -euo pipefail
source "$(dirname "$0")/common.sh"

BACKEND="${1:-sqlite}"
ROUNDS="${2:-3}"
PORT="${PORT:-18089}"
build_server

data="$(mktemp -d)"
db_args=()
dbname=""
if [ "$BACKEND" = postgres ]; then
  dbname="pcr_crash_$$"
  db_args=(--database "$(new_pg_db "$dbname")")
fi
steward="$("$BIN" --data "$data" "${db_args[@]}" bootstrap root)"
auth=(-H "Authorization: Bearer $steward")
start() {
  "$BIN" --data "$data" "${db_args[@]}" serve --listen "127.0.0.1:$PORT" --fake-scanner >>"$data/server.log" 2>&1 &
  pid=$!
  wait_ready "$PORT"
}
start
# The steward creates a developer for team-crm.
dev_id="$(curl -fsS "${auth[@]}" -H 'content-type: application/json' -d '{"name":"dana","roles":["developer"],"teams":["team-crm"]}' "http://127.0.0.1:$PORT/api/v1/principals" | jq -r .id)"
dev="$(curl -fsS "${auth[@]}" -H 'content-type: application/json' -d "{\"principal_id\":\"$dev_id\",\"scopes\":[\"read\",\"write\"]}" "http://127.0.0.1:$PORT/api/v1/tokens" | jq -r .secret)"

acked="$data/acked.txt"
: >"$acked"
n=0
for round in $(seq 1 "$ROUNDS"); do
  for i in $(seq 1 40); do
    n=$((n + 1))
    (
      meta="{\"platform\":\"n8n\",\"name\":\"n8n-nodes-crash\",\"version\":\"$round.$i.0\",\"owner\":\"team-crm\",\"purpose\":\"crash test\",\"data_classes\":[\"none\"],\"external_services\":[],\"risk_self_assessment\":\"low\",\"test_evidence\":\"none\"}"
      head -c 200000 /dev/urandom >"$data/pkg-$n.tgz"
      code="$(curl -s -o "$data/resp-$n.json" -w '%{http_code}' -H "Authorization: Bearer $dev" -F "metadata=$meta;type=application/json" -F "artifact=@$data/pkg-$n.tgz" "http://127.0.0.1:$PORT/api/v1/submissions" || true)"
      if [ "$code" = 202 ]; then jq -r .id "$data/resp-$n.json" >>"$acked"; fi
    ) &
  done
  sleep $((RANDOM % 3 + 1))
  kill -9 "$pid"
  wait 2>/dev/null || true
  echo "round $round: killed the server with submissions in flight; $(wc -l <"$acked") acknowledged so far"
  start
done

# Let the restarted workers finish every queued scan. A scan that was running when the
# server died is retried once its lease (120 s) expires, so wait a little longer than that.
for _ in $(seq 1 320); do
  pending=0
  while read -r id; do
    state="$(curl -fsS "${auth[@]}" "http://127.0.0.1:$PORT/api/v1/submissions/$id" | jq -r .state)"
    [ "$state" = done ] || pending=$((pending + 1))
  done <"$acked"
  [ "$pending" = 0 ] && break
  sleep 0.5
done
missing=0
while read -r id; do
  code="$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "http://127.0.0.1:$PORT/api/v1/submissions/$id")"
  [ "$code" = 200 ] || { echo "acknowledged submission $id is gone ($code)"; missing=$((missing + 1)); }
done <"$acked"
verify="$(curl -fsS "${auth[@]}" "http://127.0.0.1:$PORT/api/v1/audit/verify")"
versions="$(curl -fsS "${auth[@]}" "http://127.0.0.1:$PORT/api/v1/extensions/n8n/n8n-nodes-crash/versions" | jq length)"
kill "$pid"; wait 2>/dev/null || true
# Half-written records: every version must have exactly one submission and one job.
orphans_sql="SELECT COUNT(*) FROM versions v WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.version_id = v.id) OR NOT EXISTS (SELECT 1 FROM scan_jobs j JOIN submissions s ON s.id = j.submission_id WHERE s.version_id = v.id)"
if [ "$BACKEND" = postgres ]; then
  orphans="$(psql "${db_args[1]}" -tAc "$orphans_sql")"
else
  orphans="$(sqlite3 "$data/registry.db" "$orphans_sql")"
fi
echo "acknowledged: $(wc -l <"$acked")  missing after restart: $missing  versions stored: $versions  orphan versions: $orphans  scans pending: $pending"
echo "audit verify: $verify"
[ -n "$dbname" ] && drop_pg_db "$dbname"
[ "$missing" = 0 ] && [ "$orphans" = 0 ] && [ "$pending" = 0 ] && grep -q '"ok":true' <<<"$verify"
