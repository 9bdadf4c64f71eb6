// gVisor where the cloud has no managed gVisor: one install script for every cloud. EKS runs it from
// user data at boot (nodeadm registers the handler); on AKS a privileged DaemonSet on the gVisor pools
// runs it on the host, registers the handler with containerd and then lifts the pools' startup taint,
// so no sandbox lands on a node before runsc is there.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LABEL_ACCELERATOR, LABEL_POOL } from "../spec/defaults";
import { TaintSpec } from "../spec/types";
import { GvisorInstallerFacts, PoolFacts } from "./facts";

/** The taint gVisor nodes carry until the installer is done. */
export const GVISOR_STARTUP_TAINT: Required<TaintSpec> = { key: "cloister.dev/runtime-pending", value: "gvisor", effect: "NoSchedule" };
/** kubectl (with bash and jq) from the Kubernetes project's registry: the installer's image. */
export const GVISOR_INSTALLER_IMAGE = "registry.k8s.io/kubectl:v1.35.0";
const INSTALLER_NAME = "cloister-gvisor-installer";
const RUNSC_CONFIG = "/etc/containerd/runsc.toml";

/**
 * Installs runsc and its shim from a dated gVisor release, each checked against the release's SHA-512
 * file, unless that release is already installed; GPU nodes (`options.gpu`, or `true` as the first
 * argument) also turn on nvproxy. Paths are under `$ROOT` (empty on a node); `GVISOR_URL` points at a
 * mirror of the release bucket. With `register`, it also adds the runsc runtime to containerd's config —
 * under the plugin ID the config's schema uses (version 3 is containerd 2's) — and restarts containerd
 * when it changed anything. Idempotent: a second run changes nothing.
 */
export function gvisorInstallScript(release: string, options: { gpu: boolean; register: boolean }): string {
    const registration = [
        'config="$ROOT/etc/containerd/config.toml"',
        "if ! grep -q 'runtimes\\.runsc\\]' \"$config\"; then",
        "  if grep -Eq '^[[:space:]]*version[[:space:]]*=[[:space:]]*[3-9]' \"$config\"; then plugin=\"'io.containerd.cri.v1.runtime'\"; else plugin='\"io.containerd.grpc.v1.cri\"'; fi",
        "  {",
        "    printf '\\n# Added by Cloister: the gVisor runtime\\n[plugins.%s.containerd.runtimes.runsc]\\n  runtime_type = \"io.containerd.runsc.v1\"\\n' \"$plugin\"",
        `    if [[ $gpu == true ]]; then printf '[plugins.%s.containerd.runtimes.runsc.options]\\n  ConfigPath = "${RUNSC_CONFIG}"\\n' "$plugin"; fi`,
        '  } >>"$config"',
        "  systemctl restart containerd",
        "fi",
    ];
    return [
        "#!/bin/bash",
        "set -euo pipefail",
        `release=${release}`,
        `gpu="\${1:-${options.gpu}}"`,
        'ROOT="${ROOT:-}"',
        'if [[ $("$ROOT/usr/local/bin/runsc" --version 2>/dev/null || true) != *"release-$release"* ]]; then',
        '  url="${GVISOR_URL:-https://storage.googleapis.com/gvisor/releases/release}/$release/$(uname -m)"',
        '  work=$(mktemp -d)',
        '  for f in runsc containerd-shim-runsc-v1; do',
        '    curl -fsSL --retry 5 -o "$work/$f" "$url/$f"',
        '    curl -fsSL --retry 5 -o "$work/$f.sha512" "$url/$f.sha512"',
        '    (cd "$work" && sha512sum -c "$f.sha512")',
        "  done",
        '  mkdir -p "$ROOT/usr/local/bin"',
        '  install -m 0755 "$work/runsc" "$work/containerd-shim-runsc-v1" "$ROOT/usr/local/bin/"',
        '  rm -rf "$work"',
        "fi",
        `if [[ $gpu == true ]]; then mkdir -p "$ROOT/etc/containerd" && printf '[runsc_config]\\n  nvproxy = "true"\\n' >"$ROOT${RUNSC_CONFIG}"; fi`,
        ...(options.register ? registration : []),
        "",
    ].join("\n");
}

/** The installer pod's loop: run the script on the host, lift the startup taint, look again in 5 minutes (reimaged nodes). */
export function installerLoop(taint: TaintSpec): string {
    const spec = `${taint.key}:${taint.effect}`;
    return [
        "set -euo pipefail",
        "while true; do",
        `  gpu=$(kubectl get node "$NODE_NAME" -o jsonpath='{.metadata.labels.${LABEL_ACCELERATOR.replace(/\./g, "\\.")}}')`,
        '  chroot /host /bin/bash -s -- "$([[ -n $gpu ]] && echo true || echo false)" </cloister/install-runsc.sh',
        `  if kubectl get node "$NODE_NAME" -o json | jq -e '.spec.taints // [] | any(.key == "${taint.key}")' >/dev/null; then`,
        `    kubectl taint node "$NODE_NAME" ${spec}-`,
        "  fi",
        "  sleep 300",
        "done",
    ].join("\n");
}

/**
 * The installer on the gVisor pools: privileged, host root mounted (it writes runsc and containerd's
 * config, and restarts containerd), allowed only to read nodes and lift its node's taint. It tolerates
 * every taint of those pools, the startup taint included.
 */
export function createGvisorInstaller(name: string, facts: GvisorInstallerFacts, pools: PoolFacts[], opts: pulumi.CustomResourceOptions): k8s.apps.v1.DaemonSet {
    const namespace = "kube-system";
    const labels = { "app.kubernetes.io/name": INSTALLER_NAME, "app.kubernetes.io/part-of": "cloister" };
    const account = new k8s.core.v1.ServiceAccount(`${name}-gvisor-installer`, { metadata: { name: INSTALLER_NAME, namespace, labels } }, opts);
    const role = new k8s.rbac.v1.ClusterRole(
        `${name}-gvisor-installer`,
        { metadata: { name: INSTALLER_NAME, labels }, rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }] },
        opts,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-gvisor-installer`,
        {
            metadata: { name: INSTALLER_NAME, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
        },
        opts,
    );
    const script = new k8s.core.v1.ConfigMap(
        `${name}-gvisor-installer`,
        { metadata: { name: INSTALLER_NAME, namespace, labels }, data: { "install-runsc.sh": gvisorInstallScript(facts.release, { gpu: false, register: true }) } },
        opts,
    );
    return new k8s.apps.v1.DaemonSet(`${name}-gvisor-installer`, gvisorInstallerArgs(facts, pools, namespace, labels, account.metadata.name, script.metadata.name), opts);
}

export function gvisorInstallerArgs(
    facts: GvisorInstallerFacts,
    pools: PoolFacts[],
    namespace: string,
    labels: Record<string, string>,
    serviceAccountName: pulumi.Input<string>,
    configMapName: pulumi.Input<string>,
): k8s.apps.v1.DaemonSetArgs {
    return {
        metadata: { name: INSTALLER_NAME, namespace, labels },
        spec: {
            selector: { matchLabels: labels },
            updateStrategy: { type: "RollingUpdate" },
            template: {
                metadata: { labels },
                spec: {
                    serviceAccountName,
                    // The host's PID 1 in /proc: systemctl, run in the chroot, then sees the host's root and
                    // restarts containerd instead of refusing to act "in a chroot".
                    hostPID: true,
                    priorityClassName: "system-node-critical",
                    affinity: {
                        nodeAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: {
                                nodeSelectorTerms: [{ matchExpressions: [{ key: LABEL_POOL, operator: "In", values: pools.map((p) => p.name) }] }],
                            },
                        },
                    },
                    tolerations: [{ operator: "Exists" }],
                    containers: [
                        {
                            name: "install",
                            image: GVISOR_INSTALLER_IMAGE,
                            command: ["/bin/bash", "-c", installerLoop(facts.startupTaint)],
                            env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                            securityContext: { privileged: true, runAsUser: 0 },
                            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "256Mi" } },
                            volumeMounts: [
                                { name: "host", mountPath: "/host" },
                                { name: "script", mountPath: "/cloister", readOnly: true },
                            ],
                        },
                    ],
                    volumes: [
                        { name: "host", hostPath: { path: "/", type: "Directory" } },
                        { name: "script", configMap: { name: configMapName, defaultMode: 0o555 } },
                    ],
                },
            },
        },
    };
}
