#!/usr/bin/env bash
# kustomize, built from the Go module proxy (Debian's kubectl 1.20 embeds kustomize 2.0, which
# predates components, `labels:` and much of what deploy/kustomize uses). Installed into
# ~/.cache/poppy-ts/kustomize/<version>/kustomize; a second install is a no-op. Needs Go (`go install`).
#
#   tools/infra/kustomize.sh install          build it if it is missing (idempotent)
#   tools/infra/kustomize.sh path             print the binary's path (installs first)
#   tools/infra/kustomize.sh build <dir>      render an overlay (installs first)
#   tools/infra/kustomize.sh version          print the version it runs
#
# POPPY_CACHE_DIR moves the cache (default ~/.cache/poppy-ts: kept by the machine across clones,
# so a fresh clone or CI run does not build it again; every entry is keyed by its version).
set -euo pipefail

VERSION=v5.8.1
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${POPPY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/poppy-ts}"
DIR="$CACHE/kustomize/$VERSION"
BIN="$DIR/kustomize"

log() { printf 'kustomize: %s\n' "$*" >&2; }
die() { printf 'kustomize: ERROR: %s\n' "$*" >&2; exit 1; }

cmd_install() {
  if [[ -x "$BIN" ]]; then
    log "kustomize $VERSION already installed: $BIN"
    return 0
  fi
  local go=go
  command -v go >/dev/null 2>&1 || go=/usr/local/go/bin/go
  command -v "$go" >/dev/null 2>&1 || die "Go is needed to build kustomize (go install from the module proxy)"
  mkdir -p "$DIR"
  log "building sigs.k8s.io/kustomize/kustomize/v5@$VERSION (go install; a few minutes the first time) ..."
  # A private GOBIN per version: the binary is built in a temp dir and moved in whole, so an
  # interrupted build never leaves a half-written binary that looks installed.
  local tmp
  tmp="$(mktemp -d "$DIR/.build.XXXXXX")"
  GOBIN="$tmp" GOFLAGS=-buildvcs=false CGO_ENABLED=0 "$go" install "sigs.k8s.io/kustomize/kustomize/v5@$VERSION" ||
    { rm -rf "$tmp"; die "go install sigs.k8s.io/kustomize/kustomize/v5@$VERSION failed"; }
  mv "$tmp/kustomize" "$BIN"
  rm -rf "$tmp"
  log "installed: $("$BIN" version)"
}

case "${1:-}" in
  install) cmd_install ;;
  path) cmd_install && printf '%s\n' "$BIN" ;;
  build) shift; cmd_install && exec "$BIN" build "$@" ;;
  version) cmd_install && "$BIN" version ;;
  -h | --help | help | "") sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p' ;;
  *) die "unknown command '$1' (install | path | build <dir> | version)" ;;
esac
