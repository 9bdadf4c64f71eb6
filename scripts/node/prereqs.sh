#!/usr/bin/env bash
# Installs the Debian packages the node and its image builds use, when missing (needs root and apt).
set -euo pipefail
PACKAGES=(containernetworking-plugins iptables ipset conntrack socat iproute2 util-linux runc
  umoci skopeo mmdebstrap busybox-static gcc libc6-dev openssl curl jq procps)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "[node-prereqs] installing: ${missing[*]}" >&2
apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
