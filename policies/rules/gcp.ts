// GCP rules: the snapshot bucket and the GKE cluster and its node pools.
import { LABEL_ISOLATION, TAINT_GPU } from "../../components/spec/defaults";
import {
    asArray,
    asRecord,
    CloisterPolicy,
    CloisterResourcePolicy,
    DEFAULT_ENFORCEMENT,
    describe,
    forTypes,
    get,
    isFalse,
    isNoSchedule,
    isTrue,
    nonEmptyString,
    opensToInternet,
} from "./common";

export const GCS_BUCKET = "gcp:storage/bucket:Bucket";
export const GKE_CLUSTER = "gcp:container/cluster:Cluster";
export const GKE_NODE_POOL = "gcp:container/nodePool:NodePool";

/** The Compute Engine default service account, which holds Editor on the project by default. */
export const DEFAULT_COMPUTE_SA = /-compute@developer\.gserviceaccount\.com$/;

export const gcsBucketNoPublicAccess: CloisterResourcePolicy = {
    name: "gcp-storage-bucket-no-public-access",
    description: describe(
        "A Cloud Storage bucket enforces public access prevention and uniform bucket-level access (IAM only, no object ACLs).",
        'set publicAccessPrevention: "enforced" and uniformBucketLevelAccess: true on the bucket.',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateResource: forTypes([GCS_BUCKET], (props, _args, report) => {
        if (props.publicAccessPrevention !== "enforced") {
            report(`publicAccessPrevention is ${JSON.stringify(props.publicAccessPrevention ?? "inherited")}, not "enforced".`);
        }
        if (!isTrue(props.uniformBucketLevelAccess)) report("uniformBucketLevelAccess is not true: object ACLs could make objects public.");
    }),
};

export const gcsBucketVersioning: CloisterResourcePolicy = {
    name: "gcp-storage-bucket-versioning",
    description: describe(
        "A Cloud Storage bucket keeps object versions, so an overwritten or deleted snapshot can be recovered.",
        "set versioning: { enabled: true } (the spec's snapshotBucket.versioning, on by default); bound the cost with a lifecycle rule on noncurrent versions.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "medium",
    validateResource: forTypes([GCS_BUCKET], (props, _args, report) => {
        if (!isTrue(get(props, "versioning.enabled"))) report("versioning.enabled is not true.");
    }),
};

export const gkePrivateCluster: CloisterResourcePolicy = {
    name: "gcp-gke-private-nodes",
    description: describe(
        "GKE nodes have no public IP addresses, and the control plane is not open to 0.0.0.0/0 through master authorized networks.",
        "set privateClusterConfig.enablePrivateNodes: true on the cluster (never networkConfig.enablePrivateNodes: false on a pool), and list only the administrators' networks in masterAuthorizedNetworksConfig.cidrBlocks (the spec's network.authorizedNetworks).",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([GKE_CLUSTER, GKE_NODE_POOL], (props, args, report) => {
        if (args.type === GKE_NODE_POOL) {
            if (isFalse(get(props, "networkConfig.enablePrivateNodes"))) report("networkConfig.enablePrivateNodes is false: this pool's nodes get public IPs.");
            return;
        }
        if (!isTrue(get(props, "privateClusterConfig.enablePrivateNodes"))) {
            report("privateClusterConfig.enablePrivateNodes is not true: nodes get public IPs.");
        }
        asArray(get(props, "masterAuthorizedNetworksConfig.cidrBlocks")).forEach((block, i) => {
            if (opensToInternet(block?.cidrBlock)) {
                report(`masterAuthorizedNetworksConfig.cidrBlocks[${i}] ${block.cidrBlock} opens the Kubernetes API to the internet.`);
            }
        });
    }),
};

export const gkeWorkloadIdentity: CloisterResourcePolicy = {
    name: "gcp-gke-workload-identity",
    description: describe(
        "GKE uses Workload Identity: the cluster has a workload pool and every node pool serves the GKE metadata server, so pods never see the node's credentials.",
        'set workloadIdentityConfig: { workloadPool: "<project>.svc.id.goog" } on the cluster and nodeConfig.workloadMetadataConfig: { mode: "GKE_METADATA" } on every node pool.',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([GKE_CLUSTER, GKE_NODE_POOL], (props, args, report) => {
        if (args.type === GKE_CLUSTER) {
            if (!nonEmptyString(get(props, "workloadIdentityConfig.workloadPool"))) report("workloadIdentityConfig.workloadPool is not set.");
            // Autopilot and a removed default pool leave no cluster-level node config to check.
            if (isTrue(props.enableAutopilot) || isTrue(props.removeDefaultNodePool)) return;
        }
        const mode = get(props, "nodeConfig.workloadMetadataConfig.mode");
        if (mode !== "GKE_METADATA") report(`nodeConfig.workloadMetadataConfig.mode is ${JSON.stringify(mode ?? "unset")}, not "GKE_METADATA": pods can read the node's metadata and credentials.`);
    }),
};

export const gkeDataplaneV2: CloisterResourcePolicy = {
    name: "gcp-gke-dataplane-v2",
    description: describe(
        "A GKE cluster runs Dataplane V2, which enforces the sandbox namespaces' NetworkPolicies (metadata and private-range blocks).",
        'set datapathProvider: "ADVANCED_DATAPATH" on the cluster (and do not also enable the Calico networkPolicy add-on).',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateResource: forTypes([GKE_CLUSTER], (props, _args, report) => {
        if (props.datapathProvider !== "ADVANCED_DATAPATH") {
            report(`datapathProvider is ${JSON.stringify(props.datapathProvider ?? "unset")}, not "ADVANCED_DATAPATH": NetworkPolicies may not be enforced.`);
        }
    }),
};

export const gkeShieldedNodes: CloisterResourcePolicy = {
    name: "gcp-gke-shielded-nodes",
    description: describe(
        "GKE nodes are Shielded VMs with Secure Boot and integrity monitoring.",
        "leave enableShieldedNodes on (true) on the cluster, and set nodeConfig.shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true } on every node pool.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "medium",
    validateResource: forTypes([GKE_CLUSTER, GKE_NODE_POOL], (props, args, report) => {
        if (args.type === GKE_CLUSTER) {
            if (isFalse(props.enableShieldedNodes)) report("enableShieldedNodes is false.");
            return;
        }
        const shielded = asRecord(get(props, "nodeConfig.shieldedInstanceConfig"));
        if (!isTrue(shielded.enableSecureBoot)) report("nodeConfig.shieldedInstanceConfig.enableSecureBoot is not true.");
        if (isFalse(shielded.enableIntegrityMonitoring)) report("nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring is false.");
    }),
};

export const gkeNodeServiceAccount: CloisterResourcePolicy = {
    name: "gcp-gke-node-service-account",
    description: describe(
        "GKE nodes run as a dedicated least-privilege service account, never the Compute Engine default service account (…-compute@developer.gserviceaccount.com, Editor on the project by default).",
        "create a service account with roles/container.defaultNodeServiceAccount and set nodeConfig.serviceAccount to its email on every node pool (and on the cluster's default pool, unless removeDefaultNodePool is true).",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([GKE_CLUSTER, GKE_NODE_POOL], (props, args, report) => {
        if (args.type === GKE_CLUSTER) {
            if (isTrue(props.enableAutopilot)) {
                const sa = get(props, "clusterAutoscaling.autoProvisioningDefaults.serviceAccount");
                if (!nonEmptyString(sa) || DEFAULT_COMPUTE_SA.test(sa)) report("clusterAutoscaling.autoProvisioningDefaults.serviceAccount must name a dedicated service account.");
                return;
            }
            if (isTrue(props.removeDefaultNodePool)) return;
        }
        const sa = get(props, "nodeConfig.serviceAccount");
        if (!nonEmptyString(sa)) report("nodeConfig.serviceAccount is not set: nodes would run as the Compute Engine default service account.");
        else if (DEFAULT_COMPUTE_SA.test(sa)) report(`nodeConfig.serviceAccount ${sa} is the Compute Engine default service account.`);
    }),
};

const poolTaints = (props: Record<string, any>) => asArray(get(props, "nodeConfig.taints"));
const poolLabels = (props: Record<string, any>) => asRecord(get(props, "nodeConfig.labels"));
const hasTaint = (props: Record<string, any>, key: string, value?: string) =>
    poolTaints(props).some((t) => t?.key === key && (value === undefined || t?.value === value) && isNoSchedule(t?.effect));
const isGkeSandbox = (props: Record<string, any>) =>
    get(props, "nodeConfig.sandboxConfig.type") === "GVISOR" || String(get(props, "nodeConfig.sandboxConfig.sandboxType") ?? "").toLowerCase() === "gvisor";

/** The isolation a pool declares through Cloister's label or taint, if any. */
export function declaredIsolation(props: Record<string, any>): string | undefined {
    const label = poolLabels(props)[LABEL_ISOLATION];
    if (nonEmptyString(label)) return label;
    return poolTaints(props).find((t) => t?.key === LABEL_ISOLATION)?.value;
}

export const gkeSandboxPoolIsolation: CloisterResourcePolicy = {
    name: "gcp-gke-sandbox-pool-isolation",
    description: describe(
        `A GKE sandbox pool (labelled or tainted ${LABEL_ISOLATION}) isolates its pods: a gVisor pool is a GKE Sandbox pool; a Kata pool carries the label and NoSchedule taint ${LABEL_ISOLATION}=kata and enables nested virtualization.`,
        `gVisor: set nodeConfig.sandboxConfig: { type: "GVISOR" } (image COS_CONTAINERD). Kata: set nodeConfig.labels["${LABEL_ISOLATION}"] = "kata", nodeConfig.taints [{ key: "${LABEL_ISOLATION}", value: "kata", effect: "NO_SCHEDULE" }] and nodeConfig.advancedMachineFeatures.enableNestedVirtualization: true.`,
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateResource: forTypes([GKE_NODE_POOL], (props, args, report) => {
        const isolation = declaredIsolation(props);
        if (isolation === undefined && !isGkeSandbox(props)) return args.notApplicable("not a sandbox pool");
        if (isolation === "gvisor" || (isolation === undefined && isGkeSandbox(props))) {
            if (!isGkeSandbox(props)) report('a gVisor pool without nodeConfig.sandboxConfig.type "GVISOR" runs pods under runc.');
            return;
        }
        if (isolation === "kata") {
            if (poolLabels(props)[LABEL_ISOLATION] !== "kata") report(`nodeConfig.labels["${LABEL_ISOLATION}"] is not "kata": Kata RuntimeClasses cannot select this pool.`);
            if (!hasTaint(props, LABEL_ISOLATION, "kata")) report(`nodeConfig.taints lacks ${LABEL_ISOLATION}=kata:NO_SCHEDULE: ordinary pods could share the sandbox nodes.`);
            if (!isTrue(get(props, "nodeConfig.advancedMachineFeatures.enableNestedVirtualization"))) report("nodeConfig.advancedMachineFeatures.enableNestedVirtualization is not true: Kata VMs cannot start.");
            return;
        }
        report(`${LABEL_ISOLATION}=${JSON.stringify(isolation)} is not an isolation Cloister knows ("gvisor", "kata").`);
    }),
};

export const gkeGpuPoolTaint: CloisterResourcePolicy = {
    name: "gcp-gke-gpu-pool-taint",
    description: describe(
        `A GKE pool with GPUs carries the NoSchedule taint ${TAINT_GPU}, so only pods that ask for GPUs land there (GKE adds it only sometimes).`,
        `add { key: "${TAINT_GPU}", value: "present", effect: "NO_SCHEDULE" } to nodeConfig.taints of every pool with guestAccelerators.`,
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "medium",
    validateResource: forTypes([GKE_NODE_POOL, GKE_CLUSTER], (props, args, report) => {
        if (asArray(get(props, "nodeConfig.guestAccelerators")).length === 0) return args.notApplicable("no GPUs");
        if (!hasTaint(props, TAINT_GPU)) report(`nodeConfig.taints lacks ${TAINT_GPU}:NO_SCHEDULE on a GPU pool.`);
    }),
};

export const gcpPolicies: CloisterPolicy[] = [
    gcsBucketNoPublicAccess,
    gcsBucketVersioning,
    gkePrivateCluster,
    gkeWorkloadIdentity,
    gkeDataplaneV2,
    gkeShieldedNodes,
    gkeNodeServiceAccount,
    gkeSandboxPoolIsolation,
    gkeGpuPoolTaint,
];
