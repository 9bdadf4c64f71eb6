// GcpSandboxCluster: the GCP layer of a Cloister platform. Network, GKE cluster, node pools, snapshot
// bucket and the control plane's cloud identity; it hands the in-cluster layer its ClusterFacts and a
// kubeconfig (secret). `SandboxPlatform` composes it with `SandboxRuntime`; customers may do the same.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ClusterFacts, poolFacts, RuntimeClassFacts } from "../kubernetes/facts";
import { kataDeployRuntimeClass } from "../kubernetes/runtimeClasses";
import { ResolvedSpec } from "../spec/defaults";
import { Isolation, PlatformSpec, TaintEffect, Target } from "../spec/types";
import { prepareTargetSpec } from "../validation";
import { enableApis } from "./apis";
import { createSnapshotBucket } from "./bucket";
import { createCluster, gkeKubeconfig } from "./cluster";
import { createNodeIdentity, workloadPool } from "./identity";
import { createNetwork } from "./network";
import { createNodePools, gkeAddedLabels, gkeAddedTaints, gkeNodeTaints, GKE_SANDBOX_KEY } from "./nodePools";
import { gkeVolumeDiskType } from "./validate";

// The public surface of `cloister/gcp`: the component, its facts and its validator; the helpers stay internal.
export { validateGcpSpec } from "./validate";

/** The PD CSI driver GKE installs; it also takes VolumeSnapshots (snapshot CRDs ship with GKE). */
export const GKE_PD_CSI = "pd.csi.storage.gke.io";

/** Arguments of GcpSandboxCluster. */
export interface GcpSandboxClusterArgs {
    /**
     * The platform spec (target "gcp"). `gcp.project` defaults to the `gcp:project` provider config.
     */
    spec: PlatformSpec;
}

/** ClusterFacts for GKE: what the runtime layer needs to know about this cluster. */
export function gkeClusterFacts(spec: ResolvedSpec, snapshotBucketUrl: pulumi.Input<string>): ClusterFacts {
    const runtimeClasses: RuntimeClassFacts[] = [];
    if (spec.pools.some((p) => p.isolation === Isolation.Gvisor)) {
        // GKE Sandbox installs and manages this class (handler, scheduling onto sandbox nodes).
        runtimeClasses.push({
            isolation: Isolation.Gvisor,
            name: "gvisor",
            handler: "gvisor",
            provided: true,
            nodeSelector: { [GKE_SANDBOX_KEY]: "gvisor" },
            tolerations: [{ key: GKE_SANDBOX_KEY, value: "gvisor", effect: TaintEffect.NoSchedule }],
        });
    }
    const kata = spec.pools.some((p) => p.isolation === Isolation.Kata);
    if (kata) runtimeClasses.push(kataDeployRuntimeClass(spec.name, spec.pools));
    return {
        pools: spec.pools.map((pool) => {
            const facts = poolFacts(pool);
            return {
                ...facts,
                labels: { ...facts.labels, ...gkeAddedLabels(pool) },
                taints: [...gkeAddedTaints(pool), ...gkeNodeTaints(pool)],
            };
        }),
        runtimeClasses,
        installKataDeploy: kata,
        // GKE installs the driver and runs its own device plugin on GPU nodes.
        installNvidiaDevicePlugin: false,
        storage: {
            provisioner: GKE_PD_CSI,
            parameters: { type: gkeVolumeDiskType(spec) },
            snapshotDriver: GKE_PD_CSI,
            snapshotParameters: {},
        },
        snapshotBucketUrl,
        // Direct Workload Identity Federation: the bucket grant names the KSA itself; nothing to annotate.
        controllerServiceAccountAnnotations: {},
        controllerPodLabels: {},
        privateCidrs: [spec.network.vpcCidr, spec.network.podCidr, spec.network.serviceCidr, spec.gcp.masterCidr],
        // Private nodes reach the control plane at its private endpoint, inside the master range.
        apiServerCidrs: [spec.gcp.masterCidr],
    };
}

/** The GCP layer of a platform: VPC, GKE cluster, node pools, snapshot bucket and identities. */
export class GcpSandboxCluster extends pulumi.ComponentResource {
    /** The project every resource lives in. */
    public readonly project: pulumi.Output<string>;
    /** Name of the GKE cluster. */
    public readonly clusterName: pulumi.Output<string>;
    /** The cluster's API endpoint (IP address). */
    public readonly clusterEndpoint: pulumi.Output<string>;
    /** Kubeconfig using `gke-gcloud-auth-plugin` (secret); resolves only once every node pool exists. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The Workload Identity pool (`<project>.svc.id.goog`). */
    public readonly workloadPool: pulumi.Output<string>;
    /** The nodes' own service account. */
    public readonly nodeServiceAccountEmail: pulumi.Output<string>;
    /** Names of the GKE node pools (system, sandbox and GPU pools). */
    public readonly nodePoolNames: pulumi.Output<string[]>;
    /** Name of the snapshot bucket. */
    public readonly snapshotBucketName: pulumi.Output<string>;
    /** `gs://<bucket>` */
    public readonly snapshotBucketUrl: pulumi.Output<string>;
    /** What SandboxRuntime needs to know about this cluster (not a registered output: it holds Inputs). */
    public readonly facts: ClusterFacts;

    constructor(name: string, args: GcpSandboxClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const { resolved: spec } = prepareTargetSpec(args.spec, "GcpSandboxCluster", Target.Gcp);
        super("cloister:index:GcpSandboxCluster", name, { dataProtection: spec.dataProtection }, opts);
        const parent = { parent: this };
        const project = spec.gcp.project!;

        // Everything else waits for the APIs it calls.
        const apis = enableApis(name, spec, project, parent);
        const afterApis = { parent: this, dependsOn: apis };
        const projectNumber = gcp.organizations.getProjectOutput({ projectId: project }, afterApis).number;
        const network = createNetwork(name, spec, project, afterApis);
        const nodes = createNodeIdentity(name, spec, project, afterApis);
        const cluster = createCluster(name, spec, project, projectNumber, network, nodes.email, [...nodes.grants, ...apis], parent);
        const pools = createNodePools(name, spec, project, cluster, nodes.email, parent);
        const bucket = createSnapshotBucket(name, spec, project, afterApis);

        this.project = pulumi.output(project);
        this.clusterName = cluster.name;
        this.clusterEndpoint = cluster.endpoint;
        // The kubeconfig resolves once every node pool exists, so in-cluster objects wait for nodes.
        this.kubeconfig = pulumi.secret(
            pulumi.all([project, cluster.name, cluster.endpoint, cluster.masterAuth, pulumi.all(pools.map((p) => p.id))]).apply(([projectId, clusterName, endpoint, auth]) =>
                gkeKubeconfig({ project: projectId, region: spec.region!, clusterName, endpoint, caCertificate: auth.clusterCaCertificate ?? "" }),
            ),
        );
        this.workloadPool = workloadPool(project);
        this.nodeServiceAccountEmail = nodes.email;
        this.nodePoolNames = pulumi.all(pools.map((p) => p.name));
        this.snapshotBucketName = bucket.name;
        this.snapshotBucketUrl = bucket.url;
        this.facts = gkeClusterFacts(spec, bucket.url);
        this.registerOutputs({
            project: this.project,
            clusterName: this.clusterName,
            clusterEndpoint: this.clusterEndpoint,
            kubeconfig: this.kubeconfig,
            workloadPool: this.workloadPool,
            nodeServiceAccountEmail: this.nodeServiceAccountEmail,
            nodePoolNames: this.nodePoolNames,
            snapshotBucketName: this.snapshotBucketName,
            snapshotBucketUrl: this.snapshotBucketUrl,
        });
    }
}
