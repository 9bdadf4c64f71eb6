// AWS: the offline plan of the aws-dev stack (run as a user runs it) and the pure EKS validator. Expected
// values come from the stack file, from EKS's and EC2's documented settings, or from the issue's
// requirements, not from the implementation.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { validateAwsSpec } from "../components/aws";
import { subnetCidrs } from "../components/aws/network";
import { cidrsOverlap, parseIpv4Cidr } from "../components/spec/validate";
import { PlatformSpec } from "../components/spec/types";
import { PlannedResource } from "../scripts/mocks";
import { criticalPath, TYPICAL_SECONDS } from "../scripts/criticalPath";
import { ofType, one, plan, Plan, ROOT, runPlanWithConfig } from "./plan";

const stackFile = yaml.load(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.aws-dev.yaml"), "utf8")) as { config: Record<string, any> };
const cfg = (key: string) => stackFile.config[`cloister:${key}`];
const NAME: string = cfg("name");
const ZONES: string[] = cfg("aws").availabilityZones;
const sandboxPools: any[] = cfg("sandboxPools");
const gpuPools: any[] = cfg("gpuPools");

const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    nat: "aws:ec2/natGateway:NatGateway",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    cluster: "aws:eks/cluster:Cluster",
    addon: "aws:eks/addon:Addon",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    role: "aws:iam/role:Role",
    key: "aws:kms/key:Key",
    bucket: "aws:s3/bucket:Bucket",
};
const inputs = (r: PlannedResource) => r.inputs as any;
const id = (r: PlannedResource) => `${r.type}::${r.name}`;
/** The ID a resource gets (the mocks give `<name>-id`), as other resources' inputs carry it. */
const cloudId = (r: PlannedResource) => `${r.name}-id`;

describe("plan of aws-dev", () => {
    const p = plan("aws-dev");
    const cluster = inputs(one(p, T.cluster));
    const groups = ofType(p, T.nodeGroup);
    const group = (pool: string) => groups.find((g) => g.name.endsWith(`-pool-${pool}`))!;
    const templateOf = (g: PlannedResource) => p.resources.find((r) => cloudId(r) === inputs(g).launchTemplate.id)!;
    const addon = (name: string) => ofType(p, T.addon).find((a) => inputs(a).addonName === name)!;

    it("uses @pulumi/aws resources directly under one AwsSandboxCluster (no remote components)", () => {
        const cloud = p.resources.filter((r) => r.type.startsWith("aws:"));
        expect(cloud.length).toBeGreaterThan(30);
        for (const r of cloud) expect(r.parent).toBe(`cloister:index:AwsSandboxCluster::${NAME}-aws`);
        expect(p.resources.filter((r) => r.type.startsWith("eks:") || r.type.startsWith("awsx:"))).toEqual([]);
    });

    it("puts nodes in private subnets across the zones; public subnets only for the one NAT gateway", () => {
        const subnets = ofType(p, T.subnet).map(inputs);
        const privateSubnets = subnets.filter((s) => s.tags.Name.includes("private"));
        expect(privateSubnets.map((s) => s.availabilityZone).sort()).toEqual([...ZONES].sort());
        for (const s of subnets) expect(s.mapPublicIpOnLaunch).toBe(false);
        const privateIds = ofType(p, T.subnet).filter((s) => inputs(s).tags.Name.includes("private")).map(cloudId);
        for (const g of groups) expect([...inputs(g).subnetIds].sort()).toEqual([...privateIds].sort());
        expect(inputs(one(p, T.cluster)).vpcConfig.subnetIds.sort()).toEqual([...privateIds].sort());
        // One NAT by default for dev (natGatewayPerAz: false), in a public subnet.
        const nats = ofType(p, T.nat);
        expect(nats).toHaveLength(1);
        expect(p.resources.find((r) => cloudId(r) === inputs(nats[0]).subnetId)!.inputs).toMatchObject({ tags: { Name: expect.stringContaining("public") } });
    });

    it("keeps node traffic to S3, ECR, STS and EKS off the NAT with VPC endpoints", () => {
        const endpoints = ofType(p, T.endpoint).map(inputs);
        const service = (s: string) => endpoints.find((e) => e.serviceName === `com.amazonaws.us-east-1.${s}`);
        expect(service("s3")).toMatchObject({ vpcEndpointType: "Gateway" });
        for (const s of ["ecr.api", "ecr.dkr", "sts", "eks", "eks-auth"]) expect(service(s), s).toMatchObject({ vpcEndpointType: "Interface", privateDnsEnabled: true });
    });

    it("runs EKS with the private endpoint, public only for the stack's networks, API access entries, logs, encrypted secrets and deletion protection", () => {
        expect(cluster.version).toBe(cfg("kubernetesVersion"));
        expect(cluster.vpcConfig).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: cfg("network").authorizedNetworks });
        expect(cluster.accessConfig).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true });
        expect(cluster.enabledClusterLogTypes).toEqual(expect.arrayContaining(["api", "audit", "authenticator"]));
        expect(cluster.encryptionConfig.resources).toEqual(["secrets"]);
        expect(cluster.encryptionConfig.provider.keyArn).toMatch(/^arn:aws:kms:/);
        // dataProtection retain: the cluster cannot be deleted by accident, the key is protected.
        expect(cluster.deletionProtection).toBe(true);
        expect(one(p, T.key).options).toEqual({ protect: true, retainOnDelete: true });
        expect(inputs(one(p, T.key)).enableKeyRotation).toBe(true);
    });

    it("installs the platform's add-ons, each at an explicit version, with NetworkPolicy on in the VPC CNI", () => {
        const names = ofType(p, T.addon).map((a) => inputs(a).addonName).sort();
        expect(names).toEqual(["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "snapshot-controller", "vpc-cni"]);
        for (const a of ofType(p, T.addon)) expect(inputs(a).addonVersion, inputs(a).addonName).toBeTruthy();
        expect(JSON.parse(inputs(addon("vpc-cni")).configurationValues)).toEqual({ enableNetworkPolicy: "true" });
        expect(cluster.bootstrapSelfManagedAddons).toBe(false);
    });

    it("gives the EBS CSI controller its role through Pod Identity, and nothing else an AWS identity", () => {
        const ebs = inputs(addon("aws-ebs-csi-driver"));
        expect(ebs.podIdentityAssociations).toHaveLength(1);
        expect(ebs.podIdentityAssociations[0].serviceAccount).toBe("ebs-csi-controller-sa");
        const role = ofType(p, T.role).find((r) => ebs.podIdentityAssociations[0].roleArn.endsWith(`:role/${r.name}`))!;
        expect(JSON.parse(inputs(role).assumeRolePolicy).Statement[0].Principal).toEqual({ Service: "pods.eks.amazonaws.com" });
        const attached = ofType(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => inputs(a).role === role.name);
        expect(attached.map((a) => inputs(a).policyArn)).toEqual(["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]);
        // No IRSA: the controller's ServiceAccount carries no role annotation.
        const sa = p.resources.find((r) => r.type === "kubernetes:core/v1:ServiceAccount" && inputs(r).metadata.name === "agent-sandbox-controller")!;
        expect(inputs(sa).metadata.annotations ?? {}).not.toHaveProperty("eks.amazonaws.com/role-arn");
    });

    it("launches every node with IMDSv2 (hop limit 1), an encrypted gp3 root volume and no SSH key", () => {
        const templates = ofType(p, T.launchTemplate);
        expect(templates).toHaveLength(1 + sandboxPools.length + gpuPools.length);
        for (const t of templates.map(inputs)) {
            expect(t.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
            expect(t.blockDeviceMappings[0].ebs).toMatchObject({ volumeType: "gp3", encrypted: "true" });
            expect(t.keyName).toBeUndefined();
        }
        for (const g of groups) expect(inputs(g).remoteAccess).toBeUndefined();
    });

    it("labels and taints the groups per the spec, scales sandbox and GPU groups from 0 and uses spot where asked", () => {
        for (const pool of [...sandboxPools, ...gpuPools]) {
            const g = inputs(group(pool.name));
            expect(g.instanceTypes).toEqual([pool.machineType]);
            expect(g.labels).toMatchObject({ "cloister.dev/pool": pool.name, "cloister.dev/isolation": pool.isolation });
            expect(g.taints).toEqual(expect.arrayContaining([{ key: "cloister.dev/isolation", value: pool.isolation, effect: "NO_SCHEDULE" }]));
            expect(g.scalingConfig).toMatchObject({ minSize: pool.minNodes, maxSize: pool.maxNodes });
            expect(g.capacityType).toBe(pool.spot ? "SPOT" : "ON_DEMAND");
        }
        expect(inputs(group("l4")).amiType).toBe("AL2023_x86_64_NVIDIA");
        expect(inputs(group("l4")).taints).toEqual(expect.arrayContaining([{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }]));
        expect(inputs(group("gvisor")).amiType).toBe("AL2023_x86_64_STANDARD");
        expect(inputs(group("system")).scalingConfig.minSize).toBeGreaterThanOrEqual(1);
    });

    it("installs runsc at boot from the pinned release, checksummed, and registers it through nodeadm (containerd 2 keys)", () => {
        const data = Buffer.from(inputs(templateOf(group("gvisor"))).userData, "base64").toString();
        expect(data).toMatch(/Content-Type: application\/node\.eks\.aws\n\napiVersion: node\.eks\.aws\/v1alpha1\nkind: NodeConfig/);
        expect(data).toContain("[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc]");
        expect(data).toContain('runtime_type = "io.containerd.runsc.v1"');
        expect(data).not.toContain("io.containerd.grpc.v1.cri");
        expect(data).toContain("https://storage.googleapis.com/gvisor/releases/release}/$release/");
        expect(data).toContain("release=20260921.0");
        expect(data).toMatch(/sha512sum -c/);
        expect(data).not.toMatch(/\/etc\/containerd\/config\.toml/);
        // GPU sandboxes run under gVisor's nvproxy.
        expect(Buffer.from(inputs(templateOf(group("l4"))).userData, "base64").toString()).toContain('nvproxy = "true"');
    });

    it("turns on nested virtualization for the kata group's 8th-generation Intel instances", () => {
        expect(inputs(templateOf(group("kata"))).cpuOptions).toEqual({ nestedVirtualization: "enabled" });
        expect(inputs(templateOf(group("gvisor"))).cpuOptions).toBeUndefined();
    });

    it("creates node groups side by side: none waits on another", () => {
        const groupIds = groups.map(id);
        for (const g of groups) expect(g.dependsOn.filter((d) => groupIds.includes(d))).toEqual([]);
    });

    it("models the deploy's critical path as cluster → node add-ons → one node group → workload add-ons, the network alongside", () => {
        const path = criticalPath(p.resources);
        const slow = path.chain.filter((k) => TYPICAL_SECONDS[k.split("::")[0]] !== undefined).map((k) => k.split("::")[0]);
        expect(slow.slice(0, 4)).toEqual(["aws:eks/cluster:Cluster", "aws:eks/addon:Addon", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon"]);
        // Neither the NAT gateway nor the endpoints hold up the control plane.
        expect(path.chain.filter((k) => /natGateway|vpcEndpoint/.test(k))).toEqual([]);
        const sum = (types: string[]) => types.reduce((s, t) => s + TYPICAL_SECONDS[t], 0);
        expect(path.seconds).toBeLessThan(sum(["aws:eks/cluster:Cluster", "aws:eks/addon:Addon", "aws:eks/nodeGroup:NodeGroup", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon"]));
    });

    it("stores snapshots in a private, KMS-encrypted, TLS-only, versioned S3 bucket that is kept", () => {
        const bucket = one(p, T.bucket);
        expect(bucket.options).toEqual({ protect: true, retainOnDelete: true });
        expect(inputs(bucket).forceDestroy).toBe(false);
        const of = (type: string) => inputs(one(p, type));
        expect(of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        expect(of("aws:s3/bucketOwnershipControls:BucketOwnershipControls").rule.objectOwnership).toBe("BucketOwnerEnforced");
        expect(of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules[0]).toMatchObject({ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true });
        expect(of("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration.status).toBe("Enabled");
        expect(of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules[0]).toMatchObject({ expiration: { days: cfg("snapshotBucket").retentionDays } });
    });

    it("hands SandboxRuntime an encrypted gp3 EBS StorageClass, its VolumeSnapshotClass, the runsc class and the device plugin", () => {
        const sc = inputs(one(p, "kubernetes:storage.k8s.io/v1:StorageClass"));
        expect(sc.provisioner).toBe("ebs.csi.aws.com");
        expect(sc.parameters).toMatchObject({ type: "gp3", encrypted: "true", kmsKeyId: expect.stringMatching(/^arn:aws:kms:/) });
        expect(inputs(one(p, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass")).driver).toBe("ebs.csi.aws.com");
        const classes = ofType(p, "kubernetes:node.k8s.io/v1:RuntimeClass").map(inputs);
        expect(classes.find((c) => c.metadata.labels["cloister.dev/isolation"] === "gvisor").handler).toBe("runsc");
        const charts = ofType(p, "kubernetes:helm.sh/v4:Chart").map(inputs);
        expect(charts.map((c) => c.chart).sort()).toEqual(["nvidia-device-plugin", "oci://ghcr.io/kata-containers/kata-deploy-charts/kata-deploy"]);
    });
});

describe("the modes aws-dev does not use", () => {
    const variant = (lines: string[]): Plan => {
        const run = runPlanWithConfig("aws-variant", [
            "aws:region: us-east-1",
            "cloister:target: aws",
            "cloister:name: variant",
            "cloister:region: us-east-1",
            "cloister:sandboxPools: [{name: gv, isolation: gvisor}]",
            "cloister:templates: [{name: py, image: img, isolation: gvisor}]",
            ...lines,
        ]);
        expect(run.stderr).toBe("");
        return JSON.parse(run.stdout) as Plan;
    };
    const KEY = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    const ADMIN = "arn:aws:iam::123456789012:role/platform-admins";

    it("uses an existing VPC and key, adds admin access entries, and lets a destroy stack go", () => {
        const p = variant([
            `cloister:aws: {existingVpcId: vpc-0123456789abcdef0, existingPrivateSubnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1], secretsKmsKeyArn: "${KEY}", adminRoleArns: ["${ADMIN}"]}`,
            "cloister:dataProtection: destroy",
        ]);
        for (const type of [T.vpc, T.subnet, T.nat, T.endpoint, T.key]) expect(ofType(p, type), type).toEqual([]);
        const cluster = inputs(one(p, T.cluster));
        expect(cluster.vpcConfig.subnetIds).toEqual(["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]);
        expect(cluster.vpcConfig.endpointPublicAccess).toBe(false);
        expect(cluster.encryptionConfig.provider.keyArn).toBe(KEY);
        expect(cluster.deletionProtection).toBe(false);
        expect(inputs(one(p, "aws:eks/accessEntry:AccessEntry")).principalArn).toBe(ADMIN);
        expect(inputs(one(p, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"))).toMatchObject({
            principalArn: ADMIN,
            policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterAdminPolicy",
            accessScope: { type: "cluster" },
        });
        const bucket = one(p, T.bucket);
        expect(bucket.options).toEqual({ protect: false, retainOnDelete: false });
        expect(inputs(bucket).forceDestroy).toBe(true);
    });

    it("puts a NAT gateway in every zone when asked, each private subnet routing through its own", () => {
        const p = variant(["cloister:aws: {natGatewayPerAz: true, availabilityZones: [us-east-1a, us-east-1b, us-east-1c]}"]);
        expect(ofType(p, T.nat)).toHaveLength(3);
        const tables = ofType(p, "aws:ec2/routeTable:RouteTable").filter((t) => t.name.includes("-private-")).map((t) => inputs(t).routes[0].natGatewayId);
        expect(new Set(tables).size).toBe(3);
    });
});

describe("validateAwsSpec", () => {
    const base = (): PlatformSpec => ({
        target: "aws",
        name: "v",
        region: "us-east-1",
        sandboxPools: [{ name: "gv", isolation: "gvisor" }],
        templates: [{ name: "py", image: "img", isolation: "gvisor" }],
    });
    const paths = (spec: PlatformSpec) => validateAwsSpec(spec).map((p) => `${p.path}: ${p.reason}`);

    it("accepts the smallest spec", () => expect(paths(base())).toEqual([]));

    it("splits every VPC size it accepts into disjoint subnets inside the VPC", () => {
        for (const vpc of ["10.0.0.0/16", "10.0.0.0/18", "10.0.0.0/20"]) {
            expect(paths({ ...base(), network: { vpcCidr: vpc } })).toEqual([]);
            const { privateCidrs, publicCidrs } = subnetCidrs(vpc, 6);
            const all = [...privateCidrs, ...publicCidrs].map((c) => parseIpv4Cidr(c)!);
            const outer = parseIpv4Cidr(vpc)!;
            for (const [i, a] of all.entries()) {
                expect(a.base >= outer.base && a.base + 2 ** (32 - a.prefix) <= outer.base + 2 ** (32 - outer.prefix), `${vpc}: subnet ${i} inside`).toBe(true);
                for (const b of all.slice(i + 1)) expect(cidrsOverlap(a, b), `${vpc}: subnets ${i} disjoint`).toBe(false);
            }
        }
        expect(paths({ ...base(), network: { vpcCidr: "10.0.0.0/24" } })).toEqual([expect.stringMatching(/^network\.vpcCidr: 10\.0\.0\.0\/24 must be a \/16 to \/20 on AWS/)]);
    });

    it("refuses kata on an instance type that cannot run VMs, naming the allowed ones", () => {
        const spec = { ...base(), sandboxPools: [{ name: "k", isolation: "kata" as const, machineType: "m7i.2xlarge" }] };
        expect(paths(spec)).toEqual([expect.stringMatching(/^sandboxPools\[0\]\.machineType: "m7i\.2xlarge" cannot run VMs.*\*\.metal.*c8i, m8i, r8i/)]);
        expect(paths({ ...spec, sandboxPools: [{ name: "k", isolation: "kata", machineType: "m7i.metal-24xl" }] })).toEqual([]);
        expect(paths({ ...spec, sandboxPools: [{ name: "k", isolation: "kata", machineType: "c8i.4xlarge" }] })).toEqual([]);
    });

    it("checks GPU instance types against the model and count", () => {
        const gpu = (extra: object) => ({ ...base(), gpuPools: [{ name: "g", isolation: "gvisor" as const, acceleratorType: "nvidia-l4", ...extra }] });
        expect(paths(gpu({}))).toEqual([]);
        expect(paths(gpu({ machineType: "g5.xlarge" }))).toEqual([expect.stringMatching(/^gpuPools\[0\]\.machineType: "g5\.xlarge" carries nvidia-a10g, not nvidia-l4/)]);
        expect(paths(gpu({ machineType: "g6.12xlarge", acceleratorCount: 2 }))).toEqual([expect.stringMatching(/^gpuPools\[0\]\.acceleratorCount: "g6\.12xlarge" carries exactly 4/)]);
        expect(paths(gpu({ acceleratorType: "nvidia-l5" }))).toEqual([expect.stringMatching(/^gpuPools\[0\]\.acceleratorType: "nvidia-l5" is not an EC2 GPU model; did you mean "nvidia-l4"\?/)]);
    });

    it("refuses a public endpoint open to everyone, zones of another region and malformed IDs", () => {
        expect(paths({ ...base(), network: { privateEndpoint: false } })).toEqual([expect.stringMatching(/^network\.authorizedNetworks: a public EKS endpoint needs/)]);
        expect(paths({ ...base(), aws: { availabilityZones: ["us-east-1a", "eu-west-1b"] } })).toEqual([expect.stringMatching(/^aws\.availabilityZones\[1\]: "eu-west-1b" is not a zone of region "us-east-1"/)]);
        expect(paths({ ...base(), aws: { availabilityZones: ["us-east-1a"] } })).toEqual([expect.stringMatching(/^aws\.availabilityZones: EKS needs subnets in at least two/)]);
        expect(paths({ ...base(), aws: { existingVpcId: "vpc-0123456789abcdef0", existingPrivateSubnetIds: ["subnet-0123456789abcdef0"] } })).toEqual([
            expect.stringMatching(/^aws\.existingPrivateSubnetIds: EKS needs private subnets in at least two/),
        ]);
        expect(paths({ ...base(), aws: { accountId: "12345" } })).toEqual([expect.stringMatching(/^aws\.accountId: "12345" is not an AWS account ID/)]);
        expect(paths({ ...base(), aws: { secretsKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0" } })).toEqual([expect.stringMatching(/the key is in "eu-west-1"/)]);
        expect(paths({ ...base(), aws: { gvisorRelease: "latest" } })).toEqual([expect.stringMatching(/^aws\.gvisorRelease: "latest" must be a dated gVisor release/)]);
        expect(paths({ ...base(), region: "us-east-1a" })).toEqual([expect.stringMatching(/^region: "us-east-1a" is not an AWS region/)]);
    });
});
