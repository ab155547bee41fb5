#!/usr/bin/env bash
# Make sure PostgreSQL and RabbitMQ answer on localhost, for `make run` and `make test`:
# - running already: nothing to do;
# - installed but stopped: start them;
# - missing (a fresh Debian machine): install them with apt-get, as root or through sudo, then start them;
#   without root (and no password-less sudo), print exactly what to run and stop.
# Tested with stubbed commands in tests/deploy/test_ensure_infra.py (CARTIO_PG_PORT, CARTIO_MQ_PORT and
# CARTIO_PG_ETC exist for that test; nobody else needs them).
set -euo pipefail

PG_PORT="${CARTIO_PG_PORT:-5432}"
MQ_PORT="${CARTIO_MQ_PORT:-5672}"
PG_ETC="${CARTIO_PG_ETC:-/etc/postgresql}"

say() { printf '[infra] %s\n' "$*"; }

pg_up() {
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then return 0; fi
  timeout 3 bash -c "</dev/tcp/127.0.0.1/$PG_PORT" 2>/dev/null
}
mq_up() { timeout 3 bash -c "</dev/tcp/127.0.0.1/$MQ_PORT" 2>/dev/null; }

# shellcheck source=lib/root.sh
source "${BASH_SOURCE[0]%/*}/lib/root.sh"  # no dirname: the script runs with a minimal PATH

# apt-get install the packages, or say what to run and stop.
install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "$* not installed, and this is not a Debian-like system (no apt-get): install $* and start them."
    exit 1
  fi
  if ! can_root; then
    say "$* not installed, and installing needs root. Run:"
    say "  sudo apt-get update && sudo apt-get install -y $*"
    say "then run this command again."
    exit 1
  fi
  say "installing $* (apt-get)"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

pg_version() { ls "$PG_ETC" 2>/dev/null | sort -V | tail -n1; }

# The native run and the tests connect as `postgres` over 127.0.0.1 without a password (a development machine):
# a fresh cluster asks for one (scram-sha-256), so loopback connections are trusted, first rule wins.
trust_loopback() {
  local hba
  hba="$PG_ETC/$(pg_version)/main/pg_hba.conf"
  if [ -f "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    say "trusting loopback connections in $hba (development machine)"
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
}

if ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(pg_version)" ]; then
    install postgresql
    trust_loopback
  fi
  say "PostgreSQL is stopped; starting it"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main start \
    || pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  if ! pg_up; then
    say "PostgreSQL does not start on 127.0.0.1:$PG_PORT; see /var/log/postgresql/."
    exit 1
  fi
fi
say "PostgreSQL answers on 127.0.0.1:$PG_PORT"

if ! mq_up; then
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    install rabbitmq-server
  fi
  say "RabbitMQ is stopped; starting it"
  as_root rabbitmq-server -detached || rabbitmq-server -detached || true
  rabbitmqctl await_startup >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do mq_up && break; sleep 1; done
  if ! mq_up; then
    say "RabbitMQ does not start on 127.0.0.1:$MQ_PORT; see /var/log/rabbitmq/."
    exit 1
  fi
fi
# The app may be stopped while the Erlang node still listens (e.g. after `rabbitmqctl stop_app`).
if command -v rabbitmqctl >/dev/null 2>&1 && ! rabbitmqctl -q status >/dev/null 2>&1; then
  rabbitmqctl start_app >/dev/null 2>&1 || true
fi
say "RabbitMQ answers on 127.0.0.1:$MQ_PORT"
