#!/usr/bin/env bash
# A real ACME server for tests: Debian's `pebble` package (2.4), which also ships
# `pebble-challtestsrv` (the fake DNS server pebble resolves challenge hostnames with).
# Tests start their own instances through libs/testing/src/pebble.ts; this script only
# makes sure the binaries (and openssl, for pebble's own listener certificate) are there.
#
#   tools/infra/pebble.sh install   install pebble / openssl if missing (idempotent)
#   tools/infra/pebble.sh check     exit 0 if pebble, pebble-challtestsrv and openssl are on PATH
set -euo pipefail

log() { printf 'pebble: %s\n' "$*" >&2; }
die() { printf 'pebble: ERROR: %s\n' "$*" >&2; exit 1; }

have() {
  command -v pebble >/dev/null 2>&1 && command -v pebble-challtestsrv >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1
}

cmd_install() {
  if have; then
    log "pebble, pebble-challtestsrv and openssl already installed"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "pebble is missing and apt-get is not available; install pebble 2.4+ (with pebble-challtestsrv) and openssl yourself"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "pebble is missing; installing it needs root (or sudo): apt-get install -y pebble openssl"
    sudo=(sudo)
  fi
  log "installing Debian packages pebble openssl ..."
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq pebble openssl >/dev/null ||
    die "apt-get install -y pebble openssl failed"
  have || die "pebble was installed but pebble / pebble-challtestsrv / openssl are not all on PATH (looked in: $PATH)"
  log "installed pebble"
}

case "${1:-}" in
  install) cmd_install ;;
  check) have ;;
  -h | --help | help | "") sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p' ;;
  *) die "unknown command: $1 (install | check)" ;;
esac
