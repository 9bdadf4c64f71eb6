// EKS's own rules for a platform spec. Pure: no Pulumi calls, no config reads. `validatePlatformSpec`
// concatenates these with the cloud-neutral checks when the target is "aws"; the policy pack can call
// them too.
import { RUNTIME_OVERHEAD } from "../kubernetes/facts";
import { CapacityFacts } from "../spec/capacity";
import {
    AWS_ACCELERATORS,
    AWS_GPU_INSTANCES,
    AWS_NESTED_VIRTUALIZATION_FAMILIES,
    awsInstanceFamily,
    awsInstanceShape,
    eksAllocatable,
    isAwsMetal,
} from "../spec/cloudFacts";
import { AWS_GPU_INSTANCE_TYPES, awsInstanceType, resolveSpec, ResolvedSpec } from "../spec/defaults";
import { suggestKey } from "../spec/schema";
import { Isolation, PlatformSpec } from "../spec/types";
import { gvisorReleaseProblems, SpecProblem } from "../spec/validate";

/** AWS region names: `us-east-1`, `eu-central-2`, `us-gov-west-1`. */
export const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ACCOUNT_ID = /^\d{12}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[0-9a-f-]{36}$/;

/** The EKS add-ons Cloister installs and manages. */
export const EKS_ADDONS = ["vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "aws-ebs-csi-driver", "snapshot-controller"];
/** Cloister names the platform's own node group this; sandbox pools must use other names. */
export const AWS_RESERVED_POOL_NAMES = ["system"];

/** What an EKS node offers sandboxes; Cloister's runsc and kata classes declare the pod overhead. */
export const eksCapacityFacts: CapacityFacts = {
    allocatable: (pool) => {
        const type = awsInstanceType(pool);
        const shape = type ? awsInstanceShape(type) : undefined;
        // The memory reserve grows with the pods a node may run: kubelet's cap of 110 (VPC CNI may allow fewer).
        return shape ? eksAllocatable(shape, 110) : undefined;
    },
    overhead: RUNTIME_OVERHEAD,
};

/** The instance types Kata can use: bare metal, or an 8th-generation Intel type with nested virtualization. */
export const canRunKata = (instanceType: string) => isAwsMetal(instanceType) || AWS_NESTED_VIRTUALIZATION_FAMILIES.includes(awsInstanceFamily(instanceType));

/** The snapshot bucket's name prefix (S3 adds a unique suffix): `<name>-snapshots-`. */
export const snapshotBucketPrefix = (spec: Pick<ResolvedSpec, "name">) => `${spec.name}-snapshots-`;

function poolPaths(spec: PlatformSpec): string[] {
    return [...(spec.sandboxPools ?? []).map((_, i) => `sandboxPools[${i}]`), ...(spec.gpuPools ?? []).map((_, i) => `gpuPools[${i}]`)];
}

function checkGpuInstance(problems: SpecProblem[], path: string, type: string | undefined, model: string, count: number) {
    if (!AWS_ACCELERATORS.includes(model)) {
        const near = suggestKey(model, AWS_ACCELERATORS);
        problems.push({ path: `${path}.acceleratorType`, reason: `"${model}" is not an EC2 GPU model${near ? `; did you mean "${near}"?` : ""} (known: ${AWS_ACCELERATORS.join(", ")})` });
        return;
    }
    const carriers = Object.entries(AWS_GPU_INSTANCES).filter(([, m]) => m.accelerator === model);
    if (!type) {
        problems.push({
            path: `${path}.machineType`,
            reason: `no default instance type for ${count} × ${model} per node (defaults exist for ${Object.keys(AWS_GPU_INSTANCE_TYPES[model] ?? {}).join(", ")}); set machineType to one of ${carriers.map(([t, m]) => `${t} (${m.gpus})`).join(", ")}`,
        });
        return;
    }
    const fixed = AWS_GPU_INSTANCES[type];
    if (!fixed) {
        problems.push({ path: `${path}.machineType`, reason: `"${type}" carries no GPU the tables know; ${model} comes on ${carriers.map(([t]) => t).join(", ")}` });
    } else if (fixed.accelerator !== model) {
        problems.push({ path: `${path}.machineType`, reason: `"${type}" carries ${fixed.accelerator}, not ${model}; ${model} comes on ${carriers.map(([t]) => t).join(", ")}` });
    } else if (fixed.gpus !== count) {
        problems.push({ path: `${path}.acceleratorCount`, reason: `"${type}" carries exactly ${fixed.gpus} × ${model}; set acceleratorCount to ${fixed.gpus}` });
    }
}

/** Every EKS-specific problem with a spec whose target is "aws"; an empty list means valid. */
export function validateAwsSpec(spec: PlatformSpec): SpecProblem[] {
    const problems: SpecProblem[] = [];
    if (typeof spec !== "object" || spec === null) return problems;
    const aws = spec.aws ?? {};
    const region = typeof spec.region === "string" && AWS_REGION.test(spec.region) ? spec.region : undefined;
    if (spec.region !== undefined && !region) {
        problems.push({ path: "region", reason: `${JSON.stringify(spec.region)} is not an AWS region name such as "us-east-1" or "eu-central-1" (a zone such as "us-east-1a" is not a region)` });
    }
    if (aws.accountId && !ACCOUNT_ID.test(aws.accountId)) {
        problems.push({ path: "aws.accountId", reason: `${JSON.stringify(aws.accountId)} is not an AWS account ID (12 digits)` });
    }
    const resolved = resolveSpec(spec);

    // Network: zones of the region, or an existing VPC with private subnets in two zones.
    const usesExisting = aws.existingVpcId !== undefined || aws.existingPrivateSubnetIds !== undefined;
    if (usesExisting) {
        if (!aws.existingVpcId || (typeof aws.existingVpcId === "string" && !VPC_ID.test(aws.existingVpcId))) {
            problems.push({ path: "aws.existingVpcId", reason: `${JSON.stringify(aws.existingVpcId)} must be a VPC ID (vpc-…) when existingPrivateSubnetIds is set` });
        }
        const subnets = aws.existingPrivateSubnetIds ?? [];
        if (subnets.length < 2) problems.push({ path: "aws.existingPrivateSubnetIds", reason: "EKS needs private subnets in at least two availability zones: list two or more subnet IDs" });
        subnets.forEach((s, i) => {
            if (typeof s === "string" && !SUBNET_ID.test(s)) problems.push({ path: `aws.existingPrivateSubnetIds[${i}]`, reason: `${JSON.stringify(s)} is not a subnet ID (subnet-…)` });
        });
    } else if (region) {
        const zones = resolved.aws.availabilityZones;
        if (zones.length < 2) problems.push({ path: "aws.availabilityZones", reason: "EKS needs subnets in at least two availability zones: list two or more" });
        zones.forEach((z, i) => {
            if (!new RegExp(`^${region}[a-z]$`).test(z)) problems.push({ path: `aws.availabilityZones[${i}]`, reason: `${JSON.stringify(z)} is not a zone of region "${region}" (e.g. "${region}a")` });
        });
        if (new Set(zones).size !== zones.length) problems.push({ path: "aws.availabilityZones", reason: "a zone is listed twice" });
    }
    // network.ts splits the VPC into /(n+4) private and /(n+8) public subnets: n must leave room for both.
    const vpcPrefix = Number(resolved.network.vpcCidr.split("/")[1]);
    if (!usesExisting && !(vpcPrefix >= 16 && vpcPrefix <= 20)) {
        problems.push({ path: "network.vpcCidr", reason: `${resolved.network.vpcCidr} must be a /16 to /20 on AWS (private subnets are a sixteenth of it, NAT subnets a 256th)` });
    }
    if (!resolved.network.privateEndpoint && resolved.network.authorizedNetworks.length === 0) {
        problems.push({ path: "network.authorizedNetworks", reason: "a public EKS endpoint needs the networks allowed to reach it (EKS would open it to 0.0.0.0/0): list them, or keep network.privateEndpoint true" });
    }

    // Keys, roles and the gVisor release.
    for (const [path, arn] of [["aws.secretsKmsKeyArn", aws.secretsKmsKeyArn], ["snapshotBucket.kmsKeyId", spec.snapshotBucket?.kmsKeyId]] as const) {
        if (typeof arn !== "string") continue;
        const m = KMS_KEY_ARN.exec(arn);
        if (!m) problems.push({ path, reason: `${JSON.stringify(arn)} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)` });
        else if (region && m[1] !== region) problems.push({ path, reason: `the key is in "${m[1]}" but the platform is in "${region}"; KMS keys are regional` });
    }
    (aws.adminRoleArns ?? []).forEach((arn, i) => {
        if (!ROLE_ARN.test(arn)) problems.push({ path: `aws.adminRoleArns[${i}]`, reason: `${JSON.stringify(arn)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)` });
    });
    problems.push(...gvisorReleaseProblems("aws.gvisorRelease", aws.gvisorRelease));
    for (const addon of Object.keys(aws.addonVersions ?? {})) {
        if (!EKS_ADDONS.includes(addon)) {
            const near = suggestKey(addon, EKS_ADDONS);
            problems.push({ path: `aws.addonVersions["${addon}"]`, reason: `not an add-on Cloister manages${near ? `; did you mean "${near}"?` : ""} (${EKS_ADDONS.join(", ")})` });
        }
    }

    // Pools.
    const paths = poolPaths(spec);
    resolved.pools.forEach((pool, i) => {
        const path = paths[i];
        if (AWS_RESERVED_POOL_NAMES.includes(pool.name)) {
            problems.push({ path: `${path}.name`, reason: `"${pool.name}" is the platform's own node group; choose another name` });
        }
        const type = awsInstanceType(pool);
        if (pool.gpu) {
            if (pool.isolation === Isolation.Kata) {
                problems.push({ path: `${path}.isolation`, reason: 'GPU pools on EKS must use "gvisor" isolation (nvproxy); Kata GPU passthrough is not supported by Cloister' });
            }
            checkGpuInstance(problems, path, type, pool.gpu.acceleratorType, pool.gpu.acceleratorCount);
            return;
        }
        if (pool.isolation === Isolation.Kata && type && !canRunKata(type)) {
            problems.push({
                path: `${path}.machineType`,
                reason: `"${type}" cannot run VMs, which kata needs: use bare metal (*.metal) or an 8th-generation Intel type with nested virtualization (${AWS_NESTED_VIRTUALIZATION_FAMILIES.join(", ")}, e.g. "c8i.2xlarge")`,
            });
        }
    });
    return problems;
}
