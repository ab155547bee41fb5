#!/usr/bin/env bash
# Builds the admin UI (services/gateway/ui) into its dist/: npm ci from the committed lock (from the npm registry
# npm is configured with), then the Vite build. dist/ and node_modules/ are not committed.
# Skips what is up to date, so `make run` and `make test` pay for it once.
set -euo pipefail
cd "$(dirname "$0")/../services/gateway/ui"

if ! command -v npm >/dev/null 2>&1; then
  echo "build-ui: npm is missing; install Node.js 20+ (apt-get install -y nodejs npm)" >&2
  exit 1
fi

# node_modules first: the Vitest step of `make test` needs it even when dist/ is current.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

stamp=dist/index.html
if [ -f "$stamp" ] && [ -z "$(find src index.html package.json package-lock.json vite.config.ts -newer "$stamp" -print -quit)" ]; then
  echo "build-ui: dist is up to date"
  exit 0
fi
npx vite build --logLevel warn
echo "build-ui: built services/gateway/ui/dist"
