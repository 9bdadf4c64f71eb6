// AWS rules (aws v7 resource tokens): the S3 snapshot bucket and its companion resources, the EKS
// cluster endpoint and logs, and node launch templates.
import { PolicyResource } from "@pulumi/policy";
import {
    asArray,
    asRecord,
    CloisterPolicy,
    CloisterResourcePolicy,
    CloisterStackPolicy,
    DEFAULT_ENFORCEMENT,
    describe,
    forTypes,
    get,
    isFalse,
    isTrue,
    known,
    ofTypes,
    opensToInternet,
} from "./common";

export const S3_BUCKET = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const S3_PUBLIC_ACCESS_BLOCK = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];
export const S3_SSE = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
export const S3_POLICY = ["aws:s3/bucketPolicy:BucketPolicy"];
export const S3_VERSIONING = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
export const EKS_CLUSTER = "aws:eks/cluster:Cluster";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
export const SUBNET = "aws:ec2/subnet:Subnet";

export const REQUIRED_EKS_LOG_TYPES = ["api", "audit", "authenticator"];
const PUBLIC_ACCESS_BLOCK_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

export const s3PublicAccessBlock: CloisterResourcePolicy = {
    name: "aws-s3-public-access-block",
    description: describe(
        "An S3 BucketPublicAccessBlock turns on all four blocks.",
        `set ${PUBLIC_ACCESS_BLOCK_FLAGS.join(", ")} all to true.`,
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateResource: forTypes(S3_PUBLIC_ACCESS_BLOCK, (props, _args, report) => {
        const off = PUBLIC_ACCESS_BLOCK_FLAGS.filter((flag) => !isTrue(props[flag]));
        if (off.length > 0) report(`${off.join(", ")} ${off.length > 1 ? "are" : "is"} not true.`);
    }),
};

export const s3SseKms: CloisterResourcePolicy = {
    name: "aws-s3-sse-kms",
    description: describe(
        "An S3 bucket's default encryption uses KMS (aws:kms or aws:kms:dsse), so access needs a key grant as well as a bucket grant and is logged in CloudTrail.",
        'set every rule\'s applyServerSideEncryptionByDefault.sseAlgorithm to "aws:kms" with kmsMasterKeyId (and bucketKeyEnabled: true to cut KMS calls).',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes(S3_SSE, (props, _args, report) => {
        const rules = asArray(props.rules);
        if (rules.length === 0) report("the configuration has no rules.");
        rules.forEach((rule, i) => {
            const algorithm = get(rule, "applyServerSideEncryptionByDefault.sseAlgorithm");
            if (algorithm !== "aws:kms" && algorithm !== "aws:kms:dsse") {
                report(`rules[${i}].applyServerSideEncryptionByDefault.sseAlgorithm is ${JSON.stringify(algorithm ?? "unset")}, not "aws:kms".`);
            }
        });
    }),
};

/** The policy document as an object, whether given as JSON text or as an object. */
function policyDocument(policy: unknown): Record<string, any> | undefined {
    if (typeof policy === "string") {
        try {
            return asRecord(JSON.parse(policy));
        } catch {
            return undefined;
        }
    }
    return policy && typeof policy === "object" ? asRecord(policy) : undefined;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** A statement that denies every principal every S3 action over plain HTTP. */
export function deniesInsecureTransport(statement: Record<string, any>): boolean {
    if (statement?.Effect !== "Deny") return false;
    const principal = statement.Principal;
    const everyone = principal === "*" || list(get(principal, "AWS")).includes("*");
    const actions = list(statement.Action);
    const allActions = actions.includes("s3:*") || actions.includes("*");
    const condition = get(statement, "Condition.Bool")?.["aws:SecureTransport"];
    const onHttp = list(condition).some((v) => v === false || v === "false");
    return everyone && allActions && onHttp;
}

export const s3TlsOnly: CloisterResourcePolicy = {
    name: "aws-s3-tls-only",
    description: describe(
        "An S3 bucket policy refuses plain-HTTP access: a statement denies s3:* to every principal when aws:SecureTransport is false.",
        'add { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [<bucket ARN>, <bucket ARN>/*], Condition: { Bool: { "aws:SecureTransport": "false" } } } to the BucketPolicy.',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes(S3_POLICY, (props, _args, report) => {
        const doc = policyDocument(props.policy);
        if (!doc) {
            report("the policy is not a readable JSON policy document.");
            return;
        }
        if (!list(doc.Statement).some((s) => deniesInsecureTransport(asRecord(s)))) {
            report('no statement denies s3:* to "*" when aws:SecureTransport is false.');
        }
    }),
};

export const s3Versioning: CloisterResourcePolicy = {
    name: "aws-s3-versioning",
    description: describe(
        "An S3 bucket keeps object versions, so an overwritten or deleted snapshot can be recovered.",
        'set versioningConfiguration: { status: "Enabled" } on the BucketVersioning; bound the cost with a lifecycle rule on noncurrent versions.',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "medium",
    validateResource: forTypes(S3_VERSIONING, (props, _args, report) => {
        const status = get(props, "versioningConfiguration.status");
        if (status !== "Enabled") report(`versioningConfiguration.status is ${JSON.stringify(status ?? "unset")}, not "Enabled".`);
    }),
};

/**
 * Whether a companion resource (public access block, policy, …) configures the given bucket: through
 * the `bucket` property's dependency on it, else by the bucket's name or ID.
 */
export function configuresBucket(companion: PolicyResource, bucket: PolicyResource): boolean {
    const viaProperty = companion.propertyDependencies?.bucket ?? [];
    if (viaProperty.length > 0) return viaProperty.some((r) => r.urn === bucket.urn);
    const target = known(() => companion.props?.bucket, undefined);
    const names = known(() => [bucket.props?.bucket, bucket.props?.id], []);
    if (typeof target === "string" && target !== "" && [...names, bucket.name].includes(target)) return true;
    return (companion.dependencies ?? []).some((r) => r.urn === bucket.urn);
}

const COMPANIONS: { types: string[]; what: string }[] = [
    { types: S3_PUBLIC_ACCESS_BLOCK, what: "BucketPublicAccessBlock" },
    { types: S3_SSE, what: "BucketServerSideEncryptionConfiguration" },
    { types: S3_POLICY, what: "BucketPolicy (TLS only)" },
    { types: S3_VERSIONING, what: "BucketVersioning" },
];

export const s3BucketCompanions: CloisterStackPolicy = {
    name: "aws-s3-bucket-companions",
    description: describe(
        "Every S3 bucket in the stack has its four companion resources: a BucketPublicAccessBlock, a BucketServerSideEncryptionConfiguration, a BucketPolicy and a BucketVersioning (their contents are checked by the aws-s3-* rules).",
        "create the missing resources with `bucket: <bucket>.id` (aws v7 configures these outside aws.s3.Bucket).",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateStack: (args, report) => {
        for (const bucket of ofTypes(args.resources, S3_BUCKET)) {
            for (const companion of COMPANIONS) {
                if (!ofTypes(args.resources, companion.types).some((c) => configuresBucket(c, bucket))) {
                    report(`S3 bucket "${bucket.name}" has no ${companion.what}.`, bucket.urn);
                }
            }
        }
    },
};

export const eksEndpoint: CloisterResourcePolicy = {
    name: "aws-eks-endpoint-not-public",
    description: describe(
        "An EKS cluster's API endpoint is not open to the internet: the public endpoint is off, or limited by publicAccessCidrs that exclude 0.0.0.0/0 (EKS's default when the public endpoint is on).",
        "set vpcConfig.endpointPublicAccess: false with endpointPrivateAccess: true, or list the administrators' networks in vpcConfig.publicAccessCidrs.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([EKS_CLUSTER], (props, _args, report) => {
        const vpc = asRecord(props.vpcConfig);
        if (isFalse(vpc.endpointPublicAccess)) return;
        const cidrs = asArray(vpc.publicAccessCidrs);
        if (cidrs.length === 0) {
            report("the public endpoint is on (EKS's default) without vpcConfig.publicAccessCidrs, so it is open to 0.0.0.0/0.");
        }
        cidrs.forEach((cidr, i) => {
            if (opensToInternet(cidr)) report(`vpcConfig.publicAccessCidrs[${i}] ${cidr} opens the Kubernetes API to the internet.`);
        });
    }),
};

export const eksControlPlaneLogs: CloisterResourcePolicy = {
    name: "aws-eks-control-plane-logs",
    description: describe(
        `An EKS cluster sends its ${REQUIRED_EKS_LOG_TYPES.join(", ")} logs to CloudWatch, so API calls and who made them are on record.`,
        `include ${REQUIRED_EKS_LOG_TYPES.map((t) => `"${t}"`).join(", ")} in enabledClusterLogTypes.`,
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "medium",
    validateResource: forTypes([EKS_CLUSTER], (props, _args, report) => {
        const enabled = asArray(props.enabledClusterLogTypes);
        const missing = REQUIRED_EKS_LOG_TYPES.filter((t) => !enabled.includes(t));
        if (missing.length > 0) report(`enabledClusterLogTypes lacks ${missing.join(", ")}.`);
    }),
};

export const launchTemplateImdsv2: CloisterResourcePolicy = {
    name: "aws-launch-template-imdsv2",
    description: describe(
        "An EC2 launch template requires IMDSv2 session tokens with a hop limit of 1, so pods (one hop away) cannot read the node's instance credentials.",
        'set metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } (or httpEndpoint: "disabled").',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateResource: forTypes([LAUNCH_TEMPLATE], (props, _args, report) => {
        const metadata = asRecord(props.metadataOptions);
        if (metadata.httpEndpoint === "disabled") return;
        if (metadata.httpTokens !== "required") report(`metadataOptions.httpTokens is ${JSON.stringify(metadata.httpTokens ?? "unset")}, not "required".`);
        const hops = Number(metadata.httpPutResponseHopLimit);
        if (metadata.httpPutResponseHopLimit === undefined || !(hops === 1)) {
            report(`metadataOptions.httpPutResponseHopLimit is ${JSON.stringify(metadata.httpPutResponseHopLimit ?? "unset")}, not 1.`);
        }
    }),
};

export const launchTemplateEncryptedVolumes: CloisterResourcePolicy = {
    name: "aws-launch-template-encrypted-volumes",
    description: describe(
        "Every EBS volume an EC2 launch template attaches is encrypted (node root disks hold images, logs and sandbox scratch data).",
        'set blockDeviceMappings[].ebs.encrypted: "true" (with kmsKeyId for a customer key).',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([LAUNCH_TEMPLATE], (props, _args, report) => {
        asArray(props.blockDeviceMappings).forEach((mapping, i) => {
            const ebs = asRecord(get(mapping, "ebs"));
            if (Object.keys(ebs).length > 0 && !isTrue(ebs.encrypted)) report(`blockDeviceMappings[${i}].ebs.encrypted is ${JSON.stringify(ebs.encrypted ?? "unset")}, not "true".`);
        });
    }),
};

export const nodeGroupHardened: CloisterResourcePolicy = {
    name: "aws-node-group-launch-template",
    description: describe(
        "An EKS managed node group launches from a launch template (so the IMDSv2, encryption and SSH rules above apply to its nodes) and opens no SSH access.",
        "set launchTemplate: { id, version } and leave remoteAccess unset.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([NODE_GROUP], (props, _args, report) => {
        if (!get(props, "launchTemplate.id") && !get(props, "launchTemplate.name")) report("the node group has no launchTemplate, so its nodes get EKS's default metadata and disk settings.");
        if (props.remoteAccess !== undefined) report("remoteAccess opens SSH to the nodes.");
    }),
};

export const subnetNoPublicIps: CloisterResourcePolicy = {
    name: "aws-subnet-no-public-ips",
    description: describe(
        "No subnet gives instances launched into it a public IP address: nodes live in private subnets, and public subnets hold only NAT gateways.",
        "set mapPublicIpOnLaunch: false (and assignIpv6AddressOnCreation: false).",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([SUBNET], (props, _args, report) => {
        if (isTrue(props.mapPublicIpOnLaunch)) report("mapPublicIpOnLaunch is true: every instance launched here gets a public IP address.");
        if (isTrue(props.assignIpv6AddressOnCreation)) report("assignIpv6AddressOnCreation is true: instances get globally routable IPv6 addresses.");
    }),
};

export const eksSecretsEncryption: CloisterResourcePolicy = {
    name: "aws-eks-secrets-encryption",
    description: describe(
        "An EKS cluster envelope-encrypts Kubernetes secrets with a KMS key the account controls.",
        'set encryptionConfig: { provider: { keyArn }, resources: ["secrets"] }.',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "medium",
    validateResource: forTypes([EKS_CLUSTER], (props, _args, report) => {
        const config = asRecord(props.encryptionConfig);
        if (!asArray(config.resources).includes("secrets") || !get(config, "provider.keyArn")) report("encryptionConfig does not encrypt secrets with a KMS key.");
    }),
};

export const awsPolicies: CloisterPolicy[] = [
    s3PublicAccessBlock,
    s3SseKms,
    s3TlsOnly,
    s3Versioning,
    s3BucketCompanions,
    eksEndpoint,
    eksControlPlaneLogs,
    launchTemplateImdsv2,
    launchTemplateEncryptedVolumes,
    nodeGroupHardened,
    subnetNoPublicIps,
    eksSecretsEncryption,
];
