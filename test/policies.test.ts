// The `cloister` policy pack, rule by rule: every rule has compliant and violating cases, built as the
// analyzer would pass them (hand-built args with stackTags and notApplicable). The pack itself
// (policies/index.ts) is never imported: constructing a PolicyPack starts a server.
import { PolicyResource, unknownCheckingProxy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { PSA_RESTRICTED } from "../components/kubernetes/controlPlane";
import { METADATA_CIDRS_V4, METADATA_CIDRS_V6, PRIVATE_CIDRS_V4, PRIVATE_CIDRS_V6 } from "../components/kubernetes/facts";
import { validateSpec } from "../components/spec/validate";
import * as aws from "../policies/rules/aws";
import * as azure from "../policies/rules/azure";
import { CloisterPolicy, opensToInternet, parseCidr } from "../policies/rules/common";
import * as data from "../policies/rules/data";
import * as gcp from "../policies/rules/gcp";
import { allPolicies } from "../policies/rules";
import * as k8s from "../policies/rules/kubernetes";
import { checkResource, stackResource, stackViolations, violations } from "./policyHarness";

const clone = <T>(v: T): T => structuredClone(v);
const tested = { compliant: new Set<string>(), violating: new Set<string>() };

/** Expects a resource rule to pass `props` and records the rule as having a compliant case. */
async function passes(policy: CloisterPolicy, type: string, props: Record<string, any>, config?: Record<string, unknown>) {
    const outcome = await checkResource(policy, { type, props, config });
    expect(outcome.notApplicable, `${policy.name} should apply to ${type}`).toBeUndefined();
    expect(outcome.violations.map((v) => v.message)).toEqual([]);
    tested.compliant.add(policy.name);
}

/** Expects a resource rule to report a message matching each pattern. */
async function fails(policy: CloisterPolicy, type: string, props: Record<string, any>, ...patterns: RegExp[]) {
    const messages = await violations(policy, type, props);
    expect(messages.length, `${policy.name} should report a violation`).toBeGreaterThan(0);
    for (const p of patterns) expect(messages.some((m) => p.test(m)), `${p} in ${JSON.stringify(messages)}`).toBe(true);
    tested.violating.add(policy.name);
}

async function stackPasses(policy: CloisterPolicy, resources: PolicyResource[], config?: Record<string, unknown>) {
    expect(await stackViolations(policy, resources, config)).toEqual([]);
    tested.compliant.add(policy.name);
}

async function stackFails(policy: CloisterPolicy, resources: PolicyResource[], pattern: RegExp, config?: Record<string, unknown>) {
    const messages = await stackViolations(policy, resources, config);
    expect(messages.some((m) => pattern.test(m)), `${pattern} in ${JSON.stringify(messages)}`).toBe(true);
    tested.violating.add(policy.name);
}

// ---------------------------------------------------------------------------------------------
// Kubernetes fixtures

const TEMPLATE = "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate";
const goodTemplate = {
    apiVersion: "extensions.agents.x-k8s.io/v1beta1",
    kind: "SandboxTemplate",
    metadata: { name: "python", namespace: "sandboxes" },
    spec: {
        podTemplate: {
            spec: {
                runtimeClassName: "acme-gvisor",
                automountServiceAccountToken: false,
                containers: [
                    {
                        name: "sandbox",
                        image: "python:3.12-slim",
                        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true },
                    },
                ],
            },
        },
    },
};

const hardenedContainer = {
    name: "agent-sandbox-controller",
    image: "registry.k8s.io/agent-sandbox/agent-sandbox-controller:v1.0.10",
    securityContext: {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    },
};
const goodController = {
    metadata: { name: "agent-sandbox-controller", namespace: "agent-sandbox-system" },
    spec: { template: { spec: { securityContext: { runAsNonRoot: true, runAsUser: 65532 }, containers: [hardenedContainer] } } },
};

const namespace = (labels: Record<string, string> = PSA_RESTRICTED, name = "sandboxes") =>
    stackResource({ type: k8s.NAMESPACE, name: `ns-${name}`, props: { metadata: { name, labels } } });
const template = (props: Record<string, any> = goodTemplate, name = "tmpl") => stackResource({ type: TEMPLATE, name, props });
const networkPolicy = (name: string, spec: Record<string, any>, ns = "sandboxes") =>
    stackResource({ type: k8s.NETWORK_POLICY, name, props: { metadata: { name, namespace: ns }, spec } });
const denyAll = () => networkPolicy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
const internet = (v4Except: string[] = [...METADATA_CIDRS_V4, ...PRIVATE_CIDRS_V4], v6Except: string[] = [...METADATA_CIDRS_V6, ...PRIVATE_CIDRS_V6]) =>
    networkPolicy("allow-internet-egress", {
        podSelector: { matchLabels: { "cloister.dev/egress": "internet" } },
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: v4Except } }, { ipBlock: { cidr: "::/0", except: v6Except } }] }],
    });

describe("kubernetes rules", () => {
    it("k8s-sandbox-runtime-class: a template names a RuntimeClass", async () => {
        await passes(k8s.sandboxRuntimeClass, TEMPLATE, goodTemplate);
        await passes(k8s.sandboxRuntimeClass, "kubernetes:agents.x-k8s.io/v1beta1:Sandbox", goodTemplate);
        const none = clone(goodTemplate) as any;
        delete none.spec.podTemplate.spec.runtimeClassName;
        await fails(k8s.sandboxRuntimeClass, TEMPLATE, none, /runtimeClassName is not set/);
        await fails(k8s.sandboxRuntimeClass, TEMPLATE, {}, /runtimeClassName/);
        expect((await checkResource(k8s.sandboxRuntimeClass, { type: k8s.DEPLOYMENT, props: {} })).notApplicable).toBeDefined();
    });

    it("k8s-sandbox-pod-hardening: no token, host namespaces, hostPath or privileged containers", async () => {
        await passes(k8s.sandboxPodHardening, TEMPLATE, goodTemplate);
        const token = clone(goodTemplate) as any;
        delete token.spec.podTemplate.spec.automountServiceAccountToken;
        await fails(k8s.sandboxPodHardening, TEMPLATE, token, /automountServiceAccountToken must be false/);
        const host = clone(goodTemplate) as any;
        Object.assign(host.spec.podTemplate.spec, { hostNetwork: true, hostPID: true, volumes: [{ name: "root", hostPath: { path: "/" } }] });
        host.spec.podTemplate.spec.containers[0].securityContext.privileged = true;
        await fails(k8s.sandboxPodHardening, TEMPLATE, host, /hostNetwork/, /hostPID/, /hostPath/, /privileged/);
        const init = clone(goodTemplate) as any;
        init.spec.podTemplate.spec.initContainers = [{ name: "setup", securityContext: { privileged: true } }];
        await fails(k8s.sandboxPodHardening, TEMPLATE, init, /"setup" is privileged/);
    });

    it("k8s-sandbox-namespace-pod-security: sandbox namespaces enforce restricted", async () => {
        await stackPasses(k8s.sandboxNamespacePodSecurity, [namespace(), template()]);
        await stackPasses(k8s.sandboxNamespacePodSecurity, [namespace({}, "other")]); // no templates: nothing to check
        await stackFails(k8s.sandboxNamespacePodSecurity, [namespace({ "pod-security.kubernetes.io/enforce": "baseline" }), template()], /enforces Pod Security "baseline"/);
        await stackFails(k8s.sandboxNamespacePodSecurity, [namespace({}), template()], /"none", not "restricted"/);
        await stackFails(k8s.sandboxNamespacePodSecurity, [template()], /not managed by this stack/);
    });

    it("k8s-sandbox-namespace-egress: default-deny egress and metadata excepted", async () => {
        await stackPasses(k8s.sandboxNamespaceEgress, [namespace(), template(), denyAll(), internet()]);
        // A wider except covers the metadata range.
        await stackPasses(k8s.sandboxNamespaceEgress, [template(), denyAll(), internet(["169.254.0.0/15", "168.63.0.0/16"], ["fd00::/8"])]);
        await stackFails(k8s.sandboxNamespaceEgress, [template(), internet()], /no NetworkPolicy restricts egress for all its pods/);
        await stackFails(k8s.sandboxNamespaceEgress, [template(), denyAll(), internet(["169.254.0.0/16"])], /0\.0\.0\.0\/0 lets sandboxes reach 168\.63\.129\.16\/32/);
        await stackFails(k8s.sandboxNamespaceEgress, [template(), denyAll(), internet(undefined, [])], /::\/0 lets sandboxes reach fd00:ec2::254\/128, fd20:ce::254\/128/);
        // .254 alone is not enough: 169.254.169.252 (GKE) and 169.254.170.23 (EKS Pod Identity) stay reachable.
        await stackFails(k8s.sandboxNamespaceEgress, [template(), denyAll(), internet(["169.254.169.254/32", "168.63.129.16/32"])], /reach 169\.254\.0\.0\/16/);
        const direct = networkPolicy("imds", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }] }] });
        await stackFails(k8s.sandboxNamespaceEgress, [template(), denyAll(), direct], /169\.254\.169\.254\/32 lets sandboxes reach 169\.254\.0\.0\/16/);
        const anywhere = networkPolicy("anywhere", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: 443 }] }] });
        await stackFails(k8s.sandboxNamespaceEgress, [template(), denyAll(), anywhere], /no 'to' peers/);
        // Policies in other namespaces do not count, and do not matter.
        await stackFails(k8s.sandboxNamespaceEgress, [template(), networkPolicy("deny", { podSelector: {}, policyTypes: ["Egress"] }, "elsewhere")], /no NetworkPolicy restricts egress/);
    });

    it("k8s-controller-hardened: non-root, read-only, no escalation, no capabilities", async () => {
        await passes(k8s.controllerHardened, k8s.DEPLOYMENT, goodController);
        const bad = clone(goodController) as any;
        bad.spec.template.spec.securityContext = {};
        bad.spec.template.spec.containers[0].securityContext = { runAsUser: 0, capabilities: { add: ["NET_ADMIN"] } };
        await fails(
            k8s.controllerHardened,
            k8s.DEPLOYMENT,
            bad,
            /runAsNonRoot must be true/,
            /runAsUser must not be 0/,
            /readOnlyRootFilesystem must be true/,
            /allowPrivilegeEscalation must be false/,
            /capabilities.drop must include "ALL"/,
            /must add no capabilities/,
            /seccompProfile/,
        );
        const other = { metadata: { name: "web" }, spec: { template: { spec: { containers: [{ name: "web" }] } } } };
        expect((await checkResource(k8s.controllerHardened, { type: k8s.DEPLOYMENT, props: other })).notApplicable).toBeDefined();
    });

    it("k8s-runtime-class-scheduling: sandbox RuntimeClasses carry nodeSelector and tolerations", async () => {
        const rc = (name: string, labels: Record<string, string>, scheduling?: Record<string, any>) =>
            stackResource({ type: k8s.RUNTIME_CLASS, name, props: { metadata: { name, labels }, handler: "runsc", scheduling } });
        const scheduling = {
            nodeSelector: { "cloister.dev/isolation": "gvisor" },
            tolerations: [{ key: "cloister.dev/isolation", operator: "Equal", value: "gvisor", effect: "NoSchedule" }],
        };
        await stackPasses(k8s.runtimeClassScheduling, [rc("acme-gvisor", { "cloister.dev/isolation": "gvisor" }, scheduling), template()]);
        await stackPasses(k8s.runtimeClassScheduling, [rc("unrelated", {})]);
        await stackFails(k8s.runtimeClassScheduling, [rc("acme-gvisor", { "cloister.dev/isolation": "gvisor" })], /no scheduling.nodeSelector/);
        await stackFails(k8s.runtimeClassScheduling, [rc("acme-gvisor", {}, { nodeSelector: scheduling.nodeSelector }), template()], /no scheduling.tolerations/);
    });
});

// ---------------------------------------------------------------------------------------------
// GCP

const goodCluster = {
    privateClusterConfig: { enablePrivateNodes: true, masterIpv4CidrBlock: "172.16.0.0/28" },
    masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "203.0.113.0/24", displayName: "admins" }] },
    workloadIdentityConfig: { workloadPool: "acme.svc.id.goog" },
    datapathProvider: "ADVANCED_DATAPATH",
    enableShieldedNodes: true,
    removeDefaultNodePool: true,
};
const goodPool = {
    nodeConfig: {
        serviceAccount: "acme-nodes@acme.iam.gserviceaccount.com",
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        labels: { "cloister.dev/pool": "gvisor", "cloister.dev/isolation": "gvisor" },
        taints: [{ key: "cloister.dev/isolation", value: "gvisor", effect: "NO_SCHEDULE" }],
        sandboxConfig: { type: "GVISOR" },
        imageType: "COS_CONTAINERD",
    },
};
const kataPool = {
    nodeConfig: {
        ...goodPool.nodeConfig,
        sandboxConfig: undefined,
        imageType: "UBUNTU_CONTAINERD",
        labels: { "cloister.dev/isolation": "kata" },
        taints: [{ key: "cloister.dev/isolation", value: "kata", effect: "NO_SCHEDULE" }],
        advancedMachineFeatures: { enableNestedVirtualization: true, threadsPerCore: 2 },
    },
};
const gpuPool = {
    nodeConfig: {
        ...goodPool.nodeConfig,
        guestAccelerators: [{ type: "nvidia-l4", count: 1 }],
        taints: [...goodPool.nodeConfig.taints, { key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
    },
};
const withNodeConfig = (pool: any, patch: Record<string, any>) => ({ ...pool, nodeConfig: { ...pool.nodeConfig, ...patch } });

describe("gcp rules", () => {
    it("gcp-storage-bucket-no-public-access", async () => {
        await passes(gcp.gcsBucketNoPublicAccess, gcp.GCS_BUCKET, { publicAccessPrevention: "enforced", uniformBucketLevelAccess: true });
        await fails(gcp.gcsBucketNoPublicAccess, gcp.GCS_BUCKET, { uniformBucketLevelAccess: true }, /"inherited", not "enforced"/);
        await fails(gcp.gcsBucketNoPublicAccess, gcp.GCS_BUCKET, { publicAccessPrevention: "enforced" }, /uniformBucketLevelAccess/);
    });

    it("gcp-storage-bucket-versioning", async () => {
        await passes(gcp.gcsBucketVersioning, gcp.GCS_BUCKET, { versioning: { enabled: true } });
        await fails(gcp.gcsBucketVersioning, gcp.GCS_BUCKET, { versioning: { enabled: false } }, /versioning.enabled/);
    });

    it("gcp-gke-private-nodes: private nodes, API not open to 0.0.0.0/0", async () => {
        await passes(gcp.gkePrivateCluster, gcp.GKE_CLUSTER, goodCluster);
        await passes(gcp.gkePrivateCluster, gcp.GKE_NODE_POOL, goodPool);
        await fails(gcp.gkePrivateCluster, gcp.GKE_CLUSTER, { ...goodCluster, privateClusterConfig: undefined }, /enablePrivateNodes is not true/);
        await fails(
            gcp.gkePrivateCluster,
            gcp.GKE_CLUSTER,
            { ...goodCluster, masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "0.0.0.0/0" }] } },
            /cidrBlocks\[0\] 0\.0\.0\.0\/0 opens the Kubernetes API/,
        );
        await fails(gcp.gkePrivateCluster, gcp.GKE_NODE_POOL, { ...goodPool, networkConfig: { enablePrivateNodes: false } }, /public IPs/);
    });

    it("gcp-gke-private-nodes and the spec validator refuse the same authorized networks", async () => {
        for (const cidr of ["0.0.0.0/0", "10.0.0.0/8", "203.0.113.7/32", "128.0.0.0/1"]) {
            const specRefuses = validateSpec({
                target: "gcp",
                name: "acme",
                region: "us-central1",
                network: { privateEndpoint: false, authorizedNetworks: [cidr] },
            }).some((p) => /opens the Kubernetes API/.test(p.reason));
            const policyRefuses = (
                await violations(gcp.gkePrivateCluster, gcp.GKE_CLUSTER, { ...goodCluster, masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: cidr }] } })
            ).some((m) => /opens the Kubernetes API/.test(m));
            expect(policyRefuses, cidr).toBe(specRefuses);
        }
        expect(opensToInternet("::/0")).toBe(true);
        expect(opensToInternet("0.0.0.0/1")).toBe(false);
    });

    it("gcp-gke-workload-identity", async () => {
        await passes(gcp.gkeWorkloadIdentity, gcp.GKE_CLUSTER, goodCluster);
        await passes(gcp.gkeWorkloadIdentity, gcp.GKE_NODE_POOL, goodPool);
        await fails(gcp.gkeWorkloadIdentity, gcp.GKE_CLUSTER, { ...goodCluster, workloadIdentityConfig: undefined }, /workloadPool is not set/);
        await fails(gcp.gkeWorkloadIdentity, gcp.GKE_NODE_POOL, withNodeConfig(goodPool, { workloadMetadataConfig: { mode: "GCE_METADATA" } }), /"GCE_METADATA", not "GKE_METADATA"/);
        // A default pool that stays is checked on the cluster.
        await fails(gcp.gkeWorkloadIdentity, gcp.GKE_CLUSTER, { ...goodCluster, removeDefaultNodePool: false }, /workloadMetadataConfig.mode/);
    });

    it("gcp-gke-dataplane-v2", async () => {
        await passes(gcp.gkeDataplaneV2, gcp.GKE_CLUSTER, goodCluster);
        await fails(gcp.gkeDataplaneV2, gcp.GKE_CLUSTER, { ...goodCluster, datapathProvider: "LEGACY_DATAPATH" }, /not "ADVANCED_DATAPATH"/);
    });

    it("gcp-gke-shielded-nodes", async () => {
        await passes(gcp.gkeShieldedNodes, gcp.GKE_CLUSTER, goodCluster);
        await passes(gcp.gkeShieldedNodes, gcp.GKE_NODE_POOL, goodPool);
        await fails(gcp.gkeShieldedNodes, gcp.GKE_CLUSTER, { ...goodCluster, enableShieldedNodes: false }, /enableShieldedNodes is false/);
        await fails(gcp.gkeShieldedNodes, gcp.GKE_NODE_POOL, withNodeConfig(goodPool, { shieldedInstanceConfig: undefined }), /enableSecureBoot/);
    });

    it("gcp-gke-node-service-account: never the default compute SA", async () => {
        await passes(gcp.gkeNodeServiceAccount, gcp.GKE_NODE_POOL, goodPool);
        await passes(gcp.gkeNodeServiceAccount, gcp.GKE_CLUSTER, goodCluster);
        await fails(gcp.gkeNodeServiceAccount, gcp.GKE_NODE_POOL, withNodeConfig(goodPool, { serviceAccount: "123-compute@developer.gserviceaccount.com" }), /Compute Engine default/);
        await fails(gcp.gkeNodeServiceAccount, gcp.GKE_NODE_POOL, withNodeConfig(goodPool, { serviceAccount: "" }), /not set/);
        await fails(gcp.gkeNodeServiceAccount, gcp.GKE_CLUSTER, { ...goodCluster, removeDefaultNodePool: false }, /not set/);
    });

    it("gcp-gke-sandbox-pool-isolation: GKE Sandbox or kata label, taint and nested virtualization", async () => {
        await passes(gcp.gkeSandboxPoolIsolation, gcp.GKE_NODE_POOL, goodPool);
        await passes(gcp.gkeSandboxPoolIsolation, gcp.GKE_NODE_POOL, kataPool);
        await fails(gcp.gkeSandboxPoolIsolation, gcp.GKE_NODE_POOL, withNodeConfig(goodPool, { sandboxConfig: undefined }), /runs pods under runc/);
        await fails(gcp.gkeSandboxPoolIsolation, gcp.GKE_NODE_POOL, withNodeConfig(kataPool, { taints: [] }), /lacks cloister.dev\/isolation=kata/);
        await fails(gcp.gkeSandboxPoolIsolation, gcp.GKE_NODE_POOL, withNodeConfig(kataPool, { advancedMachineFeatures: undefined }), /enableNestedVirtualization/);
        const system = { nodeConfig: { serviceAccount: "x@y.iam.gserviceaccount.com", labels: { "cloister.dev/pool": "system" } } };
        expect((await checkResource(gcp.gkeSandboxPoolIsolation, { type: gcp.GKE_NODE_POOL, props: system })).notApplicable).toBeDefined();
    });

    it("gcp-gke-gpu-pool-taint", async () => {
        await passes(gcp.gkeGpuPoolTaint, gcp.GKE_NODE_POOL, gpuPool);
        await fails(gcp.gkeGpuPoolTaint, gcp.GKE_NODE_POOL, withNodeConfig(gpuPool, { taints: goodPool.nodeConfig.taints }), /lacks nvidia.com\/gpu/);
        expect((await checkResource(gcp.gkeGpuPoolTaint, { type: gcp.GKE_NODE_POOL, props: goodPool })).notApplicable).toBeDefined();
    });
});

// ---------------------------------------------------------------------------------------------
// AWS

const tlsOnlyPolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: ["arn:aws:s3:::snap", "arn:aws:s3:::snap/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    ],
});

describe("aws rules", () => {
    const [PAB] = aws.S3_PUBLIC_ACCESS_BLOCK;
    const [SSE] = aws.S3_SSE;
    const [POLICY] = aws.S3_POLICY;
    const [VERSIONING] = aws.S3_VERSIONING;
    const allBlocks = { bucket: "snap", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

    it("aws-s3-public-access-block: all four on", async () => {
        await passes(aws.s3PublicAccessBlock, PAB, allBlocks);
        await fails(aws.s3PublicAccessBlock, PAB, { ...allBlocks, restrictPublicBuckets: false, ignorePublicAcls: undefined }, /ignorePublicAcls, restrictPublicBuckets are not true/);
    });

    it("aws-s3-sse-kms", async () => {
        const kms = { bucket: "snap", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:key" }, bucketKeyEnabled: true }] };
        await passes(aws.s3SseKms, SSE, kms);
        await passes(aws.s3SseKms, aws.S3_SSE[1], kms);
        await fails(aws.s3SseKms, SSE, { bucket: "snap", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, /"AES256", not "aws:kms"/);
        await fails(aws.s3SseKms, SSE, { bucket: "snap", rules: [] }, /no rules/);
    });

    it("aws-s3-tls-only: Deny when aws:SecureTransport is false", async () => {
        await passes(aws.s3TlsOnly, POLICY, { bucket: "snap", policy: tlsOnlyPolicy });
        await passes(aws.s3TlsOnly, POLICY, { bucket: "snap", policy: JSON.parse(tlsOnlyPolicy) });
        const allowOnly = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:role/r" }, Action: "s3:GetObject", Resource: "*" }] });
        await fails(aws.s3TlsOnly, POLICY, { bucket: "snap", policy: allowOnly }, /no statement denies/);
        const narrow = JSON.parse(tlsOnlyPolicy);
        narrow.Statement[0].Action = "s3:GetObject";
        await fails(aws.s3TlsOnly, POLICY, { bucket: "snap", policy: narrow }, /no statement denies/);
        await fails(aws.s3TlsOnly, POLICY, { bucket: "snap", policy: "{not json" }, /not a readable JSON/);
    });

    it("aws-s3-versioning", async () => {
        await passes(aws.s3Versioning, VERSIONING, { bucket: "snap", versioningConfiguration: { status: "Enabled" } });
        await fails(aws.s3Versioning, VERSIONING, { bucket: "snap", versioningConfiguration: { status: "Suspended" } }, /"Suspended", not "Enabled"/);
    });

    it("aws-s3-bucket-companions: every bucket has its four companions", async () => {
        const bucket = stackResource({ type: "aws:s3/bucket:Bucket", name: "snap", props: { bucketPrefix: "snap-" } });
        const companion = (type: string, name: string, link: "property" | "name" = "property") =>
            stackResource({
                type,
                name,
                props: { bucket: link === "name" ? "snap" : "snap-123" },
                propertyDependencies: link === "property" ? { bucket: [bucket] } : {},
            });
        const all = [companion(PAB, "pab"), companion(SSE, "sse"), companion(POLICY, "policy", "name"), companion(VERSIONING, "versioning")];
        await stackPasses(aws.s3BucketCompanions, [bucket, ...all]);
        await stackFails(aws.s3BucketCompanions, [bucket, ...all.filter((c) => c.name !== "pab")], /"snap" has no BucketPublicAccessBlock/);
        // A companion of another bucket does not count.
        const other = stackResource({ type: "aws:s3/bucket:Bucket", name: "other" });
        const otherVersioning = stackResource({ type: VERSIONING, name: "v2", props: { bucket: "x" }, propertyDependencies: { bucket: [other] } });
        await stackFails(aws.s3BucketCompanions, [bucket, other, ...all.filter((c) => c.name !== "versioning"), otherVersioning], /"snap" has no BucketVersioning/);
    });

    it("aws-eks-endpoint-not-public", async () => {
        await passes(aws.eksEndpoint, aws.EKS_CLUSTER, { vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } });
        await passes(aws.eksEndpoint, aws.EKS_CLUSTER, { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } });
        await fails(aws.eksEndpoint, aws.EKS_CLUSTER, { vpcConfig: { subnetIds: ["a"] } }, /without vpcConfig.publicAccessCidrs/);
        await fails(aws.eksEndpoint, aws.EKS_CLUSTER, { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }, /0\.0\.0\.0\/0 opens/);
    });

    it("aws-eks-control-plane-logs", async () => {
        await passes(aws.eksControlPlaneLogs, aws.EKS_CLUSTER, { enabledClusterLogTypes: ["api", "audit", "authenticator", "scheduler"] });
        await fails(aws.eksControlPlaneLogs, aws.EKS_CLUSTER, { enabledClusterLogTypes: ["api"] }, /lacks audit, authenticator/);
    });

    it("aws-launch-template-imdsv2: tokens required, hop limit 1", async () => {
        await passes(aws.launchTemplateImdsv2, aws.LAUNCH_TEMPLATE, { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" } });
        await passes(aws.launchTemplateImdsv2, aws.LAUNCH_TEMPLATE, { metadataOptions: { httpEndpoint: "disabled" } });
        await fails(aws.launchTemplateImdsv2, aws.LAUNCH_TEMPLATE, { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 } }, /"optional", not "required"/, /not 1/);
        await fails(aws.launchTemplateImdsv2, aws.LAUNCH_TEMPLATE, {}, /httpTokens/, /HopLimit is "unset"/);
    });

    it("aws-launch-template-encrypted-volumes: every EBS mapping encrypted", async () => {
        await passes(aws.launchTemplateEncryptedVolumes, aws.LAUNCH_TEMPLATE, { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3", encrypted: "true" } }] });
        await fails(aws.launchTemplateEncryptedVolumes, aws.LAUNCH_TEMPLATE, { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3" } }] }, /blockDeviceMappings\[0\]\.ebs\.encrypted is "unset"/);
    });

    it("aws-node-group-launch-template: a launch template, no SSH", async () => {
        await passes(aws.nodeGroupHardened, aws.NODE_GROUP, { launchTemplate: { id: "lt-1", version: "1" } });
        await fails(aws.nodeGroupHardened, aws.NODE_GROUP, { remoteAccess: { ec2SshKey: "ops" } }, /no launchTemplate/, /remoteAccess opens SSH/);
    });

    it("aws-subnet-no-public-ips: no public addresses on launch", async () => {
        await passes(aws.subnetNoPublicIps, aws.SUBNET, { mapPublicIpOnLaunch: false });
        await fails(aws.subnetNoPublicIps, aws.SUBNET, { mapPublicIpOnLaunch: true }, /mapPublicIpOnLaunch is true/);
    });

    it("aws-eks-secrets-encryption: secrets under a KMS key", async () => {
        await passes(aws.eksSecretsEncryption, aws.EKS_CLUSTER, { encryptionConfig: { provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/x" }, resources: ["secrets"] } });
        await fails(aws.eksSecretsEncryption, aws.EKS_CLUSTER, {}, /does not encrypt secrets/);
    });
});

// ---------------------------------------------------------------------------------------------
// Azure

describe("azure rules", () => {
    const goodAccount = { allowBlobPublicAccess: false, allowSharedKeyAccess: false, minimumTlsVersion: "TLS1_2", kind: "StorageV2" };
    const goodAks = {
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        networkProfile: { networkPlugin: "azure", networkDataplane: "cilium", networkPolicy: "cilium" },
        disableLocalAccounts: true,
    };

    it("azure-storage-account-hardened", async () => {
        await passes(azure.storageAccountHardened, azure.STORAGE_ACCOUNT, goodAccount);
        await fails(azure.storageAccountHardened, azure.STORAGE_ACCOUNT, { kind: "StorageV2" }, /allowBlobPublicAccess/, /allowSharedKeyAccess/, /minimumTlsVersion/);
        await fails(azure.storageAccountHardened, azure.STORAGE_ACCOUNT, { ...goodAccount, minimumTlsVersion: "TLS1_0" }, /"TLS1_0"/);
    });

    it("azure-aks-workload-identity", async () => {
        await passes(azure.aksWorkloadIdentity, azure.AKS_CLUSTER, goodAks);
        await fails(azure.aksWorkloadIdentity, azure.AKS_CLUSTER, { ...goodAks, oidcIssuerProfile: { enabled: false }, securityProfile: {} }, /oidcIssuerProfile/, /workloadIdentity/);
    });

    it("azure-aks-network-policy", async () => {
        await passes(azure.aksNetworkPolicy, azure.AKS_CLUSTER, goodAks);
        await fails(azure.aksNetworkPolicy, azure.AKS_CLUSTER, { ...goodAks, networkProfile: { networkPlugin: "azure" } }, /"unset"/);
        await fails(azure.aksNetworkPolicy, azure.AKS_CLUSTER, { ...goodAks, networkProfile: { networkPolicy: "none" } }, /"none"/);
    });

    it("azure-aks-local-accounts-disabled", async () => {
        await passes(azure.aksLocalAccountsDisabled, azure.AKS_CLUSTER, goodAks);
        await fails(azure.aksLocalAccountsDisabled, azure.AKS_CLUSTER, { ...goodAks, disableLocalAccounts: false }, /disableLocalAccounts/);
    });

    it("azure-aks-api-not-public", async () => {
        await passes(azure.aksApiNotPublic, azure.AKS_CLUSTER, { apiServerAccessProfile: { enablePrivateCluster: true } });
        await passes(azure.aksApiNotPublic, azure.AKS_CLUSTER, { apiServerAccessProfile: { enablePrivateCluster: false, authorizedIPRanges: ["203.0.113.0/24"] } });
        await fails(azure.aksApiNotPublic, azure.AKS_CLUSTER, {}, /no apiServerAccessProfile\.authorizedIPRanges/);
        await fails(azure.aksApiNotPublic, azure.AKS_CLUSTER, { apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24", "0.0.0.0/0"] } }, /authorizedIPRanges\[1\] 0\.0\.0\.0\/0/);
    });

    it("azure-aks-etcd-kms", async () => {
        await passes(azure.aksEtcdKms, azure.AKS_CLUSTER, { securityProfile: { azureKeyVaultKms: { enabled: true, keyId: "https://kv1.vault.azure.net/keys/etcd/0123" } } });
        await fails(azure.aksEtcdKms, azure.AKS_CLUSTER, { securityProfile: {} }, /azureKeyVaultKms\.enabled/, /azureKeyVaultKms\.keyId/);
    });

    it("azure-aks-nodes-hardened: the cluster's inline pools and every AgentPool", async () => {
        const node = { securityProfile: { sshAccess: "Disabled" }, enableEncryptionAtHost: true };
        await passes(azure.aksNodesHardened, azure.AKS_CLUSTER, { agentPoolProfiles: [node] });
        await passes(azure.aksNodesHardened, azure.AKS_POOL, node);
        await fails(azure.aksNodesHardened, azure.AKS_CLUSTER, { agentPoolProfiles: [node, {}] }, /agentPoolProfiles\[1\]\.securityProfile\.sshAccess is "unset"/, /agentPoolProfiles\[1\]\.enableEncryptionAtHost/);
        await fails(azure.aksNodesHardened, azure.AKS_POOL, { ...node, securityProfile: { sshAccess: "LocalUser" } }, /sshAccess is "LocalUser"/);
    });

    it("azure-key-vault-protected", async () => {
        await passes(azure.keyVaultProtected, azure.KEY_VAULT, { properties: { enableRbacAuthorization: true, enableSoftDelete: true, enablePurgeProtection: true } });
        await fails(azure.keyVaultProtected, azure.KEY_VAULT, { properties: { enableSoftDelete: true } }, /enableRbacAuthorization/, /enablePurgeProtection/);
    });
});

// ---------------------------------------------------------------------------------------------
// Data

describe("data rule", () => {
    const platform = (dataProtection?: string) => stackResource({ type: "cloister:index:SandboxPlatform", name: "acme", props: dataProtection ? { dataProtection } : {} });
    const under = (parent: PolicyResource | undefined, type: string, protect: boolean) => stackResource({ type, name: `d-${type.split(":").pop()}`, parent, protect });

    it("cloister-data-protected: every data type must be protected in mode retain", async () => {
        const retain = platform("retain");
        // Nested below another component: the nearest declaring ancestor decides.
        const cluster = stackResource({ type: "cloister:index:GcpSandboxCluster", name: "acme-cluster", parent: retain });
        await stackPasses(data.dataProtected, [retain, cluster, ...data.DATA_RESOURCE_TYPES.map((t) => under(cluster, t, true))]);
        for (const type of data.DATA_RESOURCE_TYPES) {
            await stackFails(data.dataProtected, [retain, cluster, under(cluster, type, false)], new RegExp(`${type.replace(/[/.]/g, "\\$&")} ".*" holds data but is not protected`));
        }
    });

    it("cloister-data-protected: mode destroy, from the component or the config", async () => {
        const destroy = platform("destroy");
        await stackPasses(data.dataProtected, [destroy, under(destroy, "gcp:storage/bucket:Bucket", false)]);
        // Outside any Cloister component the mode is retain unless the config says otherwise.
        await stackFails(data.dataProtected, [under(undefined, "aws:kms/key:Key", false)], /not protected/);
        await stackPasses(data.dataProtected, [under(undefined, "aws:kms/key:Key", false)], { dataProtection: "destroy" });
        // The config overrides the component.
        await stackFails(data.dataProtected, [destroy, under(destroy, "gcp:storage/bucket:Bucket", false)], /not protected/, { dataProtection: "retain" });
        // Not a data resource: nothing to check.
        await stackPasses(data.dataProtected, [platform(), under(undefined, "gcp:container/cluster:Cluster", false)]);
    });
});

// ---------------------------------------------------------------------------------------------
// The pack as a whole

describe("the cloister pack", () => {
    it("has unique names, mandatory enforcement and a fix in every description", () => {
        const names = allPolicies.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
        for (const p of allPolicies) {
            expect(p.enforcementLevel, p.name).toBe("mandatory");
            expect(p.description, p.name).toMatch(/ Fix: \S/);
            expect(p.name).toMatch(/^[a-z0-9-]+$/);
            expect(p.configSchema?.properties?.enforcementLevel, p.name).toBeUndefined();
        }
    });

    it("reports a value unknown during preview instead of a violation", async () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const props = unknownCheckingProxy({ datapathProvider: unknown }) as Record<string, any>;
        const outcome = await checkResource(gcp.gkeDataplaneV2, { type: gcp.GKE_CLUSTER, props });
        expect(outcome.violations).toEqual([]);
        expect(outcome.unknown).toMatch(/datapathProvider/);
    });

    it("parses the CIDRs the rules compare", () => {
        expect(parseCidr("169.254.0.0/16")).toEqual({ family: 4, base: 169n * 2n ** 24n + 254n * 2n ** 16n, prefix: 16 });
        expect(parseCidr("fd00:ec2::254/128")?.prefix).toBe(128);
        expect(parseCidr("::/0")).toEqual({ family: 6, base: 0n, prefix: 0 });
        expect(parseCidr("10.0.0.1/8")).toBeUndefined();
        expect(parseCidr("fd00::1/64")).toBeUndefined();
        expect(k8s.reachableMetadata({ cidr: "8.8.8.8/32" })).toEqual([]);
    });

    // Runs last (tests run in file order): every rule has at least one compliant and one violating case above.
    it("has a compliant and a violating case for every rule", () => {
        const names = allPolicies.map((p) => p.name);
        expect(names.filter((n) => !tested.compliant.has(n)), "rules without a compliant case").toEqual([]);
        expect(names.filter((n) => !tested.violating.has(n)), "rules without a violating case").toEqual([]);
    });
});
