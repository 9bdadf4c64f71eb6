// AwsSandboxCluster: the AWS layer of a Cloister platform. Network, EKS cluster and add-ons, node groups,
// snapshot bucket and the Pod Identity roles; it hands the in-cluster layer its ClusterFacts and a
// kubeconfig (secret), exactly as GcpSandboxCluster does. Built from `@pulumi/aws` resources directly (no
// remote components), so the offline plan and the policy pack see every resource.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterFacts, poolFacts, runtimeClassFor, RUNTIME_OVERHEAD, RuntimeClassFacts } from "../kubernetes/facts";
import { kataDeployRuntimeClass } from "../kubernetes/runtimeClasses";
import { DEFAULT_RUNTIME_HANDLER, ResolvedSpec } from "../spec/defaults";
import { Isolation, PlatformSpec, StorageTier, Target } from "../spec/types";
import { prepareTargetSpec } from "../validation";
import { createSnapshotBucket } from "./bucket";
import { createCluster, createWorkloadAddons, eksKubeconfig } from "./cluster";
import { createIdentities, grantEbsKey } from "./identity";
import { createNetwork } from "./network";
import { createNodeGroups } from "./nodePools";

// The public surface of `cloister/aws`: the component, its facts and its validator; the helpers stay internal.
export { validateAwsSpec } from "./validate";

/** The EBS CSI driver (the add-on); it also takes VolumeSnapshots (the snapshot-controller add-on's CRDs). */
export const EBS_CSI = "ebs.csi.aws.com";

/** StorageClass parameters per tier: encrypted gp3, at baseline or at gp3's highest provisioned IOPS and throughput. @internal */
export function ebsVolumeParameters(tier: StorageTier, keyArn: pulumi.Input<string>): { [key: string]: pulumi.Input<string> } {
    const performance: Record<string, string> = tier === StorageTier.Performance ? { iops: "16000", throughput: "1000" } : {};
    return { type: "gp3", encrypted: "true", kmsKeyId: keyArn, "csi.storage.k8s.io/fstype": "ext4", ...performance };
}

/** Arguments of AwsSandboxCluster. */
export interface AwsSandboxClusterArgs {
    /** The platform spec (target "aws"). */
    spec: PlatformSpec;
}

/** ClusterFacts for EKS: what the runtime layer needs to know about this cluster. */
export function eksClusterFacts(spec: ResolvedSpec, snapshotBucketUrl: pulumi.Input<string>, keyArn: pulumi.Input<string>): ClusterFacts {
    const runtimeClasses: RuntimeClassFacts[] = [];
    // EKS has no managed gVisor: Cloister's class names the runsc handler the node groups register.
    if (spec.pools.some((p) => p.isolation === Isolation.Gvisor)) {
        runtimeClasses.push(runtimeClassFor(spec.name, Isolation.Gvisor, spec.pools, DEFAULT_RUNTIME_HANDLER.gvisor, RUNTIME_OVERHEAD.gvisor));
    }
    const kata = spec.pools.some((p) => p.isolation === Isolation.Kata);
    if (kata) runtimeClasses.push(kataDeployRuntimeClass(spec.name, spec.pools));
    return {
        // Managed node groups apply the spec's labels and taints exactly.
        pools: spec.pools.map(poolFacts),
        runtimeClasses,
        installKataDeploy: kata,
        // The AL2023 NVIDIA AMI has the driver and toolkit, not the device plugin.
        installNvidiaDevicePlugin: spec.pools.some((p) => p.gpu !== undefined),
        storage: { provisioner: EBS_CSI, parameters: ebsVolumeParameters(spec.storage.tier, keyArn), snapshotDriver: EBS_CSI, snapshotParameters: {} },
        snapshotBucketUrl,
        // Pod Identity needs no ServiceAccount annotation; the controller has no AWS role anyway.
        controllerServiceAccountAnnotations: {},
        controllerPodLabels: {},
        // VPC CNI gives pods VPC addresses: the VPC range covers nodes and pods.
        privateCidrs: [spec.network.vpcCidr, spec.network.serviceCidr],
        // The private endpoint's network interfaces live in the node subnets.
        apiServerCidrs: [spec.network.vpcCidr],
    };
}

/** The AWS layer of a platform: VPC, EKS cluster, managed node groups, snapshot bucket, keys and identities. */
export class AwsSandboxCluster extends pulumi.ComponentResource {
    /** Name of the EKS cluster. */
    public readonly clusterName: pulumi.Output<string>;
    /** The cluster's API endpoint (https URL). */
    public readonly clusterEndpoint: pulumi.Output<string>;
    /** Kubeconfig using `aws eks get-token` (secret); resolves only once the node groups and add-ons exist. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The VPC the nodes live in (created, or `aws.existingVpcId`). */
    public readonly vpcId: pulumi.Output<string>;
    /** Names of the managed node groups (system, sandbox and GPU pools). */
    public readonly nodeGroupNames: pulumi.Output<string[]>;
    /** The KMS key for secrets, volumes and (unless the spec names one) the bucket. */
    public readonly kmsKeyArn: pulumi.Output<string>;
    /** Name of the snapshot bucket. */
    public readonly snapshotBucketName: pulumi.Output<string>;
    /** `s3://<bucket>` */
    public readonly snapshotBucketUrl: pulumi.Output<string>;
    /** What SandboxRuntime needs to know about this cluster (not a registered output: it holds Inputs). */
    public readonly facts: ClusterFacts;

    constructor(name: string, args: AwsSandboxClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const { resolved: spec } = prepareTargetSpec(args.spec, "AwsSandboxCluster", Target.Aws);
        super("cloister:index:AwsSandboxCluster", name, { dataProtection: spec.dataProtection }, opts);
        const parent = { parent: this };

        // Credentials for another account stop the deploy at its first preview (where the caller is known:
        // an offline plan has no account).
        const account = aws.getCallerIdentityOutput({}, parent).accountId.apply((id) => {
            if (spec.aws.accountId && /^\d{12}$/.test(id) && id !== spec.aws.accountId) {
                throw new pulumi.ResourceError(`aws.accountId is ${spec.aws.accountId}, but the credentials are for account ${id}`, this, true);
            }
            return id;
        });
        const network = createNetwork(name, spec, parent);
        const identities = createIdentities(name, spec, parent);
        const eks = createCluster(name, spec, network, parent);
        const ebsKey = grantEbsKey(name, spec, identities.ebsCsiRole, eks.keyArn, parent);
        const nodeGroups = createNodeGroups(name, spec, eks.cluster.name, identities.nodeRole.arn, network.privateSubnetIds, {
            parent: this,
            // Nodes boot through the NAT and the endpoints, and become Ready with the node add-ons.
            dependsOn: [...identities.nodeGrants, ...eks.nodeAddons, ...network.resources],
        });
        const workloadAddons = createWorkloadAddons(name, spec, eks.cluster, identities.ebsCsiRole.arn, [...nodeGroups, ...identities.grants], parent);
        const bucket = createSnapshotBucket(name, spec, eks.keyArn, parent);

        this.clusterName = eks.cluster.name;
        this.clusterEndpoint = eks.cluster.endpoint;
        // The kubeconfig resolves once nodes, DNS, CSI and its key grant exist, so in-cluster objects wait for them.
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([eks.cluster.name, eks.cluster.endpoint, eks.cluster.certificateAuthority.data, account, ebsKey.id, ...workloadAddons.map((a) => a.id)])
                .apply(([clusterName, endpoint, ca]) => eksKubeconfig({ clusterName, region: spec.region!, endpoint, caCertificate: ca ?? "" })),
        );
        this.vpcId = pulumi.output(network.vpcId);
        this.nodeGroupNames = pulumi.all(nodeGroups.map((g) => g.nodeGroupName));
        this.kmsKeyArn = eks.keyArn;
        this.snapshotBucketName = bucket.name;
        this.snapshotBucketUrl = bucket.url;
        this.facts = eksClusterFacts(spec, bucket.url, eks.keyArn);
        this.registerOutputs({
            clusterName: this.clusterName,
            clusterEndpoint: this.clusterEndpoint,
            kubeconfig: this.kubeconfig,
            vpcId: this.vpcId,
            nodeGroupNames: this.nodeGroupNames,
            kmsKeyArn: this.kmsKeyArn,
            snapshotBucketName: this.snapshotBucketName,
            snapshotBucketUrl: this.snapshotBucketUrl,
        });
    }
}
