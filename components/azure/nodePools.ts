// AKS node pools: the system pool (mode System, inside the cluster resource) and one user pool per spec
// pool with Cloister's labels and NoSchedule taints, autoscaling to 0, spot where asked, SSH disabled and
// encryption at host (the subscription feature Cloister registers). Kata pools are AKS Pod Sandboxing
// (`KataVmIsolation` on Azure Linux); GPU pools get AKS's NVIDIA driver; gVisor pools start tainted
// until Cloister's installer has put runsc on the node.
import * as containerservice from "@pulumi/azure-native/containerservice";
import type * as types from "@pulumi/azure-native/types";
import * as pulumi from "@pulumi/pulumi";
import { AZURE_DEFAULT_SIZES, azureVmSize, ResolvedPool, ResolvedSpec } from "../spec/defaults";
import { Isolation, TaintSpec } from "../spec/types";
import { GVISOR_STARTUP_TAINT } from "../kubernetes/gvisorInstaller";
import { platformTags } from "./network";

export const SYSTEM_POOL_NAME = "system";

/** AKS writes taints as `key=value:Effect`. */
export const aksTaint = (t: Required<TaintSpec>) => `${t.key}=${t.value}:${t.effect}`;

/** No SSH, Trusted Launch, encryption at host; Secure Boot off where AKS installs the (unsigned) NVIDIA driver. */
const hardened = (gpu: boolean) =>
    ({ securityProfile: { sshAccess: "Disabled", enableSecureBoot: !gpu, enableVTPM: true }, enableEncryptionAtHost: true, osDiskType: "Managed" }) as const;

export function systemPoolProfile(spec: ResolvedSpec, subnetId: pulumi.Input<string>): types.input.containerservice.ManagedClusterAgentPoolProfileArgs {
    return {
        name: SYSTEM_POOL_NAME,
        mode: "System",
        osType: "Linux",
        osSKU: "AzureLinux",
        vmSize: spec.systemPool.machineType ?? AZURE_DEFAULT_SIZES.system,
        enableAutoScaling: true,
        minCount: Math.max(spec.systemPool.minNodes, 1),
        maxCount: spec.systemPool.maxNodes,
        count: Math.max(spec.systemPool.minNodes, 1),
        osDiskSizeGB: spec.systemPool.diskSizeGb,
        maxPods: spec.network.maxPodsPerNode,
        vnetSubnetID: subnetId,
        // Untainted, as on every cloud: the platform's own pods (controller, router) run here; sandbox
        // pools' taints keep everything else off them.
        nodeLabels: { "cloister.dev/pool": SYSTEM_POOL_NAME },
        ...hardened(false),
    };
}

export function userPoolArgs(
    spec: ResolvedSpec,
    pool: ResolvedPool,
    resourceGroupName: pulumi.Input<string>,
    clusterName: pulumi.Input<string>,
    subnetId: pulumi.Input<string>,
): containerservice.AgentPoolArgs {
    const kata = pool.isolation === Isolation.Kata;
    return {
        resourceGroupName,
        resourceName: clusterName,
        agentPoolName: pool.name,
        mode: "User",
        osType: "Linux",
        // Pod Sandboxing runs on Azure Linux only; gVisor pools use it too, so every pool is the same OS.
        osSKU: "AzureLinux",
        workloadRuntime: kata ? "KataVmIsolation" : "OCIContainer",
        vmSize: azureVmSize(pool)!,
        enableAutoScaling: true,
        minCount: pool.minNodes,
        maxCount: pool.maxNodes,
        count: pool.minNodes,
        osDiskSizeGB: pool.diskSizeGb,
        maxPods: spec.network.maxPodsPerNode,
        vnetSubnetID: subnetId,
        availabilityZones: pool.zones,
        nodeLabels: pool.nodeLabels,
        // gVisor nodes also start with the installer's taint, which it lifts once runsc is registered.
        nodeTaints: [...pool.taints, ...(pool.isolation === Isolation.Gvisor ? [GVISOR_STARTUP_TAINT] : [])].map(aksTaint),
        scaleSetPriority: pool.spot ? "Spot" : "Regular",
        scaleSetEvictionPolicy: pool.spot ? "Delete" : undefined,
        spotMaxPrice: pool.spot ? -1 : undefined,
        gpuProfile: pool.gpu ? { driver: "Install" } : undefined,
        tags: platformTags(spec),
        ...hardened(pool.gpu !== undefined),
    };
}

export function createUserPools(
    name: string,
    spec: ResolvedSpec,
    resourceGroupName: pulumi.Input<string>,
    clusterName: pulumi.Input<string>,
    subnetId: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): containerservice.AgentPool[] {
    // Pools do not wait for each other: AKS creates them side by side.
    return spec.pools.map(
        (pool) => new containerservice.AgentPool(`${name}-pool-${pool.name}`, userPoolArgs(spec, pool, resourceGroupName, clusterName, subnetId), { ...opts, ignoreChanges: ["count"] }),
    );
}
