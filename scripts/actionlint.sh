#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter the unit tests run on examples/github-actions/) from the
# Go module proxy into the engine's cache, keyed by version, like scripts/engine/build.sh.
#
# Usage: scripts/actionlint.sh               build if missing; the binary's path is the LAST line of stdout
#        scripts/actionlint.sh --print-path  print the path only (no build)
#
# Cache: ${CLOISTER_ENGINE_CACHE:-$HOME/.cache/cloister-engine}: store/actionlint-<version>/actionlint, with the
# engine's gomod/ (GOMODCACHE) and gocache/ (GOCACHE).
set -euo pipefail

# Newest version the module proxy serves (go list -m -versions github.com/rhysd/actionlint).
ACTIONLINT_VERSION="v1.7.12"
CACHE="${CLOISTER_ENGINE_CACHE:-$HOME/.cache/cloister-engine}"
OUT="$CACHE/store/actionlint-$ACTIONLINT_VERSION"
BIN="$OUT/actionlint"

if [ "${1:-}" = "--print-path" ]; then echo "$BIN"; exit 0; fi
[ $# -eq 0 ] || { echo "[actionlint] unknown argument: $1 (usage: actionlint.sh [--print-path])" >&2; exit 2; }

# A binary built from the module reports the module's version on its first line.
if [ -x "$BIN" ] && [ "$("$BIN" -version 2>/dev/null | head -n 1)" = "$ACTIONLINT_VERSION" ]; then
  echo "[actionlint] $ACTIONLINT_VERSION up to date" >&2
  echo "$BIN"
  exit 0
fi

# The Go toolchain's default location, for shells whose PATH lacks it.
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null 2>&1 || { echo "[actionlint] ERROR: go not found on PATH or in /usr/local/go/bin" >&2; exit 1; }
export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gocache"
# go install <module>@<version> ignores any go.mod and checks module hashes against the checksum database.
export CGO_ENABLED=0 GOFLAGS="-mod=mod -modcacherw -trimpath -buildvcs=false"
mkdir -p "$GOMODCACHE" "$GOCACHE" "$OUT"
started=$(date +%s)
GOBIN="$OUT" go install -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
[ "$("$BIN" -version | head -n 1)" = "$ACTIONLINT_VERSION" ] || { echo "[actionlint] ERROR: $BIN does not report $ACTIONLINT_VERSION" >&2; exit 1; }
echo "[actionlint] built $ACTIONLINT_VERSION in $(( $(date +%s) - started ))s" >&2
echo "$BIN"
