// RuntimeClasses Cloister creates, and the kata-deploy chart that provides the kata handler on clouds
// without a managed VM runtime.
import * as k8s from "@pulumi/kubernetes";
import { LABEL_ISOLATION, LABEL_POOL, ResolvedPool } from "../spec/defaults";
import { Isolation, TaintSpec } from "../spec/types";
import { PoolFacts, RuntimeClassFacts, runtimeClassFor, RUNTIME_OVERHEAD } from "./facts";

/** kata-deploy release Cloister pins (OCI chart published by the Kata Containers project). */
export const KATA_DEPLOY_CHART = "oci://ghcr.io/kata-containers/kata-deploy-charts/kata-deploy";
export const KATA_DEPLOY_VERSION = "4.1.0";
/** The handler kata-deploy 4.x registers for its default shim. */
export const KATA_DEPLOY_HANDLER = "kata-qemu-runtime-rs";
/** The shim behind that handler: the only one Cloister installs. */
export const KATA_DEPLOY_SHIM = "qemu-runtime-rs";
/** The chart's other shims (Kata 4.1), each turned off so nodes get no runtime Cloister does not use. */
export const KATA_DEPLOY_OTHER_SHIMS = [
    "clh",
    "clh-azure",
    "fc",
    "dragonball",
    "qemu",
    "qemu-nvidia-gpu",
    "qemu-nvidia-gpu-runtime-rs",
    "qemu-snp",
    "qemu-tdx",
    "openvmm-azure-runtime-rs",
];
/**
 * kata-deploy labels a node once its runtime is installed. The kata RuntimeClass selects it, so no kata
 * pod lands on a node before the runtime is there.
 */
export const KATA_READY_LABEL = "katacontainers.io/kata-runtime";

/** The kata class on clouds where kata-deploy installs the runtime: it also selects kata-deploy's ready label. */
export function kataDeployRuntimeClass(platform: string, pools: ResolvedPool[]): RuntimeClassFacts {
    const kata = runtimeClassFor(platform, Isolation.Kata, pools, KATA_DEPLOY_HANDLER, RUNTIME_OVERHEAD.kata);
    return { ...kata, nodeSelector: { ...kata.nodeSelector, [KATA_READY_LABEL]: "true" } };
}

export const toleration = (t: TaintSpec) => ({
    key: t.key,
    operator: "Equal",
    value: t.value ?? "",
    effect: t.effect,
});

export function runtimeClassArgs(rc: RuntimeClassFacts): k8s.node.v1.RuntimeClassArgs {
    const overhead: Record<string, string> = {};
    if (rc.overheadCpu) overhead.cpu = rc.overheadCpu;
    if (rc.overheadMemory) overhead.memory = rc.overheadMemory;
    return {
        metadata: { name: rc.name, labels: { "app.kubernetes.io/managed-by": "cloister", [LABEL_ISOLATION]: rc.isolation } },
        handler: rc.handler,
        overhead: Object.keys(overhead).length ? { podFixed: overhead } : undefined,
        scheduling: {
            nodeSelector: rc.nodeSelector,
            tolerations: rc.tolerations.map(toleration),
        },
    };
}

/**
 * kata-deploy runs privileged on the kata pools only, registers the QEMU shim with containerd, and
 * leaves RuntimeClasses to Cloister, whose class carries the pools' scheduling.
 */
export function kataDeployArgs(kata: RuntimeClassFacts): k8s.helm.v4.ChartArgs {
    return {
        chart: KATA_DEPLOY_CHART,
        version: KATA_DEPLOY_VERSION,
        namespace: "kube-system",
        values: {
            // The installer must run before the ready label exists.
            nodeSelector: Object.fromEntries(Object.entries(kata.nodeSelector).filter(([k]) => k !== KATA_READY_LABEL)),
            tolerations: kata.tolerations.map(toleration),
            runtimeClasses: { enabled: false },
            defaultShim: { amd64: KATA_DEPLOY_SHIM },
            shims: Object.fromEntries([
                [KATA_DEPLOY_SHIM, { enabled: true }],
                ...KATA_DEPLOY_OTHER_SHIMS.map((shim) => [shim, { enabled: false }]),
            ]),
        },
    };
}

/** NVIDIA's device plugin chart (published Helm repository), for clouds whose GPU nodes lack one. */
export const NVIDIA_DEVICE_PLUGIN_REPO = "https://nvidia.github.io/k8s-device-plugin";
export const NVIDIA_DEVICE_PLUGIN_VERSION = "0.17.1";

/**
 * The device plugin runs (under runc) on the GPU pools only and advertises `nvidia.com/gpu`; it tolerates
 * the pools' taints, which keep everything else off those nodes.
 */
export function nvidiaDevicePluginArgs(gpuPools: PoolFacts[]): k8s.helm.v4.ChartArgs {
    const taints = [...new Map(gpuPools.flatMap((p) => p.taints).map((t) => [`${t.key}:${t.effect}`, t])).values()];
    return {
        chart: "nvidia-device-plugin",
        version: NVIDIA_DEVICE_PLUGIN_VERSION,
        repositoryOpts: { repo: NVIDIA_DEVICE_PLUGIN_REPO },
        namespace: "kube-system",
        values: {
            affinity: {
                nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                        nodeSelectorTerms: [{ matchExpressions: [{ key: LABEL_POOL, operator: "In", values: gpuPools.map((p) => p.name) }] }],
                    },
                },
            },
            tolerations: taints.map(toleration),
        },
    };
}
