#!/usr/bin/env bash
# What `make bench` needs beyond the workspace: wrk (Debian's package) to load the HTTP servers.
set -euo pipefail
if ! command -v wrk >/dev/null 2>&1; then
  echo "[bench] installing wrk"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
