// ClusterFacts: the seam between a cloud layer (or a declared existing cluster) and the in-cluster
// layer. It says what the cluster offers and how the control plane gets cloud identity; nothing in it
// names a cloud. The Kubernetes provider travels in the resource options, not here, because provider
// objects do not cross Pulumi's language boundary.
import * as pulumi from "@pulumi/pulumi";
import type { CapacityFacts } from "../spec/capacity";
import { DEFAULT_RUNTIME_HANDLER, ResolvedPool, ResolvedSpec, sharedPoolLabels } from "../spec/defaults";
import { Isolation, TaintSpec } from "../spec/types";

export interface PoolFacts {
    name: string;
    isolation: Isolation;
    /** Labels every node of the pool carries. */
    labels: { [key: string]: string };
    /** Taints every node of the pool carries. */
    taints: TaintSpec[];
    /** GPU model label value; set on GPU pools only. */
    acceleratorType?: string;
    /** GPUs per node; 0 for pools without GPUs. */
    acceleratorCount: number;
}

export interface RuntimeClassFacts {
    isolation: Isolation;
    /** The RuntimeClass sandboxes of this isolation name. */
    name: string;
    /** containerd runtime handler. */
    handler: string;
    /** The cloud or the cluster's owner already created this class; Cloister uses it and creates none. */
    provided: boolean;
    /** Pod overhead of the runtime, charged to each sandbox. */
    overheadCpu?: string;
    overheadMemory?: string;
    /** Node labels the class selects (the labels all pools of this isolation share). */
    nodeSelector: { [key: string]: string };
    /** Taints of those pools, tolerated by the class. */
    tolerations: TaintSpec[];
}

export interface StorageFacts {
    /** CSI provisioner for sandbox volumes. */
    provisioner: string;
    parameters: { [key: string]: pulumi.Input<string> };
    /** CSI driver that takes VolumeSnapshots. */
    snapshotDriver: string;
    snapshotParameters: { [key: string]: string };
}

/** Where Cloister installs gVisor on running nodes (no managed gVisor, no boot hook). */
export interface GvisorInstallerFacts {
    /** Dated gVisor release (`yyyymmdd.n`). */
    release: string;
    /** Taint the gVisor pools' nodes start with; the installer lifts it once runsc is registered. */
    startupTaint: TaintSpec;
}

export interface ClusterFacts {
    pools: PoolFacts[];
    runtimeClasses: RuntimeClassFacts[];
    /** Install kata-deploy (published Helm chart) onto the kata pools. */
    installKataDeploy: boolean;
    /** Install gVisor on the gVisor pools with a privileged DaemonSet. Default - none (the nodes have it) */
    gvisorInstaller?: GvisorInstallerFacts;
    /** Install NVIDIA's device plugin (published Helm chart) onto the GPU pools (clouds that do not run one). */
    installNvidiaDevicePlugin: boolean;
    storage: StorageFacts;
    /** Where snapshots are stored (`gs://…`, `s3://…`), if the platform has a bucket. */
    snapshotBucketUrl?: pulumi.Input<string>;
    /** Annotations that give the controller's ServiceAccount its cloud identity. */
    controllerServiceAccountAnnotations: { [key: string]: pulumi.Input<string> };
    /** Pod labels the cloud's identity webhook needs on the controller. */
    controllerPodLabels: { [key: string]: string };
    /** Cluster-internal ranges (nodes, pods, services, control plane) that sandboxes must not reach. */
    privateCidrs: pulumi.Input<string>[];
    /** Where the API server's endpoints live; the control plane's egress goes there. Empty - any address, on 443/6443 only */
    apiServerCidrs: pulumi.Input<string>[];
}

/** Metadata and identity endpoints of every cloud, blocked for sandboxes whatever the target. */
export const METADATA_CIDRS_V4 = ["169.254.0.0/16", "168.63.129.16/32"];
export const METADATA_CIDRS_V6 = ["fd00:ec2::254/128", "fd20:ce::254/128"];
/** Private ranges no sandbox reaches: RFC 1918 and carrier-grade NAT (often used for pod ranges). */
export const PRIVATE_CIDRS_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];
export const PRIVATE_CIDRS_V6 = ["fc00::/7", "fe80::/10"];

export function poolFacts(pool: ResolvedPool): PoolFacts {
    return {
        name: pool.name,
        isolation: pool.isolation,
        labels: pool.nodeLabels,
        taints: pool.taints,
        acceleratorType: pool.gpu?.acceleratorType,
        acceleratorCount: pool.gpu?.acceleratorCount ?? 0,
    };
}

/**
 * A RuntimeClass per isolation the pools provide, selecting the labels all those pools share and
 * tolerating their isolation taints (GPU taints stay with GPU templates).
 * @internal
 */
export function runtimeClassFor(
    platform: string,
    isolation: Isolation,
    pools: ResolvedPool[],
    handler: string,
    overhead: { cpu?: string; memory?: string },
): RuntimeClassFacts {
    const same = pools.filter((p) => p.isolation === isolation);
    const tolerations = new Map<string, TaintSpec>();
    for (const taint of same.flatMap((p) => p.taints)) {
        if (taint.key === "nvidia.com/gpu") continue;
        tolerations.set(`${taint.key}=${taint.value}:${taint.effect}`, taint);
    }
    return {
        isolation,
        name: `${platform}-${isolation}`,
        handler,
        provided: false,
        overheadCpu: overhead.cpu,
        overheadMemory: overhead.memory,
        nodeSelector: sharedPoolLabels(same),
        tolerations: [...tolerations.values()],
    };
}

/** Runtime overhead where Cloister installs the runtime (kata-deploy's QEMU figures; gVisor's Sentry). */
export const RUNTIME_OVERHEAD: Record<Isolation, { cpu: string; memory: string }> = {
    gvisor: { cpu: "100m", memory: "128Mi" },
    kata: { cpu: "250m", memory: "320Mi" },
};

/** An existing cluster's machines are not declared: only the quota and LimitRange checks apply there. @internal */
export const existingClusterCapacityFacts: CapacityFacts = { allocatable: () => undefined, overhead: RUNTIME_OVERHEAD };

/** Facts for target `kubernetes`: everything comes from what the user declared about the cluster. */
export function existingClusterFacts(spec: ResolvedSpec): ClusterFacts {
    const isolations = [...new Set(spec.pools.map((p) => p.isolation))];
    return {
        pools: spec.pools.map(poolFacts),
        runtimeClasses: isolations.map((isolation) => {
            const same = spec.pools.filter((p) => p.isolation === isolation);
            const existing = same.find((p) => p.existingRuntimeClass)?.existingRuntimeClass;
            const handler = same[0]?.runtimeHandler ?? DEFAULT_RUNTIME_HANDLER[isolation];
            const facts = runtimeClassFor(spec.name, isolation, same, handler, RUNTIME_OVERHEAD[isolation]);
            return existing ? { ...facts, name: existing, provided: true } : facts;
        }),
        installKataDeploy: false,
        installNvidiaDevicePlugin: false,
        storage: {
            provisioner: spec.cluster.storageProvisioner ?? "",
            parameters: spec.cluster.storageParameters,
            snapshotDriver: spec.cluster.snapshotDriver ?? spec.cluster.storageProvisioner ?? "",
            snapshotParameters: {},
        },
        snapshotBucketUrl: spec.cluster.snapshotBucketUrl,
        controllerServiceAccountAnnotations: spec.cluster.controllerServiceAccountAnnotations,
        controllerPodLabels: {},
        privateCidrs: [spec.network.vpcCidr, spec.network.podCidr, spec.network.serviceCidr, ...spec.cluster.apiServerCidrs],
        apiServerCidrs: spec.cluster.apiServerCidrs,
    };
}
