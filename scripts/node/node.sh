#!/usr/bin/env bash
# A real single-node Kubernetes cluster, offline, in a network namespace of its own:
#   etcd, kube-apiserver (Node+RBAC, the default admission plugins + NodeRestriction), kube-controller-manager,
#   kube-scheduler, kube-proxy (iptables), kubelet on containerd 2 with runc and gVisor (runsc, systrap),
#   kube-router (NetworkPolicy firewall only), CoreDNS (a pod, k8s-app=kube-dns), local-path-provisioner,
#   the CSI snapshot controller and CRDs.
#
#   scripts/node/node.sh up      start (idempotent); the host kubeconfig's path is the LAST line of stdout
#   scripts/node/node.sh down    stop everything and remove what `up` created, even after a failed `up`
#   scripts/node/node.sh status  exit 0 when the node is Ready
#   scripts/node/node.sh exec CMD...   run CMD inside the node's network namespace
#
# The namespace has no uplink: pods and node services can reach nothing off this machine. The host reaches
# the API server through a loopback port bridged over a unix socket (socat).
# Env: CLOISTER_NODE_DIR (state, default /var/lib/cloister-node), CLOISTER_NODE_NETNS (default cloister-node),
#      CLOISTER_NODE_BIN (binaries; default: scripts/node/build.sh --print-bin).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENGINE_DIR="$HERE/../engine"
DIR="${CLOISTER_NODE_DIR:-/var/lib/cloister-node}"
NETNS="${CLOISTER_NODE_NETNS:-cloister-node}"
NODE_NAME=cloister
NODE_IP=10.200.0.1        # on an empty bridge (this kernel has no dummy links)
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
TIMEOUT="${CLOISTER_NODE_TIMEOUT:-180}"

log() { echo "[node] $*" >&2; }
die() { echo "[node] ERROR: $*" >&2; exit 1; }
# nsenter, not `ip netns exec`: the kubelet and containerd must share the host's mount namespace.
in_ns() { nsenter --net="/run/netns/$NETNS" "$@"; }
pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

wait_for() { # seconds what command...
  local timeout=$1 what=$2 start; shift 2
  start=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    [ $(( $(date +%s) - start )) -lt "$timeout" ] || { log "timed out after ${timeout}s waiting for $what"; return 1; }
    sleep 0.5
  done
}

# daemon <name> <command...>: runs inside the namespace, logs to $DIR/logs/<name>.log, pid in $DIR/pids/.
daemon() {
  local name=$1; shift
  setsid nsenter --net="/run/netns/$NETNS" env PATH="$BIN:$PATH" "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/$name"
}

stop_daemon() {
  local f="$DIR/pids/$1" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do pid_alive "$pid" || break; sleep 0.25; done
    pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

kubectl_ns() { in_ns "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig/admin" "$@"; }

# ---- certificates and credentials ------------------------------------------------------------------------
make_pki() {
  local p="$DIR/pki"
  mkdir -p "$p"; chmod 700 "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=cloister-node-ca" \
    -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  cert() { # name subject san-ext
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$p/$1.key" -out "$p/$1.csr" 2>/dev/null
    printf '%s\n' "$3" >"$p/$1.ext"
    openssl x509 -req -in "$p/$1.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
      -extfile "$p/$1.ext" -out "$p/$1.crt" 2>/dev/null
  }
  cert apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:$NODE_IP,IP:$API_SERVICE_IP,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
  cert kubelet "/CN=$NODE_NAME" "subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth"
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
  chmod 600 "$p"/*.key

  # One static token per identity; the node services outside Kubernetes' own RBAC defaults are admins.
  : >"$p/tokens.csv"
  identity() { # kubeconfig-name user groups
    local t; t=$(openssl rand -hex 24)
    echo "$t,$2,$2,\"$3\"" >>"$p/tokens.csv"
    kubeconfig "$DIR/kubeconfig/$1" "https://$NODE_IP:6443" "$t"
  }
  mkdir -p "$DIR/kubeconfig"
  identity admin cloister-admin system:masters
  identity kubelet "system:node:$NODE_NAME" system:nodes
  identity controller-manager system:kube-controller-manager ""
  identity scheduler system:kube-scheduler ""
  identity proxy system:kube-proxy ""
  identity addons cloister:node-addons system:masters
  chmod 600 "$p/tokens.csv" "$DIR"/kubeconfig/*
}

kubeconfig() { # file server token
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cloister-node
  cluster:
    server: $2
    certificate-authority-data: $(base64 -w0 <"$DIR/pki/ca.crt")
users:
- name: user
  user:
    token: $3
contexts:
- name: cloister-node
  context: {cluster: cloister-node, user: user}
current-context: cloister-node
EOF
}

# ---- network namespace -----------------------------------------------------------------------------------
make_netns() {
  ip netns add "$NETNS"
  in_ns ip link set lo up
  in_ns ip link add node0 type bridge
  in_ns ip addr add "$NODE_IP/24" dev node0
  in_ns ip link set node0 up
  # No uplink: the only route is to the node's own bridges.
  in_ns ip route add default dev node0
  in_ns sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
  mkdir -p "$DIR/cni/net.d" "$DIR/cni/ipam"
  cat >"$DIR/cni/net.d/10-cloister.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "cloister",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$DIR/cni/ipam",
                "ranges": [[{ "subnet": "$NODE_POD_CIDR" }]], "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
}

# ---- containerd ------------------------------------------------------------------------------------------
containerd_config() {
  mkdir -p "$DIR/containerd" "$DIR/run/containerd"
  cat >"$DIR/containerd/runsc.toml" <<EOF
# gVisor's systrap platform: kvm hangs on this VM's paravirtual KVM, ptrace is slower.
[runsc_config]
  platform = "systrap"
EOF
  cat >"$DIR/containerd/config.toml" <<EOF
version = 3
root = "$DIR/containerd/root"
state = "$DIR/run/containerd/state"
[grpc]
  address = "$DIR/run/containerd/containerd.sock"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "registry.k8s.io/pause:3.10"
[plugins.'io.containerd.cri.v1.runtime']
  # Root here lacks CAP_SYS_RESOURCE: never try to lower a container's OOM score below the shim's.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$DIR/cni/net.d"
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc]
      runtime_type = "io.containerd.runsc.v1"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc.options]
        TypeUrl = "io.containerd.runsc.v1.options"
        ConfigPath = "$DIR/containerd/runsc.toml"
[plugins.'io.containerd.grpc.v1.cri']
  disable_tcp_service = true
EOF
}

import_images() {
  local ref file digest ctr=("$BIN/ctr" --address "$DIR/run/containerd/containerd.sock" -n k8s.io)
  while read -r ref file; do
    in_ns "${ctr[@]}" images import --local "$BIN/images/$file" >/dev/null 2>"$DIR/logs/image-import.log" \
      || die "import of $ref failed"
    # A registry pull also records the image under its digest (name@sha256:…), which is how a pod that
    # pins tag and digest finds it; an import records the tag only.
    digest=$(in_ns "${ctr[@]}" images ls | awk -v r="$ref" '$1 == r { print $3 }')
    [[ $digest == sha256:* ]] || die "no digest for $ref after import"
    in_ns "${ctr[@]}" images tag "$ref" "${ref%:*}@$digest" >/dev/null || die "tagging $ref by digest failed"
  done <"$BIN/images/images.txt"
}

# ---- Kubernetes ------------------------------------------------------------------------------------------
kubelet_config() {
  mkdir -p "$DIR/kubelet"
  cat >"$DIR/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $DIR/pki/ca.crt }
authorization: { mode: Webhook }
tlsCertFile: $DIR/pki/kubelet.crt
tlsPrivateKeyFile: $DIR/pki/kubelet.key
# This VM runs cgroup v1 (hybrid); kubelet 1.36 refuses it unless told otherwise.
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$DIR/run/containerd/containerd.sock
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: cluster.local
resolvConf: ""
readOnlyPort: 0
serializeImagePulls: false
maxPods: 110
# A shared build machine's disk is often nearly full; evict only on real exhaustion.
evictionHard: { memory.available: "200Mi", nodefs.available: "2%", imagefs.available: "2%", nodefs.inodesFree: "2%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
EOF
}

cluster_addons() {
  # CoreDNS as a pod, the way clusters run it, so the sandbox namespace's DNS policy (kube-dns pods in
  # kube-system) is what admits DNS traffic. No upstream: the node has no internet.
  kubectl_ns apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: { name: coredns, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "system:coredns" }
rules:
- { apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch] }
- { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "system:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns" }
subjects: [{ kind: ServiceAccount, name: coredns, namespace: kube-system }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: coredns, namespace: kube-system }
data:
  Corefile: |
    .:53 {
        errors
        health :8080
        ready :8181
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
        }
        cache 30
        loop
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: coredns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec:
  replicas: 1
  selector: { matchLabels: { k8s-app: kube-dns } }
  template:
    metadata: { labels: { k8s-app: kube-dns } }
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        seccompProfile: { type: RuntimeDefault }
        sysctls: [{ name: net.ipv4.ip_unprivileged_port_start, value: "0" }]
      containers:
      - name: coredns
        image: registry.k8s.io/coredns/coredns:$COREDNS_VERSION
        imagePullPolicy: Never
        args: [-conf, /etc/coredns/Corefile]
        ports:
        - { name: dns, containerPort: 53, protocol: UDP }
        - { name: dns-tcp, containerPort: 53, protocol: TCP }
        readinessProbe: { httpGet: { path: /ready, port: 8181 }, periodSeconds: 2 }
        resources: { requests: { cpu: 20m, memory: 32Mi }, limits: { memory: 128Mi } }
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
        volumeMounts: [{ name: config, mountPath: /etc/coredns }]
      volumes: [{ name: config, configMap: { name: coredns } }]
---
apiVersion: v1
kind: Service
metadata: { name: kube-dns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec:
  clusterIP: $DNS_SERVICE_IP
  selector: { k8s-app: kube-dns }
  ports:
  - { name: dns, port: 53, protocol: UDP }
  - { name: dns-tcp, port: 53, protocol: TCP }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: local-path-provisioner, namespace: kube-system }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: local-path-config, namespace: kube-system }
data:
  config.json: '{ "nodePathMap": [{ "node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": ["$DIR/volumes"] }] }'
  helperPod.yaml: |
    apiVersion: v1
    kind: Pod
    metadata: { name: helper-pod }
    spec:
      priorityClassName: system-node-critical
      tolerations: [{ operator: Exists }]
      containers:
      - { name: helper-pod, image: localhost/cloister/busybox:1, imagePullPolicy: Never }
  setup: |
    #!/bin/sh
    set -eu
    mkdir -m 0777 -p "\$VOL_DIR"
  teardown: |
    #!/bin/sh
    set -eu
    rm -rf "\$VOL_DIR"
EOF
  # The CSI snapshot CRDs, as managed clusters ship them (from the external-snapshotter module zip).
  kubectl_ns apply --server-side -f "$BIN/crds/snapshot" >/dev/null
}

node_ready() {
  kubectl_ns get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True
}

do_up() {
  [ "$(id -u)" = 0 ] || die "must run as root (network namespace, mounts, cgroups)"
  for t in ip iptables ipset socat openssl runc; do command -v "$t" >/dev/null || die "$t not found (see README: node prerequisites)"; done
  [ -x /usr/lib/cni/bridge ] || die "CNI plugins missing: apt-get install containernetworking-plugins"
  BIN="${CLOISTER_NODE_BIN:-$(bash "$HERE/build.sh" --print-bin)}"
  [ -f "$BIN/.complete" ] || die "node binaries missing in $BIN: run scripts/node/build.sh"
  ENGINE_BIN="$(bash "$ENGINE_DIR/build.sh" --print-bin)"
  [ -x "$ENGINE_BIN/kube-apiserver" ] && [ -x "$ENGINE_BIN/etcd" ] || die "engine binaries missing: run scripts/engine/build.sh"
  COREDNS_VERSION=$(sed -n 's/^COREDNS_VERSION="\(.*\)"/\1/p' "$HERE/build.sh")

  if [ -f "$DIR/host-kubeconfig" ] && ip netns list | grep -qw "$NETNS" && node_ready; then
    log "already up"
    echo "$DIR/host-kubeconfig"
    return 0
  fi
  do_down
  trap 'status=$?; if [ $status -ne 0 ]; then log "start failed; logs in $DIR/logs"; tail -n 15 "$DIR"/logs/*.log >&2 || true; do_down; fi' EXIT
  local started; started=$(date +%s)
  mkdir -p "$DIR/logs" "$DIR/pids" "$DIR/run" "$DIR/etcd"
  chmod 700 "$DIR/etcd"
  make_netns
  make_pki

  daemon etcd "$ENGINE_BIN/etcd" --name node --data-dir "$DIR/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster node=http://127.0.0.1:2380 --unsafe-no-fsync --log-level warn
  wait_for 60 etcd in_ns curl -sf http://127.0.0.1:2379/health

  local p="$DIR/pki"
  daemon kube-apiserver "$ENGINE_BIN/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
    --advertise-address "$NODE_IP" --secure-port 6443 \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" --client-ca-file "$p/ca.crt" \
    --kubelet-client-certificate "$p/apiserver-kubelet-client.crt" --kubelet-client-key "$p/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --token-auth-file "$p/tokens.csv" --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction --allow-privileged=true --profiling=false --v=1
  wait_for 90 kube-apiserver kubectl_ns get --raw /readyz

  daemon kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$DIR/kubeconfig/controller-manager" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
    --allocate-node-cidrs --cluster-cidr "$POD_CIDR" --node-cidr-mask-size 24 --service-cluster-ip-range "$SERVICE_CIDR" \
    --root-ca-file "$p/ca.crt" --service-account-private-key-file "$p/sa.key" \
    --cluster-signing-cert-file "$p/ca.crt" --cluster-signing-key-file "$p/ca.key" --profiling=false
  daemon kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$DIR/kubeconfig/scheduler" \
    --bind-address 127.0.0.1 --leader-elect=false --profiling=false

  containerd_config
  daemon containerd "$BIN/containerd" --config "$DIR/containerd/config.toml"
  wait_for 60 containerd in_ns "$BIN/ctr" --address "$DIR/run/containerd/containerd.sock" version
  import_images

  kubelet_config
  daemon kubelet "$BIN/kubelet" --config "$DIR/kubelet/config.yaml" --kubeconfig "$DIR/kubeconfig/kubelet" \
    --root-dir "$DIR/kubelet/root" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
    --node-labels "cloister.dev/pool=gvisor,cloister.dev/isolation=gvisor" \
    --register-with-taints "cloister.dev/isolation=gvisor:PreferNoSchedule"

  cat >"$DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
clientConnection: { kubeconfig: $DIR/kubeconfig/proxy }
conntrack: { maxPerCore: 0 }
EOF
  daemon kube-proxy "$BIN/kube-proxy" --config "$DIR/kube-proxy.yaml"
  wait_for "$TIMEOUT" "node Ready" node_ready
  # kube-router finds its node object at start, so it starts once the kubelet has registered it.
  daemon kube-router "$BIN/kube-router" --kubeconfig "$DIR/kubeconfig/addons" --hostname-override "$NODE_NAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false --enable-ipv6=false \
    --metrics-port 0

  mkdir -p "$DIR/volumes"
  cluster_addons
  daemon local-path-provisioner "$BIN/local-path-provisioner" --debug start --kubeconfig "$DIR/kubeconfig/addons" \
    --namespace kube-system --service-account-name local-path-provisioner --provisioner-name rancher.io/local-path \
    --configmap-name local-path-config --helper-image localhost/cloister/busybox:1
  daemon snapshot-controller "$BIN/snapshot-controller" --kubeconfig "$DIR/kubeconfig/addons" --leader-election=false
  kubectl_ns -n kube-system rollout status deployment/coredns --timeout="${TIMEOUT}s" >/dev/null

  # The host's way in: 127.0.0.1:<port> → unix socket → the API server inside the namespace.
  daemon api-bridge-ns socat "UNIX-LISTEN:$DIR/run/apiserver.sock,fork,mode=600" "TCP:$NODE_IP:6443"
  wait_for 10 "API bridge socket" test -S "$DIR/run/apiserver.sock"
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  setsid socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$DIR/run/apiserver.sock" \
    >"$DIR/logs/api-bridge-host.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/api-bridge-host"
  local admin_token; admin_token=$(sed -n 's/^ *token: //p' "$DIR/kubeconfig/admin")
  kubeconfig "$DIR/host-kubeconfig" "https://127.0.0.1:$port" "$admin_token"
  chmod 600 "$DIR/host-kubeconfig"
  wait_for 20 "API server through the host bridge" "$BIN/kubectl" --kubeconfig "$DIR/host-kubeconfig" get --raw /readyz

  for d in "$DIR"/pids/*; do
    pid_alive "$(cat "$d")" || die "$(basename "$d") exited; see $DIR/logs/$(basename "$d").log"
  done
  trap - EXIT
  log "node Ready in $(( $(date +%s) - started ))s; kubectl: $BIN/kubectl --kubeconfig $DIR/host-kubeconfig"
  echo "$DIR/host-kubeconfig"
}

do_down() {
  [ -d "$DIR" ] || { ip netns list 2>/dev/null | grep -qw "$NETNS" && ip netns del "$NETNS"; return 0; }
  local any=""
  [ -d "$DIR/pids" ] && [ -n "$(ls -A "$DIR/pids" 2>/dev/null)" ] && any=1
  for d in api-bridge-host api-bridge-ns snapshot-controller local-path-provisioner kube-router kube-proxy kubelet; do
    stop_daemon "$d"
  done
  # Pods outlive the kubelet: stop their shims (runc and gVisor) and every process left in the namespace.
  if ip netns list 2>/dev/null | grep -qw "$NETNS"; then
    local pids; pids=$(ip netns pids "$NETNS" 2>/dev/null || true)
    pkill -TERM -f "containerd-shim-run(c|sc)-v[12] .*-address $DIR/run/containerd" 2>/dev/null || true
    for d in containerd kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_daemon "$d"; done
    pids=$(ip netns pids "$NETNS" 2>/dev/null || true)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    ip netns del "$NETNS" 2>/dev/null || true
  else
    for d in containerd kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_daemon "$d"; done
  fi
  pkill -KILL -f "containerd-shim-run(c|sc)-v[12] .*-address $DIR/run/containerd" 2>/dev/null || true
  # Unmount what the kubelet and containerd mounted below the state dir (deepest first), or removal fails.
  local m
  for _ in 1 2 3; do
    m=$(awk -v d="$DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r)
    [ -n "$m" ] || break
    for mp in $m; do umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true; done
  done
  # Pod cgroups the kubelet created (cgroup v1: one tree per controller).
  for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice /sys/fs/cgroup/kubepods; do
    [ -d "$root" ] && find "$root" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf "$DIR"
  [ -z "$any" ] || log "stopped and removed $DIR"
}

case "${1:-}" in
  up) do_up ;;
  down) do_down ;;
  status) BIN="${CLOISTER_NODE_BIN:-$(bash "$HERE/build.sh" --print-bin)}"; node_ready ;;
  exec) shift; in_ns "$@" ;;
  *) die "usage: node.sh up|down|status|exec CMD..." ;;
esac
