#!/usr/bin/env bash
# A real moto server (local AWS API: Route53, CloudFront) for tests: pip `moto[server]`.
# Tests start their own servers through libs/testing/src/moto-server.ts; this script
# only makes sure `moto_server` is there.
#
#   tools/infra/moto.sh install   install moto[server] if moto_server is missing (idempotent)
#   tools/infra/moto.sh check     exit 0 if moto_server is on PATH, 1 otherwise
#   tools/infra/moto.sh version   print the installed version
set -euo pipefail

log() { printf 'moto: %s\n' "$*" >&2; }
die() { printf 'moto: ERROR: %s\n' "$*" >&2; exit 1; }

have() { command -v moto_server >/dev/null 2>&1; }

pip_cmd() {
  if command -v pip3 >/dev/null 2>&1; then echo pip3
  elif command -v pip >/dev/null 2>&1; then echo pip
  elif command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then echo "python3 -m pip"
  else return 1
  fi
}

cmd_install() {
  if have; then
    log "moto_server already installed: $(command -v moto_server)"
    return 0
  fi
  local pip
  pip="$(pip_cmd)" || die "moto_server is missing and pip is not available; install Python 3 + pip, then: pip install 'moto[server]'"
  log "installing moto[server] with $pip ..."
  # shellcheck disable=SC2086
  $pip install -q 'moto[server]' || $pip install -q --break-system-packages 'moto[server]' ||
    die "pip install 'moto[server]' failed"
  hash -r
  command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
  have || die "moto[server] was installed but moto_server is not on PATH (looked in: $PATH)"
  log "installed moto_server"
}

case "${1:-}" in
  install) cmd_install ;;
  check) have ;;
  version) have || die "moto_server not installed: run tools/infra/moto.sh install"; python3 -c 'import moto; print(moto.__version__)' ;;
  -h | --help | help | "") sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p' ;;
  *) die "unknown command: $1 (install | check | version)" ;;
esac
