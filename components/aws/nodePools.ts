// Managed node groups, each with its own launch template: IMDSv2 with a hop limit of 1 (pods cannot
// reach the node's credentials), encrypted gp3 root volumes (the account's EBS key), no SSH key, the
// spec's labels and taints, autoscaling to 0 for sandbox and GPU pools, spot where asked. gVisor pools
// run Cloister's gVisor install script from user data (before kubelet starts) and register runsc
// through nodeadm's NodeConfig; kata pools get nested virtualization.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AWS_DEFAULT_INSTANCE_TYPES, awsInstanceType, ResolvedPool, ResolvedSpec } from "../spec/defaults";
import { isAwsMetal } from "../spec/cloudFacts";
import { Isolation, TaintEffect } from "../spec/types";
import { gvisorInstallScript } from "../kubernetes/gvisorInstaller";

export const SYSTEM_POOL_NAME = "system";
const EKS_EFFECT: Record<TaintEffect, string> = { NoSchedule: "NO_SCHEDULE", PreferNoSchedule: "PREFER_NO_SCHEDULE", NoExecute: "NO_EXECUTE" };
const MIME_BOUNDARY = "CLOISTER";

/** containerd 2's runtime stanza for runsc (nodeadm merges it into the config it writes; never edit that file). */
export function gvisorNodeConfig(gpu: boolean): string {
    const options = gpu ? `\n        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc.options]\n          ConfigPath = "/etc/containerd/runsc.toml"` : "";
    return [
        "apiVersion: node.eks.aws/v1alpha1",
        "kind: NodeConfig",
        "spec:",
        "  containerd:",
        "    config: |",
        "      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc]",
        `        runtime_type = "io.containerd.runsc.v1"${options}`,
        "",
    ].join("\n");
}

/** kata-deploy writes containerd drop-ins; importing their directory keeps them across nodeadm's rewrites. */
export const KATA_NODE_CONFIG = [
    "apiVersion: node.eks.aws/v1alpha1",
    "kind: NodeConfig",
    "spec:",
    "  containerd:",
    "    config: |",
    '      imports = ["/etc/containerd/config.d/*.toml"]',
    "",
].join("\n");

/** Multipart user data as managed node groups take it (EKS adds its own NodeConfig part). */
export function userData(parts: { contentType: string; content: string }[]): string {
    const body = parts.map((p) => `--${MIME_BOUNDARY}\nContent-Type: ${p.contentType}\n\n${p.content}\n`).join("");
    return `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"\n\n${body}--${MIME_BOUNDARY}--\n`;
}

export function poolUserData(spec: ResolvedSpec, pool: ResolvedPool): string {
    if (pool.isolation === Isolation.Gvisor) {
        return userData([
            { contentType: "application/node.eks.aws", content: gvisorNodeConfig(pool.gpu !== undefined) },
            { contentType: 'text/x-shellscript; charset="us-ascii"', content: gvisorInstallScript(spec.aws.gvisorRelease, { gpu: pool.gpu !== undefined, register: false }) },
        ]);
    }
    return userData([{ contentType: "application/node.eks.aws", content: KATA_NODE_CONFIG }]);
}

export function launchTemplateArgs(spec: ResolvedSpec, role: string, diskSizeGb: number, extra: Partial<aws.ec2.LaunchTemplateArgs> = {}): aws.ec2.LaunchTemplateArgs {
    return {
        namePrefix: `${spec.name}-${role}-`,
        description: `Cloister ${spec.name} node group ${role}`,
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
        blockDeviceMappings: [
            // The account's EBS key: Auto Scaling's service-linked role, which launches the nodes, may use
            // it without a key-policy grant (a customer key here would fail every launch without one).
            { deviceName: "/dev/xvda", ebs: { volumeSize: diskSizeGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
        ],
        monitoring: { enabled: true },
        tagSpecifications: [{ resourceType: "instance", tags: { "cloister.dev/platform": spec.name, "cloister.dev/pool": role } }],
        tags: { "cloister.dev/platform": spec.name },
        ...extra,
    };
}

export function sandboxLaunchTemplateArgs(spec: ResolvedSpec, pool: ResolvedPool): aws.ec2.LaunchTemplateArgs {
    const type = awsInstanceType(pool)!;
    return launchTemplateArgs(spec, pool.name, pool.diskSizeGb, {
        userData: Buffer.from(poolUserData(spec, pool)).toString("base64"),
        // Kata runs VMs inside the instance: bare metal has /dev/kvm, the 8th-gen Intel types need this.
        cpuOptions: pool.isolation === Isolation.Kata && !isAwsMetal(type) ? { nestedVirtualization: "enabled" } : undefined,
    });
}

export function nodeGroupArgs(
    spec: ResolvedSpec,
    pool: Pick<ResolvedPool, "name" | "minNodes" | "maxNodes" | "spot" | "nodeLabels" | "taints" | "gpu">,
    instanceType: string,
    clusterName: pulumi.Input<string>,
    nodeRoleArn: pulumi.Input<string>,
    subnetIds: pulumi.Input<string>[],
    launchTemplate: aws.ec2.LaunchTemplate,
): aws.eks.NodeGroupArgs {
    return {
        clusterName,
        nodeGroupNamePrefix: `${pool.name}-`,
        nodeRoleArn,
        subnetIds,
        instanceTypes: [instanceType],
        amiType: pool.gpu ? "AL2023_x86_64_NVIDIA" : "AL2023_x86_64_STANDARD",
        capacityType: pool.spot ? "SPOT" : "ON_DEMAND",
        // desiredSize starts at minNodes; the cluster autoscaler owns it afterwards (ignored on update).
        scalingConfig: { minSize: pool.minNodes, maxSize: pool.maxNodes, desiredSize: pool.minNodes },
        updateConfig: { maxUnavailable: 1 },
        labels: pool.nodeLabels,
        taints: pool.taints.map((t) => ({ key: t.key, value: t.value || undefined, effect: EKS_EFFECT[t.effect] })),
        launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
        tags: { "cloister.dev/platform": spec.name, "cloister.dev/pool": pool.name },
    };
}

export function createNodeGroups(
    name: string,
    spec: ResolvedSpec,
    clusterName: pulumi.Input<string>,
    nodeRoleArn: pulumi.Input<string>,
    subnetIds: pulumi.Input<string>[],
    opts: pulumi.CustomResourceOptions,
): aws.eks.NodeGroup[] {
    const groupOpts = { ...opts, ignoreChanges: ["scalingConfig.desiredSize"] };
    const systemTemplate = new aws.ec2.LaunchTemplate(`${name}-lt-system`, launchTemplateArgs(spec, SYSTEM_POOL_NAME, spec.systemPool.diskSizeGb), opts);
    const systemPool = {
        name: SYSTEM_POOL_NAME,
        minNodes: Math.max(spec.systemPool.minNodes, 1),
        maxNodes: spec.systemPool.maxNodes,
        spot: false,
        nodeLabels: { "cloister.dev/pool": SYSTEM_POOL_NAME },
        taints: [],
    };
    const system = new aws.eks.NodeGroup(
        `${name}-pool-system`,
        nodeGroupArgs(spec, systemPool, spec.systemPool.machineType ?? AWS_DEFAULT_INSTANCE_TYPES.system, clusterName, nodeRoleArn, subnetIds, systemTemplate),
        groupOpts,
    );
    // Sandbox and GPU groups do not wait for each other or for the system group: EKS creates them in parallel.
    const pools = spec.pools.map((pool) => {
        const template = new aws.ec2.LaunchTemplate(`${name}-lt-${pool.name}`, sandboxLaunchTemplateArgs(spec, pool), opts);
        return new aws.eks.NodeGroup(
            `${name}-pool-${pool.name}`,
            nodeGroupArgs(spec, pool, awsInstanceType(pool)!, clusterName, nodeRoleArn, subnetIds, template),
            groupOpts,
        );
    });
    return [system, ...pools];
}
