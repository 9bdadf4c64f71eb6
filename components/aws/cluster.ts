// The EKS cluster: private API endpoint (public only for the spec's networks), API authentication with
// access entries, control-plane logs, secrets encrypted with a KMS key Cloister creates (or the spec's),
// deletion protection following the data-protection mode, and the managed add-ons a sandbox platform
// needs, each at an explicit version.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataOptions, ResolvedSpec } from "../spec/defaults";
import { DataProtection } from "../spec/types";
import { EksNetwork } from "./network";

/** The Kubernetes version EKS clusters get when the spec names none (in EKS standard support). */
export const EKS_DEFAULT_VERSION = "1.35";
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
export const EKS_ADMIN_POLICY = "arn:aws:iam::aws:policy/AmazonEKSClusterAdminPolicy";
/** The EBS CSI controller's ServiceAccount (the add-on's own name for it). */
export const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";

export const eksVersion = (spec: ResolvedSpec) => spec.kubernetesVersion ?? EKS_DEFAULT_VERSION;

/** Trust policy for a role an AWS service assumes. */
export const assumedBy = (service: string) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole", "sts:TagSession"] }] });

export interface EksCluster {
    cluster: aws.eks.Cluster;
    /** The key that encrypts Kubernetes secrets (and, by default, volumes and the bucket). */
    keyArn: pulumi.Output<string>;
    /** The node agents (CNI, kube-proxy, Pod Identity agent): nodes become Ready only with them. */
    nodeAddons: aws.eks.Addon[];
}

export function clusterArgs(spec: ResolvedSpec, network: EksNetwork, roleArn: pulumi.Input<string>, keyArn: pulumi.Input<string>): aws.eks.ClusterArgs {
    return {
        name: spec.name,
        version: eksVersion(spec),
        roleArn,
        vpcConfig: {
            subnetIds: network.privateSubnetIds,
            endpointPrivateAccess: true,
            endpointPublicAccess: !spec.network.privateEndpoint,
            publicAccessCidrs: spec.network.privateEndpoint ? undefined : spec.network.authorizedNetworks,
        },
        kubernetesNetworkConfig: { serviceIpv4Cidr: spec.network.serviceCidr, ipFamily: "ipv4" },
        // Access entries only (no aws-auth ConfigMap); the deploying identity becomes the first admin.
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        encryptionConfig: { provider: { keyArn }, resources: ["secrets"] },
        enabledClusterLogTypes: EKS_LOG_TYPES,
        deletionProtection: spec.dataProtection !== DataProtection.Destroy,
        // Cloister installs every add-on itself, at versions it names.
        bootstrapSelfManagedAddons: false,
        upgradePolicy: { supportType: "STANDARD" },
        tags: { "cloister.dev/platform": spec.name },
    };
}

/** Add-on configuration beyond the defaults: NetworkPolicy enforcement in the VPC CNI. */
export const ADDON_CONFIGURATION: Record<string, object> = {
    "vpc-cni": { enableNetworkPolicy: "true" },
};

export function createCluster(name: string, spec: ResolvedSpec, network: EksNetwork, opts: pulumi.CustomResourceOptions): EksCluster {
    const keep = dataOptions(spec);
    const key = spec.aws.secretsKmsKeyArn
        ? undefined
        : new aws.kms.Key(
              `${name}-key`,
              {
                  description: `Cloister ${spec.name}: Kubernetes secrets, sandbox volumes and the snapshot bucket`,
                  enableKeyRotation: true,
                  deletionWindowInDays: 30,
                  tags: { "cloister.dev/platform": spec.name },
              },
              { ...opts, ...keep },
          );
    const keyArn = key ? key.arn : pulumi.output(spec.aws.secretsKmsKeyArn!);
    const role = new aws.iam.Role(`${name}-cluster-role`, { assumeRolePolicy: assumedBy("eks.amazonaws.com"), tags: { "cloister.dev/platform": spec.name } }, opts);
    const policy = new aws.iam.RolePolicyAttachment(`${name}-cluster-policy`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" }, opts);
    // The control plane needs only its subnets; NAT and endpoints are for nodes and build alongside it.
    const cluster = new aws.eks.Cluster(`${name}-cluster`, clusterArgs(spec, network, role.arn, keyArn), { ...opts, dependsOn: [policy] });

    spec.aws.adminRoleArns.forEach((principalArn, i) => {
        const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, { clusterName: cluster.name, principalArn, type: "STANDARD" }, opts);
        new aws.eks.AccessPolicyAssociation(
            `${name}-admin-${i}`,
            { clusterName: cluster.name, principalArn, policyArn: EKS_ADMIN_POLICY, accessScope: { type: "cluster" } },
            { ...opts, dependsOn: [entry] },
        );
    });

    const nodeAddons = NODE_ADDONS.map((addon) => new aws.eks.Addon(`${name}-addon-${addon}`, addonArgs(spec, cluster.name, addon, opts.parent), opts));
    return { cluster, keyArn, nodeAddons };
}

/** Add-ons that run on every node (DaemonSets): created with the cluster, before the node groups. */
export const NODE_ADDONS = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"];

/** An add-on at an explicit version: the spec's, else the add-on's default for the cluster's Kubernetes version. */
export function addonArgs(spec: ResolvedSpec, clusterName: pulumi.Input<string>, addonName: string, parent?: pulumi.Resource): aws.eks.AddonArgs {
    return {
        clusterName,
        addonName,
        addonVersion: spec.aws.addonVersions[addonName] ?? aws.eks.getAddonVersionOutput({ addonName, kubernetesVersion: eksVersion(spec) }, { parent }).version,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        configurationValues: ADDON_CONFIGURATION[addonName] ? JSON.stringify(ADDON_CONFIGURATION[addonName]) : undefined,
    };
}

/**
 * Add-ons whose controllers are Deployments (CoreDNS, the snapshot controller, the EBS CSI controller with
 * its Pod Identity role): created once nodes exist, or each would stay degraded until they do.
 */
export function createWorkloadAddons(
    name: string,
    spec: ResolvedSpec,
    cluster: aws.eks.Cluster,
    ebsCsiRoleArn: pulumi.Input<string>,
    nodeGroups: pulumi.Resource[],
    opts: pulumi.CustomResourceOptions,
): aws.eks.Addon[] {
    const after = { ...opts, dependsOn: nodeGroups };
    const podIdentity = { podIdentityAssociations: [{ roleArn: ebsCsiRoleArn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT }] };
    return [
        new aws.eks.Addon(`${name}-addon-coredns`, addonArgs(spec, cluster.name, "coredns", opts.parent), after),
        new aws.eks.Addon(`${name}-addon-snapshot-controller`, addonArgs(spec, cluster.name, "snapshot-controller", opts.parent), after),
        new aws.eks.Addon(`${name}-addon-aws-ebs-csi-driver`, { ...addonArgs(spec, cluster.name, "aws-ebs-csi-driver", opts.parent), ...podIdentity }, after),
    ];
}

/** A kubeconfig that gets its token from `aws eks get-token` (no credential in the file itself). */
export function eksKubeconfig(args: { clusterName: string; region: string; endpoint: string; caCertificate: string }): string {
    const id = `cloister-${args.clusterName}`;
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: id, cluster: { server: args.endpoint, "certificate-authority-data": args.caCertificate } }],
        contexts: [{ name: id, context: { cluster: id, user: id } }],
        "current-context": id,
        users: [
            {
                name: id,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", args.clusterName, "--region", args.region, "--output", "json"],
                        interactiveMode: "Never",
                    },
                },
            },
        ],
    });
}
