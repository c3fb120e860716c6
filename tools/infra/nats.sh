#!/usr/bin/env bash
# A real NATS server with JetStream for tests: Debian's `nats-server` package (2.9.x).
# Tests start their own servers through libs/testing/src/nats-server.ts; this script
# only makes sure the binary is there.
#
#   tools/infra/nats.sh install   install nats-server if it is missing (idempotent)
#   tools/infra/nats.sh check     exit 0 if nats-server is on PATH, 1 otherwise
#   tools/infra/nats.sh version   print the installed version
set -euo pipefail

log() { printf 'nats: %s\n' "$*" >&2; }
die() { printf 'nats: ERROR: %s\n' "$*" >&2; exit 1; }

have() { command -v nats-server >/dev/null 2>&1; }

cmd_install() {
  if have; then
    log "nats-server already installed: $(nats-server --version 2>&1 | head -n1)"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "nats-server is missing and apt-get is not available; install nats-server 2.9+ yourself and put it on PATH"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "nats-server is missing; installing it needs root (or sudo): apt-get install -y nats-server"
    sudo=(sudo)
  fi
  log "installing Debian package nats-server ..."
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq nats-server >/dev/null ||
    die "apt-get install -y nats-server failed"
  have || die "nats-server was installed but is not on PATH (looked in: $PATH)"
  log "installed: $(nats-server --version 2>&1 | head -n1)"
}

case "${1:-}" in
  install) cmd_install ;;
  check) have ;;
  version) have || die "nats-server not installed: run tools/infra/nats.sh install"; nats-server --version ;;
  -h | --help | help | "") sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p' ;;
  *) die "unknown command: $1 (install | check | version)" ;;
esac
