#!/usr/bin/env bash
# The browser tests drive the system Chromium (/usr/bin/chromium); Playwright never downloads its own.
# Installs Debian's chromium when missing (as root), else prints the command to run.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ]; then
  echo "ensure-browser: installing chromium with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
else
  echo "ensure-browser: Chromium is missing; run: sudo apt-get update && sudo apt-get install -y chromium" >&2
  exit 1
fi
