// The cloud-neutral description of a Cloister platform. Every type here is usable from other Pulumi
// languages: plain objects, arrays, string maps and string enums only (no unions of object types, no
// functions). Defaults live in defaults.ts; validate.ts checks a spec and reports every problem at once.
// JSDoc here is the documentation of Cloister's Pulumi package too (provider/schema.json); `@integer`
// marks a whole number, which the package schema types `integer` (the validator checks it either way).
// IDs, keys, images and storage parameters that a program may compute elsewhere are `Input<string>`:
// stack config gives plain strings, which are validated; a computed value is checked by the cloud.
import type { Input } from "@pulumi/pulumi";

/** Where the platform is deployed. */
export const Target = {
    /** AWS: EKS in a VPC Cloister creates or one you have. */
    Aws: "aws",
    /** Google Cloud: GKE in a VPC Cloister creates or one you have. */
    Gcp: "gcp",
    /** Azure: AKS in a VNet Cloister creates or a subnet you have. */
    Azure: "azure",
    /** An existing cluster reached through a kubeconfig; its pools are declared, not created. */
    Kubernetes: "kubernetes",
} as const;
export type Target = (typeof Target)[keyof typeof Target];

/** How a sandbox's kernel is separated from the node's. */
export const Isolation = {
    /** gVisor: a user-space kernel (GKE Sandbox where the cloud has it). */
    Gvisor: "gvisor",
    /** Kata Containers: every pod is a micro-VM. */
    Kata: "kata",
} as const;
export type Isolation = (typeof Isolation)[keyof typeof Isolation];

/** Block-storage class for sandbox volumes. */
export const StorageTier = {
    /** Balanced persistent disks (GKE `pd-balanced`). */
    Standard: "standard",
    /** Provisioned-performance disks (GKE `hyperdisk-balanced`). */
    Performance: "performance",
} as const;
export type StorageTier = (typeof StorageTier)[keyof typeof StorageTier];

/** What happens to a volume once its claim is deleted. */
export const ReclaimPolicy = {
    /** The volume stays until someone deletes it. */
    Retain: "Retain",
    /** The volume is deleted with its claim. */
    Delete: "Delete",
} as const;
export type ReclaimPolicy = (typeof ReclaimPolicy)[keyof typeof ReclaimPolicy];

/** What a sandbox may reach on the network. */
export const EgressMode = {
    /** The public internet; cloud metadata, identity endpoints, private ranges and the API server are blocked. */
    Internet: "internet",
    /** Nothing but cluster DNS. */
    None: "none",
} as const;
export type EgressMode = (typeof EgressMode)[keyof typeof EgressMode];

/** What happens to data-bearing resources (buckets, keys, volumes) on delete or replace. */
export const DataProtection = {
    /** Kept: retained on delete, protected, cloud deletion protection on. The production default. */
    Retain: "retain",
    /** Deleted with the stack. For throwaway test stacks only. */
    Destroy: "destroy",
} as const;
export type DataProtection = (typeof DataProtection)[keyof typeof DataProtection];

/** What a node taint does to pods that do not tolerate it. */
export const TaintEffect = {
    /** New pods are not scheduled onto the node. */
    NoSchedule: "NoSchedule",
    /** The scheduler avoids the node when it can. */
    PreferNoSchedule: "PreferNoSchedule",
    /** Running pods are evicted too. */
    NoExecute: "NoExecute",
} as const;
export type TaintEffect = (typeof TaintEffect)[keyof typeof TaintEffect];

/** A Kubernetes node taint. */
export interface TaintSpec {
    /** Taint key, e.g. `cloister.dev/isolation`. */
    key: string;
    /** Taint value. Default - "" */
    value?: string;
    /** What the taint does to pods that do not tolerate it. */
    effect: TaintEffect;
}

/** The network the nodes, pods and Services live in, and who reaches the API server. */
export interface NetworkSpec {
    /** Primary range of the VPC/subnet the nodes live in. Default - "10.0.0.0/16" */
    vpcCidr?: string;
    /** Range pods get their IPs from. Default - "10.8.0.0/14" */
    podCidr?: string;
    /** Range Services get their cluster IPs from. Default - "10.4.0.0/19" */
    serviceCidr?: string;
    /** The Kubernetes API is reachable only from inside the network. Default - true */
    privateEndpoint?: boolean;
    /**
     * CIDRs allowed to reach the API endpoint (as well as the network itself). Must be empty when
     * `privateEndpoint` is true, and never contains 0.0.0.0/0. Default - []
     */
    authorizedNetworks?: string[];
    /** Most pods one node runs; sizes the pod range check. Default - 110 @integer */
    maxPodsPerNode?: number;
}

/** Fields every node pool shares. */
export interface PoolSpec {
    /** DNS label, unique across all pools. */
    name: string;
    /** Cloud machine type (e.g. `n2-standard-8`). Ignored by the `kubernetes` target. */
    machineType?: string;
    /** Fewest nodes (pools scale to zero). Default - 0 for sandbox and GPU pools @integer */
    minNodes?: number;
    /** Most nodes. Default - 3 @integer */
    maxNodes?: number;
    /** Spot / preemptible capacity. Default - false */
    spot?: boolean;
    /** Boot disk size in GiB. Default - 100 @integer */
    diskSizeGb?: number;
    /** Zones to spread over. Default - every zone of the region */
    zones?: string[];
    /**
     * Labels the pool's nodes carry. Cloud targets add them to the nodes; the `kubernetes` target
     * declares what the cluster's nodes already carry.
     * Default - `cloister.dev/pool=<name>` and `cloister.dev/isolation=<isolation>`
     */
    nodeLabels?: { [key: string]: string };
    /** Taints the pool's nodes carry. Default - `cloister.dev/isolation=<isolation>:NoSchedule` */
    taints?: TaintSpec[];
}

/** Runs the platform's own pods (controller, DNS, CSI); never sandboxes. */
export interface SystemPoolSpec {
    /** Cloud machine type. Default - the cloud's small general-purpose type (GKE `e2-standard-4`) */
    machineType?: string;
    /** Fewest nodes. Default - 1 @integer */
    minNodes?: number;
    /** Most nodes. Default - 3 @integer */
    maxNodes?: number;
    /** Boot disk size in GiB. Default - 100 @integer */
    diskSizeGb?: number;
    /** Zones to spread over. Default - every zone of the region */
    zones?: string[];
}

/** A pool sandboxes run on, with one isolation. */
export interface SandboxPoolSpec extends PoolSpec {
    /** The kernel isolation of every sandbox on the pool. */
    isolation: Isolation;
    /**
     * The `kubernetes` target only: the containerd runtime handler the nodes already have.
     * Default - `runsc` for gvisor, `kata-qemu` for kata
     */
    runtimeHandler?: string;
    /**
     * The `kubernetes` target only: a RuntimeClass the cluster already has for this isolation; when set
     * Cloister uses it instead of creating one.
     */
    existingRuntimeClass?: string;
}

/** A sandbox pool whose nodes have GPUs. */
export interface GpuPoolSpec extends SandboxPoolSpec {
    /** Accelerator type as the cloud names it (e.g. `nvidia-l4`). */
    acceleratorType: string;
    /** GPUs per node. Default - 1 @integer */
    acceleratorCount?: number;
}

/** Sandbox volumes and their snapshots. */
export interface StorageSpec {
    /** Disk tier of sandbox volumes. Default - "standard" */
    tier?: StorageTier;
    /**
     * What happens to a sandbox's volume when its Sandbox is deleted (upstream owns per-sandbox volumes).
     * Default - "Delete": a deleted sandbox leaves no billed disk behind; what must outlive a sandbox goes
     * to backups. "Retain" keeps every released volume until someone deletes it
     */
    reclaimPolicy?: ReclaimPolicy;
    /** Volumes may grow after creation. Default - true */
    allowVolumeExpansion?: boolean;
    /** Create a VolumeSnapshotClass for the cluster's CSI driver. Default - true */
    snapshotClass?: boolean;
    /**
     * Install the CSI VolumeSnapshot CRDs from this directory or URL prefix (the three
     * `snapshot.storage.k8s.io_*.yaml` files of kubernetes-csi/external-snapshotter). Only for clusters
     * that lack them; managed clusters ship them. Default - not installed
     */
    snapshotCrdSource?: string;
}

/** The bucket that holds sandbox state. */
export interface SnapshotBucketSpec {
    /** Days a snapshot object (and each noncurrent version) is kept. Default - 30 @integer */
    retentionDays?: number;
    /** Keep object versions, so an overwritten or deleted snapshot can be recovered. Default - true */
    versioning?: boolean;
    /** Customer-managed key (cloud key resource ID). Default - the cloud's managed encryption */
    kmsKeyId?: Input<string>;
}

/** How the sandbox router authenticates the requests it forwards to sandboxes. */
export const RouterAuth = {
    /**
     * Every request carries a Kubernetes ServiceAccount token minted for the router's audience; the router
     * checks it with a TokenReview.
     */
    TokenReview: "tokenreview",
    /** No authentication: anyone who reaches the router reaches every sandbox. Only on explicit request. */
    AllowAll: "allow-all",
} as const;
export type RouterAuth = (typeof RouterAuth)[keyof typeof RouterAuth];

/** The agent-sandbox controller and router. */
export interface ControlPlaneSpec {
    /** agent-sandbox release. Default - "v1.0.3", the newest release Cloister's CI runs (see README) */
    version?: string;
    /** Controller replicas (leader election keeps one active). Default - 2 @integer */
    replicas?: number;
    /** Registry that mirrors `registry.k8s.io`. Default - "registry.k8s.io" */
    imageRegistry?: string;
    /**
     * Digest of the controller image (`sha256:<64 hex>`) for `version`, pinned after the tag so a moved tag
     * or a mirror cannot swap the image; use the digest your mirror serves. Default - "" (tag only: see
     * README, "Image pinning")
     */
    controllerImageDigest?: string;
    /** Digest of the router image (`sandbox-router-go`), as for the controller. Default - "" (tag only) */
    routerImageDigest?: string;
    /**
     * Where the four agent-sandbox CRD files come from: a URL prefix or a local directory holding
     * `agents.x-k8s.io_sandboxes.yaml` and the three `extensions.agents.x-k8s.io_*.yaml` files.
     * Default - the pinned release's `k8s/crds` directory on GitHub
     */
    crdSource?: string;
    /** Namespace of the controller and the router. Default - "agent-sandbox-system" */
    namespace?: string;
    /** Router replicas. Default - 2 @integer */
    routerReplicas?: number;
    /** How the router authenticates requests. Default - "tokenreview" */
    routerAuth?: RouterAuth;
    /** The audience router tokens must be minted for (`kubectl create token --audience`). Default - "sandbox-router" */
    routerTokenAudience?: string;
    /** Namespace whose pods may scrape the controller's and router's metrics. Default - "" (none) */
    monitoringNamespace?: string;
    /**
     * Wait for workloads (controller Deployment, its Service, quotas, namespace deletion) to become
     * ready. Only a test stack against an API server without nodes turns this off. Default - true
     */
    awaitReadiness?: boolean;
}

/** A kind of sandbox: image, isolation, resources, network; each has a warm pool. */
export interface SandboxTemplateSpec {
    /** DNS label, unique across templates. */
    name: string;
    /** Container image; it must keep a process running (upstream's runtime image serves the SDKs' API). */
    image: Input<string>;
    /** The sandbox's kernel isolation; a pool must provide it. */
    isolation: Isolation;
    /** CPU request and limit, a Kubernetes quantity (`2`, `"500m"`). Default - "1" */
    cpu?: string | number;
    /** Memory request and limit, a Kubernetes quantity (`"4Gi"`; a plain number is bytes). Default - "2Gi" */
    memory?: string | number;
    /** GPUs per sandbox; needs a GPU pool with the same isolation. Default - 0 @integer */
    gpu?: number;
    /** Size of the sandbox's persistent volume in GiB; 0 gives none. Default - 10 @integer */
    volumeSizeGb?: number;
    /** Sandboxes kept warm for instant claims; 0 gives none. Default - 0 @integer */
    warmPoolSize?: number;
    /** What the sandbox may reach on the network. Default - "internet" */
    egress?: EgressMode;
    /** The container's entrypoint. Default - the image's own */
    command?: string[];
    /** Arguments to the entrypoint. Default - the image's own */
    args?: string[];
    /**
     * Environment of the sandbox container, e.g. `SANDBOX_BASE_DIR: /workspace` so upstream's runtime
     * keeps commands and files on the sandbox's volume. Default - {}
     */
    env?: { [name: string]: string };
    /**
     * The port the sandbox serves (the router forwards to it; readiness waits for it). Default - 8888,
     * the agent-sandbox runtime API the SDKs speak
     * @integer
     */
    port?: number;
    /** Scratch disk (container writable layer, logs, emptyDirs) request and limit. Default - "2Gi" */
    ephemeralStorage?: string | number;
}

/** The namespace sandboxes run in and its quota. */
export interface SandboxNamespaceSpec {
    /** Namespace sandboxes run in. Default - "sandboxes" */
    name?: string;
    /** ResourceQuota: total CPU the namespace may request. Default - "64" */
    cpuQuota?: string | number;
    /** ResourceQuota: total memory. Default - "256Gi" */
    memoryQuota?: string | number;
    /** ResourceQuota: pods. Default - 200 @integer */
    podQuota?: number;
    /** ResourceQuota: GPUs. Default - 8 @integer */
    gpuQuota?: number;
    /** ResourceQuota: total scratch disk (ephemeral storage). Default - "400Gi" */
    ephemeralStorageQuota?: string | number;
}

/** Target `kubernetes`: facts about the existing cluster that Cloister cannot discover. */
export interface ExistingClusterSpec {
    /** CSI provisioner for sandbox volumes (e.g. `ebs.csi.aws.com`). Required for this target. */
    storageProvisioner?: string;
    /** StorageClass parameters for the provisioner. Default - {} */
    storageParameters?: { [key: string]: Input<string> };
    /** CSI driver for VolumeSnapshotClass. Default - the storage provisioner */
    snapshotDriver?: string;
    /** Annotations for the controller's ServiceAccount (cloud identity wiring). Default - {} */
    controllerServiceAccountAnnotations?: { [key: string]: Input<string> };
    /** Snapshot bucket URL shown as an output, if the cluster has one. Default - none */
    snapshotBucketUrl?: Input<string>;
    /** CIDRs of the API server endpoints, blocked for sandboxes. Default - [] */
    apiServerCidrs?: string[];
}

/** Target `gcp`: settings only GKE has. */
export interface GcpSpec {
    /**
     * GCP project ID; every resource and lookup names it explicitly. Default - the `gcp:project` config
     * (read by `SandboxPlatform` / `GcpSandboxCluster` before validation; one of the two is required)
     */
    project?: Input<string>;
    /** GKE release channel. Default - "REGULAR" */
    releaseChannel?: string;
    /** Control-plane range for private clusters (a /28). Default - "172.16.0.0/28" */
    masterCidr?: string;
    /** Existing VPC (self link or name); with the three settings below, no network is created. */
    existingNetwork?: Input<string>;
    /** Existing subnetwork of that VPC (self link or name). */
    existingSubnetwork?: Input<string>;
    /** Name of the existing subnetwork's secondary range for pods. */
    existingPodRangeName?: string;
    /** Name of the existing subnetwork's secondary range for Services. */
    existingServiceRangeName?: string;
    /** Cloud KMS key (resource ID) for Kubernetes secrets encryption. Default - Google-managed */
    secretsKmsKeyId?: Input<string>;
    /**
     * Turn on the GKE Pod Snapshots add-on (needs a gvisor pool and GKE >= 1.34.1-gke.3084001). The add-on
     * is pointed at the snapshot bucket in-cluster (a `PodSnapshotStorageConfig`), see the README.
     * Default - false
     */
    podSnapshots?: boolean;
    /** Name of the snapshot bucket (globally unique). Default - "<project>-<name>-snapshots" */
    snapshotBucketName?: string;
    /** Days deleted snapshot objects stay restorable (GCS soft delete): 0, or 7 to 90. Default - 7 @integer */
    softDeleteDays?: number;
    /**
     * Enable the Google APIs the platform uses (never disabled on destroy), so a project needs only
     * credentials. Turn off where the deployer may not enable APIs (see README for the list). Default - true
     */
    enableApis?: boolean;
    /** VPC flow logs on the node subnet (5-second aggregation, 50% sampling). Default - true */
    subnetFlowLogs?: boolean;
    /** Bucket that receives the snapshot bucket's usage and storage logs. Default - none (Cloud Audit Logs still apply) */
    accessLogBucket?: string;
    /**
     * Binary Authorization: "PROJECT_SINGLETON_POLICY_ENFORCE" enforces the project's policy (which allows
     * every image until you tighten it); "DISABLED" turns it off. Default - "PROJECT_SINGLETON_POLICY_ENFORCE"
     */
    binaryAuthorization?: string;
}

/** Target `aws`: settings only EKS has. */
export interface AwsSpec {
    /**
     * The AWS account (12 digits) the stack must deploy into; a deploy with other credentials stops at the
     * first preview. Default - "" (any)
     */
    accountId?: string;
    /** Availability zones of the private (and NAT) subnets, at least two. Default - ["<region>a", "<region>b"] */
    availabilityZones?: string[];
    /** One NAT gateway per availability zone (survives a zone outage) instead of one. Default - false */
    natGatewayPerAz?: boolean;
    /** Existing VPC ID; with `existingPrivateSubnetIds`, no network is created. */
    existingVpcId?: Input<string>;
    /** Private subnets of that VPC (at least two, in different zones) for nodes and the API endpoint. */
    existingPrivateSubnetIds?: Input<string>[];
    /** KMS key ARN for Kubernetes secrets encryption. Default - a key Cloister creates (rotation on) */
    secretsKmsKeyArn?: Input<string>;
    /** IAM role ARNs given cluster-admin access entries, besides the deploying identity. Default - [] */
    adminRoleArns?: string[];
    /** gVisor release (`yyyymmdd.n`) that gVisor pools install at boot. Default - "20260921.0" */
    gvisorRelease?: string;
    /** EKS add-on versions by add-on name (e.g. `vpc-cni: v1.20.1-eksbuild.1`). Default - each add-on's default version for the cluster's Kubernetes version */
    addonVersions?: { [addon: string]: string };
}

/** Target `azure`: settings only AKS has. */
export interface AzureSpec {
    /** The subscription the stack must deploy into (a GUID); other credentials stop at the first preview. Default - "" (any) */
    subscriptionId?: string;
    /** An existing resource group to deploy into. Default - "" (Cloister creates "<name>-rg") */
    resourceGroupName?: string;
    /** An existing subnet (resource ID) for the nodes; no VNet, NAT gateway or NSG is created. Default - "" (Cloister creates them) */
    existingSubnetId?: Input<string>;
    /** Key Vault key (versioned key ID URL) for etcd encryption, with `keyVaultResourceId`. Default - "" (Cloister creates a vault and key) */
    keyVaultKeyId?: Input<string>;
    /** Resource ID of the vault that holds `keyVaultKeyId`. Default - "" */
    keyVaultResourceId?: Input<string>;
    /** Entra ID groups (object IDs) that administer the cluster through Azure RBAC. Default - [] */
    adminGroupObjectIds?: string[];
    /** AKS automatic upgrade channel: "patch", "stable", "rapid" or "node-image". Default - "stable" */
    upgradeChannel?: string;
    /** Node OS upgrade channel: "NodeImage", "SecurityPatch" or "Unmanaged". Default - "NodeImage" */
    nodeOsUpgradeChannel?: string;
    /** Name of the snapshot storage account (3-24 lowercase letters and digits, globally unique). Default - derived from `name` and the subscription */
    storageAccountName?: string;
    /** gVisor release (`yyyymmdd.n`) the installer puts on gVisor pools. Default - "20260921.0" */
    gvisorRelease?: string;
}

/** Everything Cloister deploys: the target, its pools, storage, control plane and sandbox templates. */
export interface PlatformSpec {
    /** Where to deploy: a cloud, or `kubernetes` (an existing cluster). */
    target: Target;
    /** Name prefix for every resource: a DNS label of at most 20 characters. */
    name: string;
    /** Cloud region (e.g. `us-central1`); required for cloud targets. */
    region?: string;
    /** Kubernetes minor version (e.g. "1.36"). Default - the cloud's release-channel default */
    kubernetesVersion?: string;
    /** The network the nodes, pods and Services live in, and who reaches the API server. */
    network?: NetworkSpec;
    /** The pool that runs the platform's own pods. */
    systemPool?: SystemPoolSpec;
    /** Pools sandboxes run on, one isolation each. */
    sandboxPools?: SandboxPoolSpec[];
    /** Pools with GPUs: the sandbox pool fields plus the accelerator. */
    gpuPools?: GpuPoolSpec[];
    /** Sandbox volumes and their snapshots. */
    storage?: StorageSpec;
    /** The bucket that holds sandbox state. */
    snapshotBucket?: SnapshotBucketSpec;
    /** The agent-sandbox controller and router. */
    controlPlane?: ControlPlaneSpec;
    /** The namespace sandboxes run in and its quota. */
    sandboxNamespace?: SandboxNamespaceSpec;
    /** Sandbox templates, each with a warm pool. */
    templates?: SandboxTemplateSpec[];
    /**
     * "retain" keeps buckets, keys, the sandbox namespace and the CRDs on delete; "destroy" is for test
     * stacks. Default - "retain"
     */
    dataProtection?: DataProtection;
    /** Target `kubernetes` only: facts about the existing cluster. */
    cluster?: ExistingClusterSpec;
    /** Target `gcp` only: settings only GKE has. */
    gcp?: GcpSpec;
    /** Target `aws` only: settings only EKS has. */
    aws?: AwsSpec;
    /** Target `azure` only: settings only AKS has. */
    azure?: AzureSpec;
}
