#!/usr/bin/env bash
# One role and one database per Cartio service on a fresh PostgreSQL server (no service reads another's).
# Run once by the postgres image's entrypoint (/docker-entrypoint-initdb.d), or by hand on a managed server:
#   CARTIO_SERVICES="carts gateway" CARTIO_DB_PASSWORD=... psql-able-env bash deploy/postgres/init-databases.sh
# Each role owns its database, so `python -m cartio_<service> migrate` can create its tables and the trusted
# extensions it uses (pg_trgm) without superuser rights. Running it twice changes nothing.
set -euo pipefail

services="${CARTIO_SERVICES:-carts gateway blacklist notifier reports}"
password="${CARTIO_DB_PASSWORD:?set CARTIO_DB_PASSWORD (the password of every service role)}"

for service in $services; do
  name="cartio_${service}"
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
       -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
  echo "[postgres-init] database and role ${name} ready"
done
