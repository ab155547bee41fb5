#!/usr/bin/env bash
# Make sure PostgreSQL and RabbitMQ answer on localhost: start them if installed but stopped, or say how to
# install them. Used by `make run` and `make test`.
set -euo pipefail

say() { printf '[infra] %s\n' "$*"; }

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || timeout 3 bash -c '</dev/tcp/127.0.0.1/5432' 2>/dev/null; }
mq_up() { timeout 3 bash -c '</dev/tcp/127.0.0.1/5672' 2>/dev/null; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    say "PostgreSQL is stopped; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  if ! pg_up; then
    say "PostgreSQL is not installed or does not start on 127.0.0.1:5432."
    say "Install it with: apt-get update && apt-get install -y postgresql"
    exit 1
  fi
fi
say "PostgreSQL answers on 127.0.0.1:5432"

if ! mq_up; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    say "RabbitMQ is stopped; starting it"
    rabbitmq-server -detached || true
    rabbitmqctl await_startup >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do mq_up && break; sleep 1; done
  fi
  if ! mq_up; then
    say "RabbitMQ is not installed or does not start on 127.0.0.1:5672."
    say "Install it with: apt-get update && apt-get install -y rabbitmq-server"
    exit 1
  fi
fi
# The app may be stopped while the Erlang node still listens (e.g. after `rabbitmqctl stop_app`).
if command -v rabbitmqctl >/dev/null 2>&1 && ! rabbitmqctl -q status >/dev/null 2>&1; then
  rabbitmqctl start_app >/dev/null 2>&1 || true
fi
say "RabbitMQ answers on 127.0.0.1:5672"
