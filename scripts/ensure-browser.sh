#!/usr/bin/env bash
# The browser tests drive the system Chromium (/usr/bin/chromium); Playwright never downloads its own.
# Installs Debian's chromium when missing (as root or through password-less sudo), else prints the command to run.
set -euo pipefail
# shellcheck source=lib/root.sh
source "${BASH_SOURCE[0]%/*}/lib/root.sh"  # no dirname: the script runs with a minimal PATH
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if can_root; then
  echo "ensure-browser: installing chromium with apt-get"
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
else
  echo "ensure-browser: Chromium is missing; run: sudo apt-get update && sudo apt-get install -y chromium" >&2
  exit 1
fi
