#!/usr/bin/env bash
# Builds the node's images without a registry: a root filesystem per image, packed with umoci and saved
# by skopeo as a docker-archive under the name the manifests use (imported by node.sh with `ctr import`).
#   scripts/node/images.sh <node bin dir> <out dir>
# Debian packages: umoci, skopeo, mmdebstrap, busybox-static, gcc. Python wheels from PyPI.
set -euo pipefail

BIN=$1
OUT=$2
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${AGENT_SANDBOX_VERSION:?}" "${COREDNS_VERSION:?}"
for t in umoci skopeo mmdebstrap gcc; do command -v "$t" >/dev/null || { echo "images.sh: $t not found (apt-get install $t)" >&2; exit 1; }; done
[ -x /bin/busybox ] || { echo "images.sh: /bin/busybox not found (apt-get install busybox-static)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
: >"$OUT/images.txt"

# The minimal files a non-root static binary needs: passwd/group with nonroot 65532, /tmp, CA bundle.
base_rootfs() {
  local root=$1
  mkdir -p "$root/etc/ssl/certs" "$root/tmp"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
}

# pack <name:tag> <rootfs> <umoci config flags...>
pack() {
  local ref=$1 root=$2; shift 2
  local file; file="$(echo "$ref" | tr '/:' '__').tar"
  local oci="$WORK/oci-$file"
  umoci init --layout "$oci"
  umoci new --image "$oci:img"
  umoci unpack --image "$oci:img" "$WORK/bundle-$file" >/dev/null
  cp -a "$root/." "$WORK/bundle-$file/rootfs/"
  umoci repack --image "$oci:img" "$WORK/bundle-$file"
  umoci config --image "$oci:img" --os linux --architecture amd64 "$@"
  rm -f "$OUT/$file"
  skopeo copy --quiet "oci:$oci:img" "docker-archive:$OUT/$file:$ref"
  rm -rf "$WORK/bundle-$file" "$oci"
  echo "$ref $file" >>"$OUT/images.txt"
  echo "image $ref ($(du -h "$OUT/$file" | cut -f1))" >&2
}

# pause: containerd's sandbox image.
mkdir -p "$WORK/pause"
gcc -static -Os -o "$WORK/pause/pause" "$HERE/pause.c"
pack registry.k8s.io/pause:3.10 "$WORK/pause" --config.entrypoint /pause --config.user 65535:65535

# Static Go binaries on the minimal base, as upstream's distroless images.
static_image() { # ref binary entrypoint-path
  local root="$WORK/root-$2"
  base_rootfs "$root"
  cp "$BIN/$2" "$root/$3"
  pack "$1" "$root" --config.entrypoint "/$3" --config.user 65532:65532
}
static_image "registry.k8s.io/agent-sandbox/agent-sandbox-controller:$AGENT_SANDBOX_VERSION" agent-sandbox-controller agent-sandbox-controller
static_image "registry.k8s.io/agent-sandbox/sandbox-router-go:$AGENT_SANDBOX_VERSION" sandbox-router sandbox-router
static_image "registry.k8s.io/coredns/coredns:$COREDNS_VERSION" coredns coredns

# busybox: local-path-provisioner's helper pods (mkdir/rm of volume directories).
mkdir -p "$WORK/busybox/bin"
cp /bin/busybox "$WORK/busybox/bin/busybox"
for a in sh mkdir rm ls cat sleep; do ln -s busybox "$WORK/busybox/bin/$a"; done
pack localhost/cloister/busybox:1 "$WORK/busybox" --config.entrypoint /bin/sh --config.env PATH=/bin

# The sandbox runtime: upstream's python-runtime-sandbox (main.py from the module zip, the runtime API
# the SDK speaks on :8888) on a Debian python3 root filesystem, running as uid 1000.
PY="$WORK/python"
mmdebstrap --quiet --variant=essential --include=python3,ca-certificates bookworm "$PY" >&2
py_minor=$(ls "$PY/usr/lib" | sed -n 's/^python3\.\([0-9]*\)$/\1/p' | head -1)
pip install --quiet --no-cache-dir --disable-pip-version-check --no-compile --target "$PY/usr/local/lib/python3.$py_minor/dist-packages" \
  --platform manylinux2014_x86_64 --implementation cp --python-version "3.$py_minor" --only-binary=:all: \
  -r "$HERE/runtime/requirements.txt" >&2
mkdir -p "$PY/app"
cp "$BIN/runtime-src/main.py" "$PY/app/main.py"
chown -R 1000:1000 "$PY/app"
echo 'sandbox:x:1000:1000:sandbox:/app:/bin/sh' >>"$PY/etc/passwd"
echo 'sandbox:x:1000:' >>"$PY/etc/group"
rm -rf "$PY/var/cache/apt"/* "$PY/var/lib/apt/lists"/* "$PY/usr/share/doc" "$PY/usr/share/man"
pack "registry.k8s.io/agent-sandbox/python-runtime-sandbox:$AGENT_SANDBOX_VERSION" "$PY" \
  --config.entrypoint python3 --config.cmd=-m --config.cmd=uvicorn --config.cmd=main:app --config.cmd=--host \
  --config.cmd=0.0.0.0 --config.cmd=--port --config.cmd=8888 --config.workingdir /app --config.user 1000:1000 \
  --config.exposedports 8888/tcp
