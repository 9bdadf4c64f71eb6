#!/usr/bin/env bash
# Builds Cloister's offline engine from Go modules (no repository checkouts, no prebuilt downloads):
#   pulumi, pulumi-language-nodejs, pulumi-language-yaml, pulumi-resource-kubernetes, kube-apiserver, etcd
#
# Usage: scripts/engine/build.sh              build what is missing; the bin dir is the LAST line of stdout
#        scripts/engine/build.sh --print-bin  print the bin dir only (no build, no checks)
#
# Everything lives outside the work tree in ${CLOISTER_ENGINE_CACHE:-$HOME/.cache/cloister-engine}:
#   gomod/ (GOMODCACHE)  gocache/ (GOCACHE)  src/ (scratch copies of the wrappers)
#   store/<tool>-<version>-<wrapper hash>/   one build of one tool
#   bin/<key>/                               hard links to the six binaries; <key> = versions + wrapper hashes
# A binary is rebuilt only if its store copy is missing or its version output does not match.
#
# Versions: the wanted ones come from package-lock.json (@pulumi/pulumi, @pulumi/kubernetes). What can be
# built is pinned by the committed wrapper modules next to this script (go.mod/go.sum), because the module
# proxy only serves some versions; see PINS below. A difference is reported, not fatal.
#
# Env: CLOISTER_ENGINE_CACHE (cache root), CLOISTER_ENGINE_JOBS (go build -p, default 2),
#      CLOISTER_ENGINE_LOCK (package-lock.json to read, default <repo>/package-lock.json).
set -euo pipefail

ENGINE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$ENGINE_DIR/../.." && pwd)"
CACHE="${CLOISTER_ENGINE_CACHE:-$HOME/.cache/cloister-engine}"
JOBS="${CLOISTER_ENGINE_JOBS:-2}"
LOCK="${CLOISTER_ENGINE_LOCK:-$REPO_DIR/package-lock.json}"

# ---- PINS: what the wrappers build (keep in sync with the wrapper go.mod files) ----------------------
# pulumi CLI: newest github.com/pulumi/pulumi/pkg/v3 whose module zip the proxy serves (3.260.0+ are refused).
PULUMI_VERSION="3.259.0"
# Kubernetes provider: the only github.com/pulumi/pulumi-kubernetes/provider/v4 version the proxy serves is the
# pseudo-version of the v4.25.0 release commit; pinned in pulumi-resource-kubernetes/go.mod.
K8S_PROVIDER_VERSION="4.25.0"
K8S_PROVIDER_MODULE_VERSION="v4.0.0-20260115033456-f47bc2d6f199"
KUBE_VERSION="v1.36.3"
KUBE_BUILD_DATE="2026-07-22T18:07:38Z" # module time of k8s.io/kubernetes@v1.36.3 (reproducible builds)
ETCD_VERSION="3.6.14"
# Pulumi YAML language host: the newest github.com/pulumi/pulumi-yaml the proxy serves (v1.11.1 and v1.25.0 only),
# built against pulumi pkg/sdk v3.219.0, the newest served version whose plugin API it compiles against
# (v3.224.0 added a parameter to plugin.NewContextWithRoot); pinned in pulumi-language-yaml/go.mod.
PULUMI_YAML_VERSION="1.25.0"

log() { echo "[engine] $*" >&2; }
die() { echo "[engine] ERROR: $*" >&2; exit 1; }

# Hash of a wrapper directory's committed inputs (go.mod, go.sum, *.go), so edits trigger a rebuild.
wrapper_hash() {
  (cd "$ENGINE_DIR/$1" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) | LC_ALL=C sort |
    xargs sha256sum) | sha256sum | cut -c1-10
}

store_dir() { # tool version wrapper
  echo "$CACHE/store/$1-$2-$(wrapper_hash "$3")"
}

bin_key() {
  local h
  h=$(for w in pulumi pulumi-language-nodejs pulumi-language-yaml pulumi-resource-kubernetes kube-apiserver etcd; do wrapper_hash "$w"; done |
    sha256sum | cut -c1-10)
  echo "pulumi-${PULUMI_VERSION}_yaml-${PULUMI_YAML_VERSION}_k8s-${K8S_PROVIDER_VERSION}_kube-${KUBE_VERSION#v}_etcd-${ETCD_VERSION}_${h}"
}

BIN_DIR="$CACHE/bin/$(bin_key)"

if [ "${1:-}" = "--print-bin" ]; then
  echo "$BIN_DIR"
  exit 0
fi
[ $# -eq 0 ] || die "unknown argument: $1 (usage: build.sh [--print-bin])"

# ---- wanted versions from package-lock.json ----------------------------------------------------------
lock_version() {
  local pkg="node_modules/$1" v=""
  [ -f "$LOCK" ] || die "$LOCK not found (needed for the @pulumi/* versions)"
  if command -v jq >/dev/null 2>&1; then
    v=$(jq -r --arg p "$pkg" '.packages[$p].version // empty' "$LOCK")
  elif command -v node >/dev/null 2>&1; then
    v=$(node -e 'const l=require(process.argv[1]);const e=(l.packages||{})[process.argv[2]];if(e&&e.version)console.log(e.version)' "$LOCK" "$pkg")
  elif command -v python3 >/dev/null 2>&1; then
    v=$(python3 -c 'import json,sys;e=json.load(open(sys.argv[1])).get("packages",{}).get(sys.argv[2]) or {};print(e.get("version",""))' "$LOCK" "$pkg")
  else
    die "need jq, node or python3 to read $LOCK"
  fi
  [ -n "$v" ] || die "$LOCK has no entry \"$pkg\" (run npm install to add it)"
  echo "$v"
}

WANT_PULUMI=$(lock_version @pulumi/pulumi)
WANT_K8S=$(lock_version @pulumi/kubernetes)
log "package-lock: @pulumi/pulumi $WANT_PULUMI, @pulumi/kubernetes $WANT_K8S"
if [ "$WANT_PULUMI" != "$PULUMI_VERSION" ]; then
  log "NOTE: building pulumi CLI + language host v$PULUMI_VERSION, not v$WANT_PULUMI: the module proxy serves" \
    "github.com/pulumi/pulumi/pkg/v3 zips only up to v3.259.0 (see scripts/engine/README.md)"
fi
if [ "$WANT_K8S" != "$K8S_PROVIDER_VERSION" ]; then
  log "NOTE: building pulumi-resource-kubernetes $K8S_PROVIDER_VERSION, not $WANT_K8S: the module proxy serves" \
    "no newer github.com/pulumi/pulumi-kubernetes/provider/v4 version; it is found on PATH (no version check)"
fi

# ---- Go environment ------------------------------------------------------------------------------------
command -v go >/dev/null 2>&1 || die "go not found on PATH (need Go >= 1.26)"
GO_MINOR=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ -z "$GO_MINOR" ] || [ "$GO_MINOR" -lt 26 ]; then
  log "Go $(go env GOVERSION) is older than 1.26; relying on GOTOOLCHAIN=auto to fetch a newer toolchain module"
  export GOTOOLCHAIN=auto
fi
export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gocache"
export CGO_ENABLED=0 GOFLAGS="-mod=readonly -modcacherw -trimpath -buildvcs=false"
# Modules whose hashes the checksum database does not have; they are pinned by the committed go.sum instead
# (go consults the database only for hashes missing from go.sum, so this matters only when re-pinning).
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/pulumi-kubernetes/provider/v4,github.com/pulumi/cloud-ready-checks"
mkdir -p "$GOMODCACHE" "$GOCACHE" "$CACHE/store" "$CACHE/src" "$BIN_DIR"

TOTAL_START=$(date +%s)
declare -a TIMES=()

# Runs "$@" with /usr/bin/time -v when available and records wall time (and peak RSS) for $name.
timed() {
  local name=$1; shift
  local start end rss="" tf
  tf=$(mktemp)
  start=$(date +%s)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$tf" "$@" >&2 || { cat "$tf" >&2; rm -f "$tf"; die "build of $name failed"; }
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f GiB", $2/1048576}' "$tf")
  else
    "$@" >&2 || die "build of $name failed"
  fi
  rm -f "$tf"
  end=$(date +%s)
  TIMES+=("$(printf '%-28s %4ds%s' "$name" $((end - start)) "${rss:+  peak RSS $rss}")")
  log "built $name in $((end - start))s${rss:+ (peak RSS $rss)}"
}

# up_to_date <binary> <expected substring> <version args...>
up_to_date() {
  local bin=$1 want=$2; shift 2
  [ -x "$bin" ] || return 1
  local out
  out=$("$bin" "$@" 2>&1 | head -5) || true
  [[ "$out" == *"$want"* ]]
}

# Copies a wrapper into a fresh scratch dir (the work tree stays clean; generated files go there).
scratch() {
  local src="$CACHE/src/$1"
  rm -rf "$src"
  mkdir -p "$src"
  cp -R "$ENGINE_DIR/$1/." "$src/"
  echo "$src"
}

link_into_bin() { # store-path
  ln -f "$1" "$BIN_DIR/$(basename "$1")" 2>/dev/null || cp -f "$1" "$BIN_DIR/$(basename "$1")"
}

# ---- pulumi CLI ----------------------------------------------------------------------------------------
PULUMI_LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
build_pulumi() {
  local out; out=$(store_dir pulumi "v$PULUMI_VERSION" pulumi)
  if up_to_date "$out/pulumi" "v$PULUMI_VERSION" version; then
    log "pulumi v$PULUMI_VERSION up to date"
  else
    local src; src=$(scratch pulumi)
    mkdir -p "$out"
    timed pulumi bash -c "cd '$src' && go build -p $JOBS -tags osusergo,grpcnotrace -ldflags '$PULUMI_LDFLAGS' \
      -o '$out/pulumi.tmp' github.com/pulumi/pulumi/pkg/v3/cmd/pulumi && mv '$out/pulumi.tmp' '$out/pulumi'"
    up_to_date "$out/pulumi" "v$PULUMI_VERSION" version || die "pulumi version does not report v$PULUMI_VERSION"
  fi
  link_into_bin "$out/pulumi"
}

# ---- Node.js language host (Cloister's own; see pulumi-language-nodejs/main.go) -------------------------
build_langhost() {
  local out; out=$(store_dir pulumi-language-nodejs "v$PULUMI_VERSION" pulumi-language-nodejs)
  if up_to_date "$out/pulumi-language-nodejs" "v$PULUMI_VERSION" -version; then
    log "pulumi-language-nodejs up to date"
  else
    local src; src=$(scratch pulumi-language-nodejs)
    mkdir -p "$out"
    timed pulumi-language-nodejs bash -c "cd '$src' && go build -p $JOBS -tags osusergo,grpcnotrace \
      -ldflags '$PULUMI_LDFLAGS' -o '$out/pulumi-language-nodejs.tmp' . && \
      mv '$out/pulumi-language-nodejs.tmp' '$out/pulumi-language-nodejs'"
  fi
  link_into_bin "$out/pulumi-language-nodejs"
}

# ---- YAML language host (upstream github.com/pulumi/pulumi-yaml; see pulumi-language-yaml/main.go) -------
build_yaml_langhost() {
  local out; out=$(store_dir pulumi-language-yaml "v$PULUMI_YAML_VERSION" pulumi-language-yaml)
  # The host has no version flag; a stamp written after a successful build stands in for it.
  if [ -x "$out/pulumi-language-yaml" ] && [ "$(cat "$out/VERSION" 2>/dev/null)" = "$PULUMI_YAML_VERSION" ]; then
    log "pulumi-language-yaml $PULUMI_YAML_VERSION up to date"
  else
    local src; src=$(scratch pulumi-language-yaml)
    mkdir -p "$out"
    timed pulumi-language-yaml bash -c "cd '$src' && go build -p $JOBS -tags osusergo,grpcnotrace \
      -ldflags '-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$PULUMI_YAML_VERSION' \
      -o '$out/pulumi-language-yaml.tmp' . && \
      mv '$out/pulumi-language-yaml.tmp' '$out/pulumi-language-yaml'"
    echo "$PULUMI_YAML_VERSION" >"$out/VERSION"
  fi
  link_into_bin "$out/pulumi-language-yaml"
}

# ---- Kubernetes provider ---------------------------------------------------------------------------------
build_k8s_provider() {
  local out; out=$(store_dir pulumi-resource-kubernetes "$K8S_PROVIDER_VERSION" pulumi-resource-kubernetes)
  # The provider has no --version flag; a stamp written after a successful build stands in for it.
  if [ -x "$out/pulumi-resource-kubernetes" ] && [ "$(cat "$out/VERSION" 2>/dev/null)" = "$K8S_PROVIDER_VERSION" ]; then
    log "pulumi-resource-kubernetes $K8S_PROVIDER_VERSION up to date"
  else
    local src; src=$(scratch pulumi-resource-kubernetes)
    mkdir -p "$out"
    local mod="github.com/pulumi/pulumi-kubernetes/provider/v4"
    timed pulumi-resource-kubernetes bash -c "set -e; cd '$src'
      go mod download $mod
      moddir=\$(go list -m -f '{{.Dir}}' $mod)
      [ \"\$(go list -m -f '{{.Version}}' $mod)\" = '$K8S_PROVIDER_MODULE_VERSION' ] || { echo 'provider pin mismatch' >&2; exit 1; }
      go run -p $JOBS ./gen \"\$moddir/cmd/pulumi-resource-kubernetes\" . '$K8S_PROVIDER_VERSION'
      go build -p $JOBS -ldflags '-s -w -X $mod/pkg/version.Version=$K8S_PROVIDER_VERSION' \
        -o '$out/pulumi-resource-kubernetes.tmp' .
      mv '$out/pulumi-resource-kubernetes.tmp' '$out/pulumi-resource-kubernetes'"
    echo "$K8S_PROVIDER_VERSION" >"$out/VERSION"
  fi
  link_into_bin "$out/pulumi-resource-kubernetes"
}

# ---- kube-apiserver --------------------------------------------------------------------------------------
build_kube_apiserver() {
  local out; out=$(store_dir kube-apiserver "$KUBE_VERSION" kube-apiserver)
  if up_to_date "$out/kube-apiserver" "Kubernetes $KUBE_VERSION" --version; then
    log "kube-apiserver $KUBE_VERSION up to date"
  else
    local src; src=$(scratch kube-apiserver)
    mkdir -p "$out"
    local major minor ld="-s -w" p
    major=$(echo "${KUBE_VERSION#v}" | cut -d. -f1)
    minor=$(echo "${KUBE_VERSION#v}" | cut -d. -f2)
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
      ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=$KUBE_BUILD_DATE"
    done
    timed kube-apiserver bash -c "cd '$src' && go build -p $JOBS -tags selinux,notest,grpcnotrace -ldflags '$ld' \
      -o '$out/kube-apiserver.tmp' k8s.io/kubernetes/cmd/kube-apiserver && mv '$out/kube-apiserver.tmp' '$out/kube-apiserver'"
    up_to_date "$out/kube-apiserver" "Kubernetes $KUBE_VERSION" --version || die "kube-apiserver does not report $KUBE_VERSION"
  fi
  link_into_bin "$out/kube-apiserver"
}

# ---- etcd ------------------------------------------------------------------------------------------------
build_etcd() {
  local out; out=$(store_dir etcd "v$ETCD_VERSION" etcd)
  if up_to_date "$out/etcd" "etcd Version: $ETCD_VERSION" --version; then
    log "etcd $ETCD_VERSION up to date"
  else
    local src; src=$(scratch etcd)
    mkdir -p "$out"
    timed etcd bash -c "cd '$src' && go build -p $JOBS -ldflags '-s -w' -o '$out/etcd.tmp' go.etcd.io/etcd/server/v3 && \
      mv '$out/etcd.tmp' '$out/etcd'"
    up_to_date "$out/etcd" "etcd Version: $ETCD_VERSION" --version || die "etcd does not report $ETCD_VERSION"
  fi
  link_into_bin "$out/etcd"
}

build_etcd
build_kube_apiserver
build_pulumi
build_langhost
build_yaml_langhost
build_k8s_provider

# Dynamic providers (pulumi.dynamic.Resource) need this shim from @pulumi/pulumi next to the CLI.
SHIM="$REPO_DIR/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
if [ -f "$SHIM" ]; then
  cp -f "$SHIM" "$BIN_DIR/pulumi-resource-pulumi-nodejs" && chmod +x "$BIN_DIR/pulumi-resource-pulumi-nodejs"
fi

TOTAL=$(( $(date +%s) - TOTAL_START ))
{
  echo "engine build times (this run):"
  for t in "${TIMES[@]}"; do echo "  $t"; done
  [ ${#TIMES[@]} -gt 0 ] || echo "  (nothing to build)"
  echo "  total                        ${TOTAL}s"
  echo "cache: $CACHE ($(du -sh "$CACHE" 2>/dev/null | cut -f1))"
} | tee -a "$CACHE/build-times.log"
echo "$BIN_DIR"
