#!/usr/bin/env bash
# The browser snippet's checks, as CI runs them: install what is missing, build, unit and e2e tests.
# Needs node >= 20 and npm; installs Debian's chromium when /usr/bin/chromium is missing.
# The e2e tests start `python -m widget serve` from ../.venv (or $BASKETLIFT_PYTHON).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -d node_modules ]; then
    npm ci --no-audit --no-fund
fi
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium
fi

npm run build
npm test
npm run test:e2e
