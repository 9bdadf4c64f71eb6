#!/usr/bin/env bash
# A kubelet-less Kubernetes API server for tests: etcd + kube-apiserver on free 127.0.0.1 ports.
#
#   scripts/engine/cluster.sh start <dir>   fresh etcd data in <dir>, writes <dir>/kubeconfig, waits for /readyz
#   scripts/engine/cluster.sh stop <dir>    stops what start started (safe to call twice)
#   scripts/engine/cluster.sh status <dir>  exit 0 if running and ready
#
# Binaries come from build.sh's bin dir (CLOISTER_ENGINE_BIN overrides). Needs openssl, curl and jq.
# <dir> gets: etcd/ (data), certs/, sa.key, sa.pub, tokens.csv, kubeconfig, token, *.log, *.pid, ports.
#
# No controllers run, so (see the reference doc, section 7):
#  - --enable-garbage-collector=false: the apiserver adds no foregroundDeletion/orphan finalizers, so deletes
#    with the provider's default Foreground propagation finish at once instead of waiting for a GC.
#  - namespaces keep their "kubernetes" finalizer forever without the namespace controller; a small loop
#    (ns-finalizer, below) deletes what is left in a terminating namespace and then finalizes it, so
#    `pulumi destroy` of a Namespace completes.
#  - --disable-admission-plugins=ServiceAccount: no token controller / default ServiceAccount needed.
set -euo pipefail

ENGINE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
READY_TIMEOUT="${CLOISTER_CLUSTER_TIMEOUT:-90}"

die() { echo "[cluster] ERROR: $*" >&2; exit 1; }
log() { echo "[cluster] $*" >&2; }

usage() { die "usage: cluster.sh start|stop|status <dir>"; }
[ $# -eq 2 ] || usage
CMD=$1
DIR=$2

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

stop_pidfile() {
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.2; done
    pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

do_stop() {
  [ -d "$DIR" ] || return 0
  local any=""
  for f in ns-finalizer kube-apiserver etcd; do # reverse start order
    [ -f "$DIR/$f.pid" ] && any=1
    stop_pidfile "$DIR/$f.pid"
  done
  [ -z "$any" ] || log "stopped ($DIR)"
}

is_ready() {
  [ -f "$DIR/ports" ] && [ -f "$DIR/token" ] || return 1
  # shellcheck disable=SC1091
  . "$DIR/ports"
  curl -ksf --max-time 5 -H "Authorization: Bearer $(cat "$DIR/token")" \
    "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1
}

# A free TCP port on 127.0.0.1 (the kernel picks it; a tiny race remains until the server binds it).
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
  elif command -v node >/dev/null 2>&1; then
    node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
  else
    local p
    while :; do
      p=$((20000 + RANDOM % 40000))
      ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
    done
  fi
}

wait_for() { # timeout command...
  local timeout=$1 start; shift
  start=$(date +%s)
  until "$@"; do
    if [ $(( $(date +%s) - start )) -ge "$timeout" ]; then
      return 1
    fi
    sleep 0.5
  done
}

# Finalizes terminating namespaces (stand-in for kube-controller-manager's namespace controller).
ns_finalizer_loop() {
  local server=$CLOISTER_NS_SERVER
  local auth=(-H "Authorization: Bearer $CLOISTER_NS_TOKEN")
  while :; do
    local names
    names=$(curl -ksf --max-time 10 "${auth[@]}" "$server/api/v1/namespaces" |
      jq -r '.items[] | select(.metadata.deletionTimestamp != null) | .metadata.name' 2>/dev/null || true)
    for ns in $names; do
      # Delete whatever is still in the namespace: every namespaced resource that supports
      # deletecollection, found with aggregated discovery (one request each for /api and /apis).
      local paths
      paths=$(
        for root in api apis; do
          curl -ksf --max-time 10 "${auth[@]}" \
            -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' "$server/$root" |
            jq -r --arg root "$root" '.items[] | (.metadata.name // "") as $g | .versions[0] | .version as $v
              | .resources[] | select(.scope == "Namespaced" and ((.verbs // []) | index("deletecollection")))
              | "/\($root)/" + (if $g == "" then "" else $g + "/" end) + "\($v)/namespaces/NS/\(.resource)"'
        done 2>/dev/null || true
      )
      for p in $paths; do
        curl -ks --max-time 10 -o /dev/null "${auth[@]}" -X DELETE "$server${p//NS/$ns}" || true
      done
      curl -ks --max-time 10 -o /dev/null "${auth[@]}" -X PUT -H "Content-Type: application/json" \
        --data "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$ns\"},\"spec\":{\"finalizers\":[]}}" \
        "$server/api/v1/namespaces/$ns/finalize" || true
    done
    sleep 1
  done
}

do_start() {
  for t in openssl curl jq; do command -v "$t" >/dev/null 2>&1 || die "$t not found"; done
  local bin="${CLOISTER_ENGINE_BIN:-}"
  if [ -z "$bin" ]; then
    bin=$(bash "$ENGINE_DIR/build.sh" --print-bin)
  fi
  [ -x "$bin/etcd" ] && [ -x "$bin/kube-apiserver" ] || die "etcd/kube-apiserver not in $bin: run scripts/engine/build.sh"

  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  if is_ready && pid_alive "$(cat "$DIR/kube-apiserver.pid" 2>/dev/null)"; then
    log "already running: $DIR/kubeconfig"
    return 0
  fi
  do_stop
  # Whatever goes wrong from here on, leave nothing running behind.
  STARTED=""
  trap '[ -n "$STARTED" ] || do_stop' EXIT
  rm -rf "$DIR/etcd" "$DIR/certs"
  mkdir -p "$DIR/etcd" "$DIR/certs"
  chmod 700 "$DIR/etcd"

  local etcd_client etcd_peer api
  etcd_client=$(free_port)
  etcd_peer=$(free_port)
  api=$(free_port)
  while [ "$etcd_peer" = "$etcd_client" ]; do etcd_peer=$(free_port); done
  while [ "$api" = "$etcd_client" ] || [ "$api" = "$etcd_peer" ]; do api=$(free_port); done
  printf 'ETCD_CLIENT_PORT=%s\nETCD_PEER_PORT=%s\nAPISERVER_PORT=%s\n' "$etcd_client" "$etcd_peer" "$api" >"$DIR/ports"

  # --- etcd
  setsid "$bin/etcd" \
    --name cloister \
    --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_client" \
    --advertise-client-urls "http://127.0.0.1:$etcd_client" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "cloister=http://127.0.0.1:$etcd_peer" \
    --initial-cluster-state new \
    --unsafe-no-fsync \
    --log-level warn \
    >"$DIR/etcd.log" 2>&1 </dev/null &
  echo $! >"$DIR/etcd.pid"
  etcd_healthy() {
    pid_alive "$(cat "$DIR/etcd.pid")" || { tail -20 "$DIR/etcd.log" >&2; die "etcd exited"; }
    curl -sf --max-time 2 "http://127.0.0.1:$etcd_client/health" | grep -q '"health":"true"'
  }
  wait_for "$READY_TIMEOUT" etcd_healthy || { tail -20 "$DIR/etcd.log" >&2; do_stop; die "etcd not healthy after ${READY_TIMEOUT}s"; }

  # --- credentials
  openssl genrsa -out "$DIR/sa.key" 2048 2>/dev/null
  openssl rsa -in "$DIR/sa.key" -pubout -out "$DIR/sa.pub" 2>/dev/null
  local token
  token=$(openssl rand -hex 32)
  printf '%s' "$token" >"$DIR/token"
  printf '%s,cloister-admin,cloister-admin,"system:masters"\n' "$token" >"$DIR/tokens.csv"
  chmod 600 "$DIR/sa.key" "$DIR/token" "$DIR/tokens.csv"

  # --- kube-apiserver
  setsid "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_client" \
    --bind-address 127.0.0.1 \
    --advertise-address 127.0.0.1 \
    --secure-port "$api" \
    --cert-dir "$DIR/certs" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --service-account-issuer "https://127.0.0.1:$api" \
    --service-account-key-file "$DIR/sa.pub" \
    --service-account-signing-key-file "$DIR/sa.key" \
    --token-auth-file "$DIR/tokens.csv" \
    --authorization-mode RBAC \
    --disable-admission-plugins ServiceAccount \
    --enable-garbage-collector=false \
    --allow-privileged=true \
    --enable-priority-and-fairness=false \
    --profiling=false \
    --v=1 \
    >"$DIR/kube-apiserver.log" 2>&1 </dev/null &
  echo $! >"$DIR/kube-apiserver.pid"
  api_ready() {
    pid_alive "$(cat "$DIR/kube-apiserver.pid")" || { tail -30 "$DIR/kube-apiserver.log" >&2; die "kube-apiserver exited"; }
    is_ready
  }
  wait_for "$READY_TIMEOUT" api_ready ||
    { tail -30 "$DIR/kube-apiserver.log" >&2; do_stop; die "kube-apiserver not ready after ${READY_TIMEOUT}s"; }

  # --- kubeconfig (self-signed serving cert on loopback: skip verification)
  cat >"$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cloister-local
  cluster:
    server: https://127.0.0.1:$api
    insecure-skip-tls-verify: true
users:
- name: cloister-admin
  user:
    token: $token
contexts:
- name: cloister-local
  context:
    cluster: cloister-local
    user: cloister-admin
    namespace: default
current-context: cloister-local
EOF
  chmod 600 "$DIR/kubeconfig"

  # --- namespace finalizer
  ( CLOISTER_NS_SERVER="https://127.0.0.1:$api" CLOISTER_NS_TOKEN="$token" \
      exec -a cloister-ns-finalizer bash -c "$(declare -f ns_finalizer_loop); ns_finalizer_loop" ) \
    >"$DIR/ns-finalizer.log" 2>&1 </dev/null &
  echo $! >"$DIR/ns-finalizer.pid"

  STARTED=1
  log "ready: https://127.0.0.1:$api (etcd 127.0.0.1:$etcd_client); kubeconfig $DIR/kubeconfig"
}

case "$CMD" in
  start) do_start ;;
  stop) do_stop ;;
  status) is_ready ;;
  *) usage ;;
esac
