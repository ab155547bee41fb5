#!/usr/bin/env bash
# Install uv (pinned) if missing, then the locked workspace into .venv.
set -euo pipefail
UV_VERSION=0.13.8
if ! command -v uv >/dev/null 2>&1; then
  echo "[tools] installing uv $UV_VERSION"
  python3 -m pip install --quiet "uv==$UV_VERSION"
fi
uv sync --all-packages --frozen --quiet
