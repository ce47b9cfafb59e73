#!/usr/bin/env bash
# Creates the application's ordinary database role (no superuser, owns nothing) if it is missing.
# The tables' owner runs the migrations; each `migrate` then grants this role what the site needs
# (plp_portal/dbroles.py). Used by scripts/ensure-services.sh (tests) and, mounted into the
# postgres container's /docker-entrypoint-initdb.d/, by docker-compose.yml.
#   PLP_APP_DB_ROLE (default plp_app), PLP_APP_DB_PASSWORD (default: the role's name),
#   PSQL_URL: how to connect as a role that may create roles (default: the local socket, as
#   POSTGRES_USER to POSTGRES_DB inside the postgres container).
set -euo pipefail
role="${PLP_APP_DB_ROLE:-plp_app}"
password="${PLP_APP_DB_PASSWORD:-$role}"
if [[ -n "${PSQL_URL:-}" ]]; then
  connect=("$PSQL_URL")
else
  connect=(--username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}")
fi
psql "${connect[@]}" -v ON_ERROR_STOP=1 -q -v role="$role" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS',
              :'role', :'password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SQL
