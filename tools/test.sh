#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it (and .ci/run through it):
#   contracts current + buf lint → typecheck → lint → build → jest (unit + integration).
# Real servers the integration tests need are installed and started by tools/infra scripts
# from here; a missing server fails the run, it is never skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache

step() { printf '\n== %s\n' "$*"; }

step "real servers: install what is missing"
bash tools/infra/nats.sh install
bash tools/infra/pdns.sh install && bash tools/infra/moto.sh install   # PowerDNS (sqlite3) + moto_server (Route53/CloudFront)
bash tools/infra/pebble.sh install      # pebble + pebble-challtestsrv (ACME), openssl
bash tools/infra/cassandra.sh install   # Java 17 + Maven; jars cached under .cache/cassandra
bash tools/infra/varnish.sh install     # varnishd (provider-varnish tests start their own)
bash tools/infra/kustomize.sh install   # kustomize from the Go module proxy (deploy/manifests.spec.ts renders the overlays)
bash tools/infra/node24.sh install      # Node 24 LTS from the npm registry + better-sqlite3 built for it

step "contracts (buf lint + generated code current)"
node tools/contracts-check.js
step "citations (code comments point at docs/behaviour.md, not outside the repo)"
node tools/docs/repoint-references.js --check
step "format (prettier)"
npx prettier --check "**/*.{ts,js,json}" --log-level warn
step "typecheck"
npx tsc --noEmit -p tsconfig.json
step "lint"
npx nx show projects >/dev/null  # caches the project graph the module-boundaries rule reads
npx eslint --max-warnings 0 .
step "build"
node tools/build.js

step "real servers: Cassandra for the catalog's integration tests (stopped on exit)"
CASSANDRA_TEST_PORT=9142
# A node that was already running (another run, a developer's) is used and left running.
if ! bash tools/infra/cassandra.sh status --port "$CASSANDRA_TEST_PORT" 2>/dev/null; then
  trap 'bash tools/infra/cassandra.sh stop --port "$CASSANDRA_TEST_PORT" || true' EXIT
fi
bash tools/infra/cassandra.sh start --port "$CASSANDRA_TEST_PORT"
export POPPY_TEST_CASSANDRA="127.0.0.1:$CASSANDRA_TEST_PORT"

step "unit tests on Node 24 (the images' Node; docs/adr/0010-kubernetes.md)"
bash tools/infra/node24.sh test --ci --silent

step "jest"
status=0
# --forceExit: a handle a failed test leaks must not hang CI until its time limit (jest still
# reports it); tests close what they open.
POPPY_SKIP_BUILD=1 npx jest --ci --forceExit --json --outputFile=.cache/jest-results.json "$@" || status=$?
node -e '
  const r = require("./.cache/jest-results.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit $status
