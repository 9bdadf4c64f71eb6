// Node pools: the system pool (platform pods; GKE Sandbox requires one that is not sandboxed), GKE
// Sandbox pools for gvisor, Ubuntu pools with nested virtualization for kata, and GPU pools (gvisor only)
// with GKE-installed drivers. Every pool runs as the dedicated node account with the GKE metadata server,
// shielded VMs, autoscaling (min 0 allowed) and optional Spot capacity.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpMachineType, GCP_DEFAULT_MACHINE_TYPES, LABEL_ISOLATION, ResolvedPool, ResolvedSpec } from "../spec/defaults";
import { Isolation, TaintEffect, TaintSpec } from "../spec/types";
import { LABEL_PLATFORM } from "./bucket";
import { NODE_OAUTH_SCOPES } from "./cluster";
import { GCP_MACHINE_FAMILIES } from "../spec/cloudFacts";
import { machineFamily } from "./validate";

/** GKE labels and taints every GKE Sandbox node with this key (value "gvisor"). */
export const GKE_SANDBOX_KEY = "sandbox.gke.io/runtime";
export const SYSTEM_POOL_NAME = "system";

const GKE_EFFECT: Record<TaintEffect, string> = {
    NoSchedule: "NO_SCHEDULE",
    PreferNoSchedule: "PREFER_NO_SCHEDULE",
    NoExecute: "NO_EXECUTE",
};

/**
 * The taints Cloister puts on a pool's nodes. GKE taints gvisor nodes itself
 * (`sandbox.gke.io/runtime=gvisor:NoSchedule`), and its managed RuntimeClass tolerates only that, so
 * Cloister's isolation taint is left off gvisor pools; GPU pools keep their explicit `nvidia.com/gpu`
 * taint (GKE adds it only when another pool already exists).
 */
export function gkeNodeTaints(pool: ResolvedPool): Required<TaintSpec>[] {
    return pool.isolation === Isolation.Gvisor ? pool.taints.filter((t) => t.key !== LABEL_ISOLATION) : pool.taints;
}

/** What GKE adds to a pool's nodes on its own, as the runtime layer sees it. */
export function gkeAddedLabels(pool: ResolvedPool): Record<string, string> {
    return pool.isolation === Isolation.Gvisor ? { [GKE_SANDBOX_KEY]: "gvisor" } : {};
}
export function gkeAddedTaints(pool: ResolvedPool): Required<TaintSpec>[] {
    return pool.isolation === Isolation.Gvisor ? [{ key: GKE_SANDBOX_KEY, value: "gvisor", effect: TaintEffect.NoSchedule }] : [];
}

function common(spec: ResolvedSpec, serviceAccount: pulumi.Input<string>, machineType: string, diskSizeGb: number) {
    const family = machineFamily(machineType);
    return {
        machineType,
        diskSizeGb,
        // Fourth-generation families boot from Hyperdisk only.
        diskType: GCP_MACHINE_FAMILIES[family]?.disks.includes("pd-balanced") === false ? "hyperdisk-balanced" : "pd-balanced",
        serviceAccount,
        oauthScopes: NODE_OAUTH_SCOPES,
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        metadata: { "disable-legacy-endpoints": "true" },
        resourceLabels: { [LABEL_PLATFORM]: spec.name },
    };
}

const management = { autoRepair: true, autoUpgrade: true };
const upgradeSettings = { maxSurge: 1, maxUnavailable: 0 };

export function systemPoolArgs(
    spec: ResolvedSpec,
    project: pulumi.Input<string>,
    cluster: pulumi.Input<string>,
    serviceAccount: pulumi.Input<string>,
): gcp.container.NodePoolArgs {
    const pool = spec.systemPool;
    return {
        project,
        location: spec.region,
        cluster,
        name: SYSTEM_POOL_NAME,
        nodeLocations: pool.zones,
        initialNodeCount: 1,
        maxPodsPerNode: spec.network.maxPodsPerNode,
        // Totals across the region's zones, so the spec's numbers mean nodes, not nodes per zone.
        autoscaling: { totalMinNodeCount: pool.minNodes, totalMaxNodeCount: pool.maxNodes, locationPolicy: "BALANCED" },
        management,
        upgradeSettings,
        nodeConfig: {
            ...common(spec, serviceAccount, pool.machineType ?? GCP_DEFAULT_MACHINE_TYPES.system, pool.diskSizeGb),
            imageType: "COS_CONTAINERD",
            labels: { "cloister.dev/pool": SYSTEM_POOL_NAME },
        },
    };
}

export function sandboxPoolArgs(
    spec: ResolvedSpec,
    pool: ResolvedPool,
    project: pulumi.Input<string>,
    cluster: pulumi.Input<string>,
    serviceAccount: pulumi.Input<string>,
): gcp.container.NodePoolArgs {
    const machineType = gcpMachineType(pool)!;
    const gvisor = pool.isolation === Isolation.Gvisor;
    const nodeConfig: gcp.types.input.container.NodePoolNodeConfig = {
        ...common(spec, serviceAccount, machineType, pool.diskSizeGb),
        spot: pool.spot,
        labels: pool.nodeLabels,
        taints: gkeNodeTaints(pool).map((t) => ({ key: t.key, value: t.value, effect: GKE_EFFECT[t.effect] })),
    };
    if (gvisor) {
        // GKE Sandbox: needs Container-Optimized OS with containerd.
        nodeConfig.imageType = "COS_CONTAINERD";
        nodeConfig.sandboxConfig = { type: "GVISOR" };
    } else {
        // kata-deploy writes /opt/kata and containerd's config, which COS's read-only root refuses.
        nodeConfig.imageType = "UBUNTU_CONTAINERD";
        nodeConfig.advancedMachineFeatures = { enableNestedVirtualization: true, threadsPerCore: 2 };
    }
    if (pool.gpu) {
        nodeConfig.guestAccelerators = [
            {
                type: pool.gpu.acceleratorType,
                count: pool.gpu.acceleratorCount,
                // GKE installs the driver (and runs its device plugin); DEFAULT is the version GKE tests
                // with the node version, which keeps it inside gVisor's supported driver window.
                gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" },
            },
        ];
    }
    return {
        project,
        location: spec.region,
        cluster,
        name: pool.name,
        nodeLocations: pool.zones,
        initialNodeCount: pool.minNodes > 0 ? 1 : 0,
        maxPodsPerNode: spec.network.maxPodsPerNode,
        autoscaling: {
            totalMinNodeCount: pool.minNodes,
            totalMaxNodeCount: pool.maxNodes,
            // Spot capacity comes from wherever it is free.
            locationPolicy: pool.spot ? "ANY" : "BALANCED",
        },
        management,
        upgradeSettings,
        nodeConfig,
    };
}

export function createNodePools(
    name: string,
    spec: ResolvedSpec,
    project: pulumi.Input<string>,
    cluster: gcp.container.Cluster,
    serviceAccount: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): gcp.container.NodePool[] {
    // Pool names are fixed (GKE names, max 40 characters), so a replacement deletes the old pool first.
    const poolOpts = { ...opts, deleteBeforeReplace: true, ignoreChanges: ["initialNodeCount"] };
    const system = new gcp.container.NodePool(`${name}-pool-system`, systemPoolArgs(spec, project, cluster.name, serviceAccount), poolOpts);
    const pools = spec.pools.map(
        (pool) =>
            new gcp.container.NodePool(
                `${name}-pool-${pool.name}`,
                sandboxPoolArgs(spec, pool, project, cluster.name, serviceAccount),
                // Sandbox pools after the system pool: GKE adds the GPU taint only if a pool exists, and
                // GKE Sandbox requires a non-sandbox pool.
                { ...poolOpts, dependsOn: [system] },
            ),
    );
    return [system, ...pools];
}
