#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer: starts them when
# they are installed but stopped, and fails naming the service that is missing otherwise.
set -uo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

wait_for() { for _ in $(seq 1 30); do "$1" && return 0; sleep 1; done; return 1; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql/ >/dev/null 2>&1; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "Starting PostgreSQL $version…"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for pg_up || { echo "error: PostgreSQL is installed but did not start on 127.0.0.1:5432" >&2; exit 1; }
  else
    echo "error: PostgreSQL is not installed and nothing answers on 127.0.0.1:5432 (Debian: apt-get install postgresql)" >&2
    exit 1
  fi
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "Starting Redis…"
    mkdir -p /tmp/plp-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /tmp/plp-redis --logfile /tmp/plp-redis/redis.log
    wait_for redis_up || { echo "error: Redis is installed but did not start on 127.0.0.1:6379" >&2; exit 1; }
  else
    echo "error: Redis is not installed and nothing answers on 127.0.0.1:6379 (Debian: apt-get install redis-server)" >&2
    exit 1
  fi
fi
# The application's ordinary role (tests grant it privileges at migrate and attack the audit log
# as it: tests/test_db_roles.py).
# Roles are cluster-wide: connect to the server's "postgres" database (the test database, or
# DATABASE_URL's own, need not exist yet).
server_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PSQL_URL="${server_url%/*}/postgres" PLP_APP_DB_ROLE="${PLP_APP_DB_ROLE:-plp_app}" \
  "$(dirname "$0")/postgres-app-role.sh" || { echo "error: could not create the application's database role" >&2; exit 1; }
echo "PostgreSQL and Redis are up."
