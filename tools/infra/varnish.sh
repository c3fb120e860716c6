#!/usr/bin/env bash
# A real Varnish Cache for tests and for a self-hosted edge: Debian's `varnish` package (7.x).
# Tests start their own servers through libs/testing/src/varnish.ts; this script
# only makes sure the binary is there.
#
#   tools/infra/varnish.sh install   install varnishd if it is missing (idempotent)
#   tools/infra/varnish.sh check     exit 0 if varnishd is on PATH, 1 otherwise
#   tools/infra/varnish.sh version   print the installed version
set -euo pipefail

log() { printf 'varnish: %s\n' "$*" >&2; }
die() { printf 'varnish: ERROR: %s\n' "$*" >&2; exit 1; }

have() { command -v varnishd >/dev/null 2>&1 || [[ -x /usr/sbin/varnishd ]]; }

cmd_install() {
  if have; then
    log "varnishd already installed: $(varnishd -V 2>&1 | head -n1)"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "varnishd is missing and apt-get is not available; install varnish 7+ yourself and put it on PATH"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "varnishd is missing; installing it needs root (or sudo): apt-get install -y varnish"
    sudo=(sudo)
  fi
  log "installing Debian package varnish ..."
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq varnish >/dev/null ||
    die "apt-get install -y varnish failed"
  have || die "varnishd was installed but is not on PATH (looked in: $PATH)"
  log "installed: $(varnishd -V 2>&1 | head -n1)"
}

case "${1:-}" in
  install) cmd_install ;;
  check) have ;;
  version) have || die "varnishd not installed: run tools/infra/varnish.sh install"; varnishd -V ;;
  -h | --help | help | "") sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p' ;;
  *) die "unknown command: $1 (install | check | version)" ;;
esac
