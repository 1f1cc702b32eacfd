#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with a `test` database that the
# `postgres` user can reach without a password (what the registry's test suite uses:
# postgres://postgres@127.0.0.1:5432/test, override with PORTCULLIS_TEST_PG).
#
# Idempotent: does nothing when one already answers. On a clean Debian machine it installs
# the `postgresql` package, starts the cluster, and allows local TCP trust auth for tests.
set -euo pipefail

HOST=127.0.0.1
PORT=5432

answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$HOST" -p "$PORT"
  else
    (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null
  fi
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sudo -u postgres sh -c "$*"; fi
}

if ! answers; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "ensure-postgres: installing postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  version="$(ls /etc/postgresql | sort -V | tail -n1)"
  if [ -z "$version" ]; then
    echo "ensure-postgres: no cluster under /etc/postgresql" >&2
    exit 1
  fi
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # Tests connect as postgres over loopback TCP without a password.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  echo "ensure-postgres: starting cluster $version/main" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    answers && break
    sleep 1
  done
  answers || { echo "ensure-postgres: PostgreSQL did not come up on $HOST:$PORT" >&2; exit 1; }
fi

if command -v psql >/dev/null 2>&1; then
  if ! psql -h "$HOST" -p "$PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
    psql -h "$HOST" -p "$PORT" -U postgres -d postgres -qc "CREATE DATABASE test" \
      || as_postgres "psql -qc 'CREATE DATABASE test'"
  fi
fi
echo "ensure-postgres: PostgreSQL answers on $HOST:$PORT" >&2
