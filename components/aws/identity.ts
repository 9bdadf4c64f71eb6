// Identities: the nodes' role (join the cluster, pull images, run the VPC CNI) and, through EKS Pod
// Identity (no IRSA annotations, no keys), a role per in-cluster component that calls AWS — today the
// EBS CSI controller only. The agent-sandbox control plane never calls AWS, so it gets none.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedSpec } from "../spec/defaults";
import { assumedBy } from "./cluster";

/** What nodes need: join EKS, pull from ECR, and (the VPC CNI's node agent) assign pod addresses. */
export const NODE_ROLE_POLICIES = [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
];
/** The EBS CSI controller's AWS-managed policy: create, attach, snapshot and delete volumes. */
export const EBS_CSI_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";
/** The trust principal of every Pod Identity role. */
export const POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com";

export interface EksIdentities {
    nodeRole: aws.iam.Role;
    nodeGrants: aws.iam.RolePolicyAttachment[];
    ebsCsiRole: aws.iam.Role;
    grants: pulumi.Resource[];
}

/**
 * The EBS CSI role may use the platform key for the volumes it creates (encrypted StorageClass): a grant
 * limited to EBS in this region, so the key opens no other service.
 */
export function ebsKeyPolicy(keyArn: string, region: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncrypt*"],
                Resource: keyArn,
                Condition: { StringEquals: { "kms:ViaService": `ec2.${region}.amazonaws.com` } },
            },
        ],
    });
}

export function createIdentities(name: string, spec: ResolvedSpec, opts: pulumi.CustomResourceOptions): EksIdentities {
    const tags = { "cloister.dev/platform": spec.name };
    const nodeRole = new aws.iam.Role(`${name}-node-role`, { assumeRolePolicy: assumedBy("ec2.amazonaws.com"), tags }, opts);
    const nodeGrants = NODE_ROLE_POLICIES.map(
        (policyArn) => new aws.iam.RolePolicyAttachment(`${name}-node-${policyArn.split("/").pop()}`, { role: nodeRole.name, policyArn }, opts),
    );
    const ebsCsiRole = new aws.iam.Role(`${name}-ebs-csi-role`, { assumeRolePolicy: assumedBy(POD_IDENTITY_PRINCIPAL), tags }, opts);
    const ebsGrant = new aws.iam.RolePolicyAttachment(`${name}-ebs-csi-policy`, { role: ebsCsiRole.name, policyArn: EBS_CSI_POLICY }, opts);
    return { nodeRole, nodeGrants, ebsCsiRole, grants: [ebsGrant] };
}

/** The EBS CSI role's use of the platform key, once the key exists. */
export function grantEbsKey(name: string, spec: ResolvedSpec, role: aws.iam.Role, keyArn: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(`${name}-ebs-csi-kms`, { role: role.name, policy: pulumi.output(keyArn).apply((arn) => ebsKeyPolicy(arn, spec.region!)) }, opts);
}
