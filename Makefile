# Cartio's commands. `make run` starts the whole system; `make test` runs every test. Both set up what they need.
SHELL := /bin/bash
VENV := .venv/bin
export PATH := $(CURDIR)/.venv/bin:$(HOME)/.local/bin:$(PATH)

PG_SERVER ?= postgresql+asyncpg://postgres@127.0.0.1:5432
AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/
SERVICES := carts blacklist reports notifier gateway

.PHONY: run restart status test lint setup infra migrate bench ui browser

setup:
	@./scripts/ensure-tools.sh

infra:
	@./scripts/ensure-infra.sh

migrate: setup infra
	@for s in $(SERVICES); do \
		CARTIO_DATABASE_URL=$(PG_SERVER)/cartio_$$s $(VENV)/python -m cartio_$$s migrate || exit 1; \
	done

# The admin UI: npm ci from the committed lock and the Vite build into services/gateway/ui/dist (not committed).
ui:
	@./scripts/build-ui.sh

# The system Chromium the browser tests (tests/browser) drive.
browser:
	@./scripts/ensure-browser.sh

# Every process of the Procfile under supervisord (scripts/supervise.py): one that dies is started again with
# backoff while the others keep serving. Ctrl-C stops everything.
RUN_DIR ?= .run
run: migrate ui
	@echo "Starting Cartio (Ctrl-C stops everything; \`make restart SERVICE=carts\` restarts one process)..."
	@PG_SERVER=$(PG_SERVER) $(VENV)/python scripts/supervise.py --dir $(RUN_DIR) run --env run.env

# Restart one process of a running `make run` with the code as it is now, while the others keep serving.
restart:
	@test -n "$(SERVICE)" || { echo "usage: make restart SERVICE=<name of a Procfile process, e.g. carts>"; exit 2; }
	@$(VENV)/python scripts/supervise.py --dir $(RUN_DIR) ctl restart $(SERVICE)

# The processes of a running `make run`: state, pid, uptime.
status:
	@$(VENV)/python scripts/supervise.py --dir $(RUN_DIR) ctl status

lint: setup
	$(VENV)/ruff check .
	$(VENV)/mypy
	$(VENV)/lint-imports

test: setup infra lint ui browser
	cd services/gateway/ui && npx vitest run
	CARTIO_TEST_POSTGRES_URL=$(PG_SERVER)/postgres CARTIO_TEST_AMQP_URL=$(AMQP_URL) \
		$(VENV)/pytest

# Every benchmark (bench/*.py, each with its baseline in the same run); rewrites their sections of
# docs/benchmarks.md. ARGS go to each, e.g. `make bench ARGS=--help`.
bench: setup infra
	@./scripts/ensure-bench-tools.sh
	CARTIO_TEST_POSTGRES_URL=$(PG_SERVER)/postgres CARTIO_TEST_AMQP_URL=$(AMQP_URL) \
		$(VENV)/python -m bench --output docs/benchmarks.md $(ARGS)
