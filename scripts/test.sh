#!/usr/bin/env bash
# `npm test`: typecheck, build, unit + integration tests (SQLite and PostgreSQL), runbook lint,
# browser tests in Debian's Chromium. Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Browser tests need Debian's Chromium; installing it (apt-get install -y chromium)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || { echo "Could not install chromium."; exit 1; }
  else
    echo "Browser tests need Debian's Chromium at $CHROMIUM. Install it with: sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi

# The Prometheus plugin's tests run Debian's prometheus and promtool as private processes.
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "The Prometheus tests need Debian's prometheus; installing it (apt-get install -y --no-install-recommends prometheus)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null || { echo "Could not install prometheus."; exit 1; }
  else
    echo "The Prometheus tests need Debian's prometheus package (prometheus and promtool on PATH). Install it with: sudo apt-get install -y --no-install-recommends prometheus" >&2
    exit 1
  fi
fi

# The alerts tests run Debian's prometheus-alertmanager as a private process.
if ! command -v prometheus-alertmanager >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "The alerts tests need Debian's prometheus-alertmanager; installing it (apt-get install -y --no-install-recommends prometheus-alertmanager)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null || { echo "Could not install prometheus-alertmanager."; exit 1; }
  else
    echo "The alerts tests need Debian's prometheus-alertmanager package. Install it with: sudo apt-get install -y --no-install-recommends prometheus-alertmanager" >&2
    exit 1
  fi
fi

if ! node -e "
const pg=require('pg');const os=require('os');
const url=process.env.OPSDECK_TEST_PG||'postgres://127.0.0.1:5432/test';
const user=process.env.PGUSER||process.env.USER||os.userInfo().username;
const c=new pg.Client({connectionString:/@/.test(url)?url:url.replace('://','://'+user+'@')});
c.connect().then(()=>c.end()).catch((e)=>{console.error(e.message);process.exit(1)})"; then
  echo "Integration tests need PostgreSQL at ${OPSDECK_TEST_PG:-postgres://127.0.0.1:5432/test} (trust auth). Start it, or set OPSDECK_TEST_PG." >&2
  exit 1
fi

mkdir -p .cache/test-reports
rm -f .cache/test-reports/*.json
status=0
step() { echo; echo "▶ $*"; "$@" || status=1; }

step npx tsc --noEmit
step npx remix build
step npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/test-reports/unit.json
if [ -f scripts/lint-runbooks.ts ]; then step npm run --silent lint:runbooks; fi
step npx playwright test

node scripts/test-summary.js .cache/test-reports/unit.json .cache/test-reports/e2e.json "$status"
exit $status
