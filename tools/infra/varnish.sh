#!/usr/bin/env bash
# A real Varnish Cache for tests and for a self-hosted edge: Debian's `varnish` package (7.x),
# and its TLS front, Debian's `hitch` package (>= 1.5 for `pem-dir`; see
# services/provider-varnish/README.md). Tests start their own servers through
# libs/testing/src/varnish.ts and hitch.ts; this script only makes sure the binaries are there.
#
#   tools/infra/varnish.sh install   install varnishd and hitch if missing (idempotent)
#   tools/infra/varnish.sh check     exit 0 if varnishd and hitch are on PATH, 1 otherwise
#   tools/infra/varnish.sh version   print the installed versions
set -euo pipefail

log() { printf 'varnish: %s\n' "$*" >&2; }
die() { printf 'varnish: ERROR: %s\n' "$*" >&2; exit 1; }

have_varnishd() { command -v varnishd >/dev/null 2>&1 || [[ -x /usr/sbin/varnishd ]]; }
have_hitch() { command -v hitch >/dev/null 2>&1 || [[ -x /usr/sbin/hitch ]]; }
hitch_bin() { command -v hitch 2>/dev/null || echo /usr/sbin/hitch; }
have() { have_varnishd && have_hitch; }

cmd_install() {
  local missing=()
  if have_varnishd; then
    log "varnishd already installed: $(varnishd -V 2>&1 | head -n1)"
  else
    missing+=(varnish)
  fi
  if have_hitch; then
    log "hitch already installed: $("$(hitch_bin)" --version 2>&1 | head -n1)"
  else
    missing+=(hitch)
  fi
  [[ ${#missing[@]} -eq 0 ]] && return 0
  command -v apt-get >/dev/null 2>&1 ||
    die "${missing[*]} missing and apt-get is not available; install varnish 7+ and hitch 1.5+ yourself and put them on PATH"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "${missing[*]} missing; installing needs root (or sudo): apt-get install -y ${missing[*]}"
    sudo=(sudo)
  fi
  log "installing Debian packages ${missing[*]} ..."
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null ||
    die "apt-get install -y ${missing[*]} failed"
  have_varnishd || die "varnishd was installed but is not on PATH (looked in: $PATH)"
  have_hitch || die "hitch was installed but is not on PATH (looked in: $PATH)"
  log "installed: $(varnishd -V 2>&1 | head -n1); $("$(hitch_bin)" --version 2>&1 | head -n1)"
}

cmd_version() {
  have_varnishd || die "varnishd not installed: run tools/infra/varnish.sh install"
  have_hitch || die "hitch not installed: run tools/infra/varnish.sh install"
  varnishd -V
  "$(hitch_bin)" --version
}

case "${1:-}" in
  install) cmd_install ;;
  check) have ;;
  version) cmd_version ;;
  -h | --help | help | "") sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p' ;;
  *) die "unknown command: $1 (install | check | version)" ;;
esac
