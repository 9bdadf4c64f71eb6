#!/usr/bin/env bash
# Builds Cloister's real single-node cluster from Go modules and Debian packages (no checkouts, no prebuilt
# downloads), next to the offline engine and sharing its module and build caches:
#   kubelet, kube-controller-manager, kube-scheduler, kube-proxy, kubectl (the engine's Kubernetes version)
#   containerd, ctr, containerd-shim-runc-v2; runsc and containerd-shim-runsc-v1 (gVisor, systrap)
#   agent-sandbox-controller and sandbox-router (the release Cloister deploys by default)
#   kube-router (NetworkPolicy firewall), coredns, local-path-provisioner, snapshot-controller
# and the images the node serves without a registry (scripts/node/images.sh).
#
# Usage: scripts/node/build.sh              build what is missing; the bin dir is the LAST line of stdout
#        scripts/node/build.sh --print-bin  print the bin dir only
#
# Cache: ${CLOISTER_ENGINE_CACHE:-$HOME/.cache/cloister-engine} (gomod/, gocache/ shared with the engine),
#   store/<tool>-<version>-<wrapper hash>/ one build, node-bin/<key>/ hard links to everything.
# Env: CLOISTER_ENGINE_JOBS (go build -p, default 2).
set -euo pipefail

NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$NODE_DIR/../.." && pwd)"
CACHE="${CLOISTER_ENGINE_CACHE:-$HOME/.cache/cloister-engine}"
JOBS="${CLOISTER_ENGINE_JOBS:-2}"

# ---- PINS (keep in sync with the wrapper go.mod files) -------------------------------------------------
KUBE_VERSION="v1.36.3"               # = the engine's kube-apiserver
KUBE_BUILD_DATE="2026-07-22T18:07:38Z"
CONTAINERD_VERSION="v2.4.2"
GVISOR_VERSION="v0.0.0-20260905035102-160fafc42237" # the proxy serves only pseudo-versions of gVisor's go branch
AGENT_SANDBOX_VERSION="v1.0.3"       # newest release whose module the proxy serves (see README)
KUBE_ROUTER_VERSION="v2.1.0"
COREDNS_VERSION="v1.15.0"
LOCAL_PATH_VERSION="v0.0.30"
SNAPSHOTTER_VERSION="v8.7.0"
export AGENT_SANDBOX_VERSION COREDNS_VERSION

WRAPPERS=(kubernetes containerd gvisor agent-sandbox kube-router coredns local-path-provisioner snapshot-controller)

log() { echo "[node-build] $*" >&2; }
die() { echo "[node-build] ERROR: $*" >&2; exit 1; }

wrapper_hash() {
  (cd "$NODE_DIR/$1" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) | LC_ALL=C sort |
    xargs sha256sum) | sha256sum | cut -c1-10
}
images_hash() {
  (cd "$NODE_DIR" && sha256sum images.sh pause.c runtime/* | sha256sum | cut -c1-10)
}
bin_key() {
  local h
  h=$( { for w in "${WRAPPERS[@]}"; do wrapper_hash "$w"; done; images_hash; sha256sum "$NODE_DIR/build.sh"; } |
    sha256sum | cut -c1-10)
  echo "kube-${KUBE_VERSION#v}_containerd-${CONTAINERD_VERSION#v}_agent-sandbox-${AGENT_SANDBOX_VERSION#v}_${h}"
}
BIN_DIR="$CACHE/node-bin/$(bin_key)"

if [ "${1:-}" = "--print-bin" ]; then echo "$BIN_DIR"; exit 0; fi
[ $# -eq 0 ] || die "unknown argument: $1 (usage: build.sh [--print-bin])"
if [ -f "$BIN_DIR/.complete" ]; then log "up to date: $BIN_DIR"; echo "$BIN_DIR"; exit 0; fi

command -v go >/dev/null 2>&1 || die "go not found on PATH (need Go >= 1.26)"
export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gocache"
export CGO_ENABLED=0 GOFLAGS="-mod=readonly -modcacherw -trimpath -buildvcs=false"
mkdir -p "$GOMODCACHE" "$GOCACHE" "$CACHE/store" "$CACHE/src" "$BIN_DIR"
TOTAL_START=$(date +%s)
declare -a TIMES=()

scratch() {
  local src="$CACHE/src/node-$1"
  rm -rf "$src"; mkdir -p "$src"; cp -R "$NODE_DIR/$1/." "$src/"
  echo "$src"
}

# build <tool> <wrapper> <version> <binaries...> -- <shell command run in a scratch copy, writing to $out>
build() {
  local tool=$1 wrapper=$2 version=$3; shift 3
  local bins=()
  while [ "$1" != "--" ]; do bins+=("$1"); shift; done; shift
  local out="$CACHE/store/$tool-$version-$(wrapper_hash "$wrapper")"
  local missing=""
  for b in "${bins[@]}"; do [ -x "$out/$b" ] || missing=1; done
  if [ -n "$missing" ]; then
    local src start; src=$(scratch "$wrapper"); start=$(date +%s)
    rm -rf "$out.tmp"; mkdir -p "$out.tmp"
    (cd "$src" && out="$out.tmp" bash -euo pipefail -c "$1") >&2 || die "build of $tool failed"
    rm -rf "$out"; mv "$out.tmp" "$out"
    TIMES+=("$(printf '%-24s %4ds' "$tool" $(( $(date +%s) - start )))")
    log "built $tool in $(( $(date +%s) - start ))s"
  else
    log "$tool $version up to date"
  fi
  for b in "${bins[@]}"; do ln -f "$out/$b" "$BIN_DIR/$b" 2>/dev/null || cp -f "$out/$b" "$BIN_DIR/$b"; done
}

build containerd containerd "$CONTAINERD_VERSION" containerd ctr containerd-shim-runc-v2 -- \
  "go build -p $JOBS -tags 'urfave_cli_no_docs osusergo netgo static_build no_devmapper no_zfs no_btrfs' \
     -ldflags '-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION' -o \"\$out/\" \
     github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/ctr \
     github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"

# gVisor. This VM's root lacks CAP_SYS_RESOURCE, and the stock shim dies when it cannot raise its own OOM
# score; the patch ignores EPERM there (containerd does the same). The build refuses a patch that no longer
# applies. `go build -overlay` refuses files under GOMODCACHE, so the module is copied and replaced.
build gvisor gvisor "$GVISOR_VERSION" runsc containerd-shim-runsc-v1 -- "
  go mod download gvisor.dev/gvisor
  cp -R \"\$(go list -m -f '{{.Dir}}' gvisor.dev/gvisor)\" gvisor-src && chmod -R u+w gvisor-src
  f=gvisor-src/pkg/shim/v1/manager.go
  grep -q 'sys.SetOOMScore(cmd.Process.Pid, oomScoreMax); err != nil {' \$f || { echo 'gVisor shim patch no longer applies' >&2; exit 1; }
  sed -i 's/sys.SetOOMScore(cmd.Process.Pid, oomScoreMax); err != nil {/sys.SetOOMScore(cmd.Process.Pid, oomScoreMax); err != nil \&\& !os.IsPermission(err) {/' \$f
  go mod edit -replace gvisor.dev/gvisor=./gvisor-src
  GOFLAGS='-mod=mod -modcacherw -trimpath -buildvcs=false' go build -p $JOBS -ldflags '-s -w' -o \"\$out/runsc\" gvisor.dev/gvisor/runsc
  GOFLAGS='-mod=mod -modcacherw -trimpath -buildvcs=false' go build -p $JOBS -ldflags '-s -w' -o \"\$out/containerd-shim-runsc-v1\" gvisor.dev/gvisor/shim"

build agent-sandbox agent-sandbox "$AGENT_SANDBOX_VERSION" agent-sandbox-controller sandbox-router -- "
  go build -p $JOBS -ldflags '-s -w' -o \"\$out/agent-sandbox-controller\" sigs.k8s.io/agent-sandbox/cmd/agent-sandbox-controller
  go build -p $JOBS -ldflags '-s -w' -o \"\$out/sandbox-router\" sigs.k8s.io/agent-sandbox/sandbox-router/cmd"

build kube-router kube-router "$KUBE_ROUTER_VERSION" kube-router -- \
  "go build -p $JOBS -ldflags '-s -w' -o \"\$out/kube-router\" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
build coredns coredns "$COREDNS_VERSION" coredns -- \
  "go build -p $JOBS -ldflags '-s -w' -o \"\$out/coredns\" github.com/coredns/coredns"
build local-path-provisioner local-path-provisioner "$LOCAL_PATH_VERSION" local-path-provisioner -- \
  "go build -p $JOBS -ldflags '-s -w' -o \"\$out/local-path-provisioner\" github.com/rancher/local-path-provisioner"
build snapshot-controller snapshot-controller "$SNAPSHOTTER_VERSION" snapshot-controller -- \
  "go build -p $JOBS -ldflags '-s -w' -o \"\$out/snapshot-controller\" github.com/kubernetes-csi/external-snapshotter/v8/cmd/snapshot-controller"

# Kubernetes: the same module graph as the engine's kube-apiserver, so its compiled packages are reused
# (built last, so a parallel engine build has finished compiling them).
major=$(echo "${KUBE_VERSION#v}" | cut -d. -f1); minor=$(echo "${KUBE_VERSION#v}" | cut -d. -f2)
KUBE_LD="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  KUBE_LD="$KUBE_LD -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
  KUBE_LD="$KUBE_LD -X $p.gitTreeState=clean -X $p.buildDate=$KUBE_BUILD_DATE"
done
build kubernetes kubernetes "$KUBE_VERSION" kubelet kube-controller-manager kube-scheduler kube-proxy kubectl -- \
  "go build -p $JOBS -tags selinux,notest,grpcnotrace -ldflags '$KUBE_LD' -o \"\$out/\" \
     k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
     k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl"

# Upstream files the tests and the node need, from the same module zips: the agent-sandbox CRDs and the
# runtime's sources, the CSI snapshot CRDs.
mkdir -p "$BIN_DIR/crds/agent-sandbox" "$BIN_DIR/crds/snapshot" "$BIN_DIR/runtime-src"
as_dir=$(cd "$NODE_DIR/agent-sandbox" && go list -m -f '{{.Dir}}' sigs.k8s.io/agent-sandbox)
snap_dir=$(cd "$NODE_DIR/snapshot-controller" && go list -m -f '{{.Dir}}' github.com/kubernetes-csi/external-snapshotter/client/v8)
cp -f "$as_dir"/k8s/crds/*.yaml "$BIN_DIR/crds/agent-sandbox/"
cp -f "$snap_dir"/config/crd/snapshot.storage.k8s.io_*.yaml "$BIN_DIR/crds/snapshot/"
cp -f "$as_dir"/examples/python-runtime-sandbox/main.py "$BIN_DIR/runtime-src/"
chmod -R u+w "$BIN_DIR/crds" "$BIN_DIR/runtime-src"

# Images (pause, controller, router, coredns, busybox helper, python runtime), cached by their inputs.
start=$(date +%s)
IMAGES_OUT="$CACHE/store/images-$(images_hash)-$AGENT_SANDBOX_VERSION-$(wrapper_hash agent-sandbox)-$(wrapper_hash coredns)"
if [ ! -f "$IMAGES_OUT/.complete" ]; then
  bash "$NODE_DIR/images.sh" "$BIN_DIR" "$IMAGES_OUT" >&2 || die "image build failed"
  touch "$IMAGES_OUT/.complete"
  TIMES+=("$(printf '%-24s %4ds' images $(( $(date +%s) - start )))")
fi
rm -rf "$BIN_DIR/images"; mkdir -p "$BIN_DIR/images"
for f in "$IMAGES_OUT"/*.tar; do ln -f "$f" "$BIN_DIR/images/" 2>/dev/null || cp -f "$f" "$BIN_DIR/images/"; done
cp -f "$IMAGES_OUT/images.txt" "$BIN_DIR/images/"

touch "$BIN_DIR/.complete"
TOTAL=$(( $(date +%s) - TOTAL_START ))
{
  echo "node build times (this run):"
  for t in "${TIMES[@]}"; do echo "  $t"; done
  [ ${#TIMES[@]} -gt 0 ] || echo "  (nothing to build)"
  echo "  total                    ${TOTAL}s"
} | tee -a "$CACHE/build-times.log" >&2
echo "$BIN_DIR"
