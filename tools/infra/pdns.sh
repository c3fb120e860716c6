#!/usr/bin/env bash
# A real PowerDNS authoritative server for tests: Debian's `pdns-server` with the
# `pdns-backend-sqlite3` backend (4.7). Tests start their own servers through
# libs/testing/src/powerdns.ts; this script only makes sure the packages are there.
#
#   tools/infra/pdns.sh install   install pdns-server + pdns-backend-sqlite3 if missing (idempotent)
#   tools/infra/pdns.sh check     exit 0 if both are installed, 1 otherwise
#   tools/infra/pdns.sh version   print the installed version
set -euo pipefail

log() { printf 'pdns: %s\n' "$*" >&2; }
die() { printf 'pdns: ERROR: %s\n' "$*" >&2; exit 1; }

SCHEMA=/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
bin() { command -v pdns_server 2>/dev/null || { [[ -x /usr/sbin/pdns_server ]] && echo /usr/sbin/pdns_server; }; }
have() { [[ -n "$(bin)" && -f "$SCHEMA" ]]; }

cmd_install() {
  if have; then
    log "pdns_server already installed: $("$(bin)" --version 2>&1 | grep -o 'PowerDNS Authoritative Server [0-9.]*' | head -n1)"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "PowerDNS is missing and apt-get is not available; install pdns-server 4.7+ with the gsqlite3 backend yourself"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "PowerDNS is missing; installing it needs root (or sudo): apt-get install -y pdns-server pdns-backend-sqlite3"
    sudo=(sudo)
  fi
  log "installing Debian packages pdns-server pdns-backend-sqlite3 ..."
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  # The package's own service is not needed (tests run their own servers); keep it from starting.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 "${sudo[@]}" apt-get install -y -qq pdns-server pdns-backend-sqlite3 >/dev/null ||
    die "apt-get install -y pdns-server pdns-backend-sqlite3 failed"
  have || die "pdns-server was installed but pdns_server or $SCHEMA is missing"
  log "installed: $("$(bin)" --version 2>&1 | grep -o 'PowerDNS Authoritative Server [0-9.]*' | head -n1)"
}

case "${1:-}" in
  install) cmd_install ;;
  check) have ;;
  version) have || die "PowerDNS not installed: run tools/infra/pdns.sh install"; "$(bin)" --version 2>&1 | grep -o 'PowerDNS Authoritative Server [0-9.]*' | head -n1 ;;
  -h | --help | help | "") sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p' ;;
  *) die "unknown command: $1 (install | check | version)" ;;
esac
