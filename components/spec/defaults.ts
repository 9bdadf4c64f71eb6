// Defaults for every optional spec field, and `resolveSpec`, which fills them in. Each layer reads the
// resolved spec, so a default is decided once, here.
import {
    AwsSpec,
    AzureSpec,
    ControlPlaneSpec,
    DataProtection,
    EgressMode,
    ExistingClusterSpec,
    GcpSpec,
    GpuPoolSpec,
    Isolation,
    NetworkSpec,
    PlatformSpec,
    ReclaimPolicy,
    RouterAuth,
    SandboxNamespaceSpec,
    SandboxPoolSpec,
    SandboxTemplateSpec,
    SnapshotBucketSpec,
    StorageSpec,
    StorageTier,
    SystemPoolSpec,
    TaintEffect,
    TaintSpec,
    Target,
} from "./types";

/**
 * The agent-sandbox release Cloister pins: the newest one its CI builds and runs on a real node (the Go
 * module proxy serves v1.0.3 but not v1.0.4–v1.0.10). v1beta1 APIs only.
 */
export const AGENT_SANDBOX_VERSION = "v1.0.3";
/** Port of the agent-sandbox runtime API (upstream's python-runtime-sandbox); SDKs default to it. */
export const SANDBOX_RUNTIME_PORT = 8888;
export const LABEL_POOL = "cloister.dev/pool";
export const LABEL_ISOLATION = "cloister.dev/isolation";
export const LABEL_ACCELERATOR = "cloister.dev/accelerator";
export const LABEL_TEMPLATE = "cloister.dev/template";
export const TAINT_GPU = "nvidia.com/gpu";

export const defaultCrdSource = (version: string) =>
    `https://raw.githubusercontent.com/kubernetes-sigs/agent-sandbox/${version}/k8s/crds`;

/** The containerd handler a self-installed runtime registers (gVisor's `runsc`, kata-deploy's QEMU shim). */
export const DEFAULT_RUNTIME_HANDLER: Record<Isolation, string> = {
    gvisor: "runsc",
    kata: "kata-qemu",
};

export interface ResolvedPool {
    name: string;
    isolation: Isolation;
    machineType?: string;
    minNodes: number;
    maxNodes: number;
    spot: boolean;
    diskSizeGb: number;
    zones?: string[];
    nodeLabels: Record<string, string>;
    taints: Required<TaintSpec>[];
    runtimeHandler: string;
    existingRuntimeClass?: string;
    /** Set on GPU pools only. */
    gpu?: { acceleratorType: string; acceleratorCount: number };
}

/** Quantities a person may write as numbers (`cpu: 2`) are strings once resolved. */
type Quantities<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };
export type ResolvedTemplate = Quantities<Required<SandboxTemplateSpec>, "cpu" | "memory" | "ephemeralStorage">;

export interface ResolvedSpec {
    target: PlatformSpec["target"];
    name: string;
    region?: string;
    kubernetesVersion?: string;
    network: Required<Omit<NetworkSpec, "authorizedNetworks">> & { authorizedNetworks: string[] };
    systemPool: Required<Omit<SystemPoolSpec, "machineType" | "zones">> & Pick<SystemPoolSpec, "machineType" | "zones">;
    /** Sandbox pools followed by GPU pools, in declaration order. */
    pools: ResolvedPool[];
    storage: Required<Omit<StorageSpec, "snapshotCrdSource">> & Pick<StorageSpec, "snapshotCrdSource">;
    snapshotBucket: Required<Omit<SnapshotBucketSpec, "kmsKeyId">> & Pick<SnapshotBucketSpec, "kmsKeyId">;
    controlPlane: Required<ControlPlaneSpec>;
    sandboxNamespace: Quantities<Required<SandboxNamespaceSpec>, "cpuQuota" | "memoryQuota" | "ephemeralStorageQuota">;
    templates: ResolvedTemplate[];
    dataProtection: DataProtection;
    cluster: Required<Omit<ExistingClusterSpec, "storageProvisioner" | "snapshotBucketUrl" | "snapshotDriver">> &
        Pick<ExistingClusterSpec, "storageProvisioner" | "snapshotBucketUrl" | "snapshotDriver">;
    gcp: GcpSpec & {
        releaseChannel: string;
        masterCidr: string;
        podSnapshots: boolean;
        softDeleteDays: number;
        enableApis: boolean;
        subnetFlowLogs: boolean;
        binaryAuthorization: string;
    };
    aws: Required<Omit<AwsSpec, "existingVpcId" | "existingPrivateSubnetIds" | "secretsKmsKeyArn">> &
        Pick<AwsSpec, "existingVpcId" | "existingPrivateSubnetIds" | "secretsKmsKeyArn">;
    azure: Required<AzureSpec>;
}

/** @internal */
export function defaultPoolLabels(name: string, isolation: Isolation): Record<string, string> {
    return { [LABEL_POOL]: name, [LABEL_ISOLATION]: isolation };
}

/** @internal */
export function defaultPoolTaints(isolation: Isolation, gpu: boolean): Required<TaintSpec>[] {
    const taints: Required<TaintSpec>[] = [{ key: LABEL_ISOLATION, value: isolation, effect: TaintEffect.NoSchedule }];
    if (gpu) taints.push({ key: TAINT_GPU, value: "present", effect: TaintEffect.NoSchedule });
    return taints;
}

/**
 * Cloud targets label and taint the nodes they create: Cloister's labels and taints always, the user's
 * on top. An existing cluster's pools are declared as they are: declared labels and taints replace the
 * defaults.
 */
function resolvePool(pool: SandboxPoolSpec, target: Target, gpu?: GpuPoolSpec): ResolvedPool {
    const declared = target === Target.Kubernetes;
    const defaultLabels = defaultPoolLabels(pool.name, pool.isolation);
    if (gpu) defaultLabels[LABEL_ACCELERATOR] = gpu.acceleratorType;
    const userTaints = pool.taints?.map((t) => ({ key: t.key, value: t.value ?? "", effect: t.effect }));
    const defaultTaints = defaultPoolTaints(pool.isolation, gpu !== undefined);
    return {
        name: pool.name,
        isolation: pool.isolation,
        machineType: pool.machineType,
        minNodes: pool.minNodes ?? 0,
        maxNodes: pool.maxNodes ?? 3,
        spot: pool.spot ?? false,
        diskSizeGb: pool.diskSizeGb ?? 100,
        zones: pool.zones,
        nodeLabels: declared && pool.nodeLabels ? { ...pool.nodeLabels } : { ...defaultLabels, ...(pool.nodeLabels ?? {}) },
        taints: declared && userTaints ? userTaints : dedupeTaints([...defaultTaints, ...(userTaints ?? [])]),
        runtimeHandler: pool.runtimeHandler ?? DEFAULT_RUNTIME_HANDLER[pool.isolation] ?? "",
        existingRuntimeClass: pool.existingRuntimeClass,
        gpu: gpu ? { acceleratorType: gpu.acceleratorType, acceleratorCount: gpu.acceleratorCount ?? 1 } : undefined,
    };
}

function dedupeTaints(taints: Required<TaintSpec>[]): Required<TaintSpec>[] {
    return [...new Map(taints.map((t) => [`${t.key}:${t.effect}`, t])).values()];
}

/** One RuntimeClass serves all pools of an isolation, so it selects the labels those pools share. @internal */
export function sharedPoolLabels(pools: { nodeLabels: Record<string, string> }[]): Record<string, string> {
    const [first, ...rest] = pools;
    if (!first) return {};
    return Object.fromEntries(
        Object.entries(first.nodeLabels).filter(([k, v]) => rest.every((p) => p.nodeLabels[k] === v)),
    );
}

/** Fills in every default. Assumes the shape checks of `validateSpec` passed. */
export function resolveSpec(spec: PlatformSpec): ResolvedSpec {
    const controlVersion = spec.controlPlane?.version ?? AGENT_SANDBOX_VERSION;
    return {
        target: spec.target,
        name: spec.name,
        region: spec.region,
        kubernetesVersion: spec.kubernetesVersion,
        network: {
            vpcCidr: spec.network?.vpcCidr ?? "10.0.0.0/16",
            podCidr: spec.network?.podCidr ?? "10.8.0.0/14",
            serviceCidr: spec.network?.serviceCidr ?? "10.4.0.0/19",
            privateEndpoint: spec.network?.privateEndpoint ?? true,
            authorizedNetworks: spec.network?.authorizedNetworks ?? [],
            maxPodsPerNode: spec.network?.maxPodsPerNode ?? 110,
        },
        systemPool: {
            machineType: spec.systemPool?.machineType,
            minNodes: spec.systemPool?.minNodes ?? 1,
            maxNodes: spec.systemPool?.maxNodes ?? 3,
            diskSizeGb: spec.systemPool?.diskSizeGb ?? 100,
            zones: spec.systemPool?.zones,
        },
        pools: [
            ...(spec.sandboxPools ?? []).map((p) => resolvePool(p, spec.target)),
            ...(spec.gpuPools ?? []).map((p) => resolvePool(p, spec.target, p)),
        ],
        storage: {
            tier: spec.storage?.tier ?? StorageTier.Standard,
            reclaimPolicy: spec.storage?.reclaimPolicy ?? ReclaimPolicy.Delete,
            allowVolumeExpansion: spec.storage?.allowVolumeExpansion ?? true,
            snapshotClass: spec.storage?.snapshotClass ?? true,
            snapshotCrdSource: spec.storage?.snapshotCrdSource,
        },
        snapshotBucket: {
            retentionDays: spec.snapshotBucket?.retentionDays ?? 30,
            versioning: spec.snapshotBucket?.versioning ?? true,
            kmsKeyId: spec.snapshotBucket?.kmsKeyId,
        },
        controlPlane: {
            version: controlVersion,
            replicas: spec.controlPlane?.replicas ?? 2,
            imageRegistry: spec.controlPlane?.imageRegistry ?? "registry.k8s.io",
            controllerImageDigest: spec.controlPlane?.controllerImageDigest ?? "",
            routerImageDigest: spec.controlPlane?.routerImageDigest ?? "",
            crdSource: spec.controlPlane?.crdSource ?? defaultCrdSource(controlVersion),
            namespace: spec.controlPlane?.namespace ?? "agent-sandbox-system",
            routerReplicas: spec.controlPlane?.routerReplicas ?? 2,
            routerAuth: spec.controlPlane?.routerAuth ?? RouterAuth.TokenReview,
            routerTokenAudience: spec.controlPlane?.routerTokenAudience ?? "sandbox-router",
            monitoringNamespace: spec.controlPlane?.monitoringNamespace ?? "",
            awaitReadiness: spec.controlPlane?.awaitReadiness ?? true,
        },
        sandboxNamespace: {
            name: spec.sandboxNamespace?.name ?? "sandboxes",
            cpuQuota: String(spec.sandboxNamespace?.cpuQuota ?? "64"),
            memoryQuota: String(spec.sandboxNamespace?.memoryQuota ?? "256Gi"),
            podQuota: spec.sandboxNamespace?.podQuota ?? 200,
            gpuQuota: spec.sandboxNamespace?.gpuQuota ?? 8,
            ephemeralStorageQuota: String(spec.sandboxNamespace?.ephemeralStorageQuota ?? "400Gi"),
        },
        templates: (spec.templates ?? []).map((t) => ({
            name: t.name,
            image: t.image,
            isolation: t.isolation,
            cpu: String(t.cpu ?? "1"),
            memory: String(t.memory ?? "2Gi"),
            gpu: t.gpu ?? 0,
            volumeSizeGb: t.volumeSizeGb ?? 10,
            warmPoolSize: t.warmPoolSize ?? 0,
            egress: t.egress ?? EgressMode.Internet,
            command: t.command ?? [],
            args: t.args ?? [],
            env: t.env ?? {},
            port: t.port ?? SANDBOX_RUNTIME_PORT,
            ephemeralStorage: String(t.ephemeralStorage ?? "2Gi"),
        })),
        dataProtection: spec.dataProtection ?? DataProtection.Retain,
        cluster: {
            storageProvisioner: spec.cluster?.storageProvisioner,
            storageParameters: spec.cluster?.storageParameters ?? {},
            snapshotDriver: spec.cluster?.snapshotDriver,
            controllerServiceAccountAnnotations: spec.cluster?.controllerServiceAccountAnnotations ?? {},
            snapshotBucketUrl: spec.cluster?.snapshotBucketUrl,
            apiServerCidrs: spec.cluster?.apiServerCidrs ?? [],
        },
        gcp: {
            ...spec.gcp,
            releaseChannel: spec.gcp?.releaseChannel ?? "REGULAR",
            masterCidr: spec.gcp?.masterCidr ?? "172.16.0.0/28",
            podSnapshots: spec.gcp?.podSnapshots ?? false,
            softDeleteDays: spec.gcp?.softDeleteDays ?? 7,
            enableApis: spec.gcp?.enableApis ?? true,
            subnetFlowLogs: spec.gcp?.subnetFlowLogs ?? true,
            binaryAuthorization: spec.gcp?.binaryAuthorization ?? "PROJECT_SINGLETON_POLICY_ENFORCE",
        },
        aws: {
            ...spec.aws,
            accountId: spec.aws?.accountId ?? "",
            availabilityZones: spec.aws?.availabilityZones ?? (spec.target === Target.Aws && spec.region ? [`${spec.region}a`, `${spec.region}b`] : []),
            natGatewayPerAz: spec.aws?.natGatewayPerAz ?? false,
            adminRoleArns: spec.aws?.adminRoleArns ?? [],
            gvisorRelease: spec.aws?.gvisorRelease ?? GVISOR_RELEASE,
            addonVersions: spec.aws?.addonVersions ?? {},
        },
        azure: {
            subscriptionId: spec.azure?.subscriptionId ?? "",
            resourceGroupName: spec.azure?.resourceGroupName ?? "",
            existingSubnetId: spec.azure?.existingSubnetId ?? "",
            keyVaultKeyId: spec.azure?.keyVaultKeyId ?? "",
            keyVaultResourceId: spec.azure?.keyVaultResourceId ?? "",
            adminGroupObjectIds: spec.azure?.adminGroupObjectIds ?? [],
            upgradeChannel: spec.azure?.upgradeChannel ?? "stable",
            nodeOsUpgradeChannel: spec.azure?.nodeOsUpgradeChannel ?? "NodeImage",
            storageAccountName: spec.azure?.storageAccountName ?? "",
            gvisorRelease: spec.azure?.gvisorRelease ?? GVISOR_RELEASE,
        },
    };
}

/**
 * Options for data-bearing resources (buckets, keys, sandbox volumes): kept on delete and replace, and
 * protected, unless the stack declares data-protection mode `destroy`.
 * @internal
 */
export function dataOptions(spec: { dataProtection: DataProtection }): { protect: boolean; retainOnDelete: boolean } {
    const keep = spec.dataProtection !== DataProtection.Destroy;
    return { protect: keep, retainOnDelete: keep };
}

/** The gVisor release Cloister installs where the cloud has no managed gVisor (a dated release, never `latest`). */
export const GVISOR_RELEASE = "20260921.0";

/** EC2 instance types used where the spec leaves `machineType` empty. @internal */
export const AWS_DEFAULT_INSTANCE_TYPES = {
    system: "m7i.large",
    gvisor: "m7i.2xlarge",
    /** Kata needs VMs inside the instance: an 8th-generation Intel type with nested virtualization. */
    kata: "c8i.2xlarge",
} as const;

/** EC2 instance type per accelerator and GPUs per node, for GPU pools without a `machineType`. @internal */
export const AWS_GPU_INSTANCE_TYPES: Record<string, Record<number, string>> = {
    "nvidia-l4": { 1: "g6.xlarge", 4: "g6.12xlarge", 8: "g6.48xlarge" },
    "nvidia-a10g": { 1: "g5.xlarge", 4: "g5.12xlarge", 8: "g5.48xlarge" },
    "nvidia-t4": { 1: "g4dn.xlarge", 4: "g4dn.12xlarge", 8: "g4dn.metal" },
    "nvidia-a100": { 8: "p4d.24xlarge" },
    "nvidia-h100": { 8: "p5.48xlarge" },
};

/** The instance type an EKS pool gets: the spec's, else the default for its isolation or GPU model. @internal */
export function awsInstanceType(pool: ResolvedPool): string | undefined {
    if (pool.machineType) return pool.machineType;
    if (pool.gpu) return AWS_GPU_INSTANCE_TYPES[pool.gpu.acceleratorType]?.[pool.gpu.acceleratorCount];
    return AWS_DEFAULT_INSTANCE_TYPES[pool.isolation];
}

/** Azure VM sizes used where the spec leaves `machineType` empty. @internal */
export const AZURE_DEFAULT_SIZES = {
    system: "Standard_D4s_v5",
    gvisor: "Standard_D8s_v5",
    /** Pod Sandboxing needs nested virtualization: Dsv5 has it. */
    kata: "Standard_D8s_v5",
} as const;

/** Azure VM size per accelerator and GPUs per node, for GPU pools without a `machineType`. @internal */
export const AZURE_GPU_SIZE_DEFAULTS: Record<string, Record<number, string>> = {
    "nvidia-t4": { 1: "Standard_NC8as_T4_v3", 4: "Standard_NC64as_T4_v3" },
    "nvidia-a100": { 1: "Standard_NC24ads_A100_v4", 2: "Standard_NC48ads_A100_v4", 4: "Standard_NC96ads_A100_v4" },
    "nvidia-h100": { 1: "Standard_NC40ads_H100_v5", 2: "Standard_NC80adis_H100_v5" },
};

/** The VM size an AKS pool gets: the spec's, else the default for its isolation or GPU model. @internal */
export function azureVmSize(pool: ResolvedPool): string | undefined {
    if (pool.machineType) return pool.machineType;
    if (pool.gpu) return AZURE_GPU_SIZE_DEFAULTS[pool.gpu.acceleratorType]?.[pool.gpu.acceleratorCount];
    return AZURE_DEFAULT_SIZES[pool.isolation];
}

/** GKE machine types used where the spec leaves `machineType` empty. @internal */
export const GCP_DEFAULT_MACHINE_TYPES = {
    /** Platform pods only (controller, DNS, CSI, kata-deploy's operator pieces): a small general-purpose VM. */
    system: "e2-standard-4",
    /** GKE Sandbox nodes: N2 (Intel), also supported by Pod Snapshots (E2 is not). */
    gvisor: "n2-standard-8",
    /** Kata nodes need nested virtualization: an Intel family (N2). */
    kata: "n2-standard-8",
} as const;

/**
 * GKE machine type per accelerator and GPUs per node, for GPU pools without a `machineType`. Accelerator
 * models outside this table need an explicit `machineType`.
 * @internal
 */
export const GCP_GPU_MACHINE_TYPES: Record<string, Record<number, string>> = {
    "nvidia-l4": { 1: "g2-standard-8", 2: "g2-standard-24", 4: "g2-standard-48", 8: "g2-standard-96" },
    "nvidia-tesla-t4": { 1: "n1-standard-8", 2: "n1-standard-16", 4: "n1-standard-32" },
    "nvidia-tesla-a100": { 1: "a2-highgpu-1g", 2: "a2-highgpu-2g", 4: "a2-highgpu-4g", 8: "a2-highgpu-8g" },
    "nvidia-a100-80gb": { 1: "a2-ultragpu-1g", 2: "a2-ultragpu-2g", 4: "a2-ultragpu-4g", 8: "a2-ultragpu-8g" },
    "nvidia-h100-80gb": { 1: "a3-highgpu-1g", 2: "a3-highgpu-2g", 4: "a3-highgpu-4g", 8: "a3-highgpu-8g" },
};

/** The machine type a GKE pool gets: the spec's, else the default for its isolation or GPU model. @internal */
export function gcpMachineType(pool: ResolvedPool): string | undefined {
    if (pool.machineType) return pool.machineType;
    if (pool.gpu) return GCP_GPU_MACHINE_TYPES[pool.gpu.acceleratorType]?.[pool.gpu.acceleratorCount];
    return GCP_DEFAULT_MACHINE_TYPES[pool.isolation];
}
