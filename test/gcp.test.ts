// GCP: the offline plan of the gcp-dev stack (run as a user runs it), GcpSandboxCluster under mocks for
// the modes the example stack does not use, and the pure GKE validator on bad inputs. Expected values
// come from the stack file or from GKE's documented rules, not from the implementation.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { PlatformSpec, validatePlatformSpec } from "../components";
import { GcpSandboxCluster, validateGcpSpec } from "../components/gcp";
import { perNodePodRange, withGcpProject } from "../components/gcp/validate";
import { KATA_DEPLOY_HANDLER, KATA_DEPLOY_VERSION, KATA_READY_LABEL } from "../components/kubernetes/runtimeClasses";
import { PlannedResource, PlanRecorder } from "../scripts/mocks";
import { ofType, one, plan, ROOT, runPlanWithConfig } from "./plan";

// ---------------------------------------------------------------------------------------------------
// The stack file, read as the user wrote it.
const stackFile = yaml.load(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.gcp-dev.yaml"), "utf8")) as { config: Record<string, any> };
const cfg = (key: string) => stackFile.config[`cloister:${key}`];
const PROJECT: string = stackFile.config["gcp:project"];
const NAME: string = cfg("name");
const REGION: string = cfg("region");
const sandboxPools: any[] = cfg("sandboxPools");
const gpuPools: any[] = cfg("gpuPools");
const allPools = [...sandboxPools, ...gpuPools];

const T = {
    cluster: "gcp:container/cluster:Cluster",
    pool: "gcp:container/nodePool:NodePool",
    bucket: "gcp:storage/bucket:Bucket",
    bucketMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
    account: "gcp:serviceaccount/account:Account",
    projectMember: "gcp:projects/iAMMember:IAMMember",
    kmsMember: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
    network: "gcp:compute/network:Network",
    subnet: "gcp:compute/subnetwork:Subnetwork",
    router: "gcp:compute/router:Router",
    nat: "gcp:compute/routerNat:RouterNat",
    component: "cloister:index:GcpSandboxCluster",
};
const id = (r: PlannedResource) => `${r.type}::${r.name}`;

describe("plan of gcp-dev", () => {
    const p = plan("gcp-dev");
    const inputs = (r: PlannedResource) => r.inputs as any;
    const cluster = one(p, T.cluster);
    const c = inputs(cluster);
    const pools = ofType(p, T.pool);
    const poolByName = (n: string) => {
        const found = pools.filter((r) => inputs(r).name === n);
        expect(found).toHaveLength(1);
        return inputs(found[0]);
    };
    const nodeSa = one(p, T.account);
    const nodeSaEmail = `${inputs(nodeSa).accountId}@${PROJECT}.iam.gserviceaccount.com`;

    it("enables the Google APIs it uses, never disabling them on destroy, before anything that calls them", () => {
        const apis = ofType(p, "gcp:projects/service:Service").map(inputs);
        expect(apis.map((a) => a.service)).toEqual(expect.arrayContaining(["container.googleapis.com", "compute.googleapis.com", "binaryauthorization.googleapis.com"]));
        for (const a of apis) expect(a.disableOnDestroy).toBe(false);
        const apiIds = ofType(p, "gcp:projects/service:Service").map((r) => `${r.type}::${r.name}`);
        for (const type of [T.network, T.account, T.bucket]) expect(one(p, type).dependsOn).toEqual(expect.arrayContaining(apiIds));
    });

    it("sizes Cloud NAT ports dynamically for sandbox egress and logs subnet flows", () => {
        const nat = inputs(one(p, T.nat));
        expect(nat).toMatchObject({ enableDynamicPortAllocation: true, enableEndpointIndependentMapping: false, minPortsPerVm: 64, maxPortsPerVm: 16384 });
        expect(inputs(one(p, T.subnet)).logConfig).toMatchObject({ aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5 });
        expect(c.binaryAuthorization).toEqual({ evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" });
    });

    it("puts every cloud resource under one GcpSandboxCluster, named after it, in the stack's project", () => {
        const component = one(p, T.component);
        expect(component.parent).toBe(`cloister:index:SandboxPlatform::${NAME}`);
        const cloud = p.resources.filter((r) => r.type.startsWith("gcp:"));
        expect(cloud.length).toBeGreaterThan(10);
        for (const r of cloud) {
            expect(r.parent).toBe(id(component));
            expect(r.name.startsWith(`${component.name}-`)).toBe(true);
            if ("project" in inputs(r)) expect(inputs(r).project).toBe(PROJECT);
        }
    });

    it("creates a custom-mode VPC, a subnet with the pod and Service ranges, and Cloud NAT for private nodes", () => {
        const vpc = inputs(one(p, T.network));
        expect(vpc.autoCreateSubnetworks).toBe(false);
        const subnet = inputs(one(p, T.subnet));
        expect(subnet.region).toBe(REGION);
        expect(subnet.ipCidrRange).toBe(cfg("network").vpcCidr);
        expect(subnet.secondaryIpRanges.map((r: any) => r.ipCidrRange).sort()).toEqual([cfg("network").podCidr, cfg("network").serviceCidr].sort());
        expect(subnet.privateIpGoogleAccess).toBe(true);
        expect(subnet.network).toMatch(new RegExp(`/networks/${vpc.name}$`));
        const router = inputs(one(p, T.router));
        expect(router.network).toBe(subnet.network);
        const nat = inputs(one(p, T.nat));
        expect(nat.router).toBe(router.name);
        expect(nat.region).toBe(REGION);
        expect(nat.natIpAllocateOption).toBe("AUTO_ONLY");
        // The cluster uses this network and the subnet's own secondary ranges.
        expect(c.network).toBe(subnet.network);
        expect(c.subnetwork).toMatch(new RegExp(`/subnetworks/${subnet.name}$`));
        const rangeNames = subnet.secondaryIpRanges.map((r: any) => r.rangeName);
        expect(rangeNames).toContain(c.ipAllocationPolicy.clusterSecondaryRangeName);
        expect(rangeNames).toContain(c.ipAllocationPolicy.servicesSecondaryRangeName);
        expect(subnet.secondaryIpRanges.find((r: any) => r.rangeName === c.ipAllocationPolicy.clusterSecondaryRangeName).ipCidrRange).toBe(cfg("network").podCidr);
    });

    it("makes a regional GKE Standard cluster with Dataplane V2, Workload Identity and the stack's channel", () => {
        expect(c.location).toBe(REGION);
        expect(c.enableAutopilot).toBeUndefined();
        expect(c.releaseChannel).toEqual({ channel: cfg("gcp").releaseChannel });
        expect(c.datapathProvider).toBe("ADVANCED_DATAPATH");
        expect(c.networkPolicy?.enabled).not.toBe(true);
        expect(c.workloadIdentityConfig).toEqual({ workloadPool: `${PROJECT}.svc.id.goog` });
        expect(c.networkingMode).toBe("VPC_NATIVE");
        expect(c.defaultMaxPodsPerNode).toBe(cfg("network").maxPodsPerNode);
    });

    it("keeps nodes private and the API endpoint restricted to the authorized networks", () => {
        expect(c.privateClusterConfig.enablePrivateNodes).toBe(true);
        expect(c.privateClusterConfig.enablePrivateEndpoint).toBe(cfg("network").privateEndpoint);
        expect(c.privateClusterConfig.masterIpv4CidrBlock).toBe(cfg("gcp").masterCidr);
        expect(c.masterAuthorizedNetworksConfig.cidrBlocks.map((b: any) => b.cidrBlock)).toEqual(cfg("network").authorizedNetworks);
        expect(c.masterAuthorizedNetworksConfig.cidrBlocks.map((b: any) => b.cidrBlock)).not.toContain("0.0.0.0/0");
        expect(c.masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled).toBe(false);
        expect(c.masterAuth.clientCertificateConfig.issueClientCertificate).toBe(false);
    });

    it("hardens the cluster: shielded nodes, default pool removed, deletion protection in retain mode, labels", () => {
        expect(cfg("dataProtection")).toBe("retain");
        expect(c.enableShieldedNodes).toBe(true);
        expect(c.removeDefaultNodePool).toBe(true);
        expect(c.deletionProtection).toBe(true);
        expect(c.enableLegacyAbac).not.toBe(true);
        expect(c.resourceLabels["cloister-platform"]).toBe(NAME);
        expect(c.addonsConfig.podSnapshotConfig).toEqual({ enabled: true });
    });

    it("runs nodes as a dedicated service account with only logging, monitoring and Artifact Registry read", () => {
        const configs = [c.nodeConfig, ...pools.map((r) => inputs(r).nodeConfig)];
        for (const nc of configs) {
            expect(nc.serviceAccount).toBe(nodeSaEmail);
            expect(nc.serviceAccount).not.toMatch(/-compute@developer\.gserviceaccount\.com$/);
        }
        const grants = ofType(p, T.projectMember).map(inputs);
        for (const g of grants) expect(g.member).toBe(`serviceAccount:${nodeSaEmail}`);
        expect(grants.map((g) => g.role).sort()).toEqual(
            [
                "roles/artifactregistry.reader",
                "roles/logging.logWriter",
                "roles/monitoring.metricWriter",
                "roles/monitoring.viewer",
                "roles/stackdriver.resourceMetadata.writer",
            ].sort(),
        );
        // Nodes must be able to log and pull the moment they boot.
        for (const g of ofType(p, T.projectMember)) expect(cluster.dependsOn).toContain(id(g));
    });

    it("creates the system pool and one pool per configured pool, each with GKE_METADATA and shielded VMs", () => {
        expect(pools.map((r) => inputs(r).name).sort()).toEqual(["system", ...allPools.map((x) => x.name)].sort());
        for (const r of pools) {
            const nc = inputs(r).nodeConfig;
            expect(nc.workloadMetadataConfig).toEqual({ mode: "GKE_METADATA" });
            expect(nc.shieldedInstanceConfig).toEqual({ enableSecureBoot: true, enableIntegrityMonitoring: true });
            expect(nc.resourceLabels["cloister-platform"]).toBe(NAME);
            expect(inputs(r).location).toBe(REGION);
            expect(inputs(r).cluster).toBe(c.name);
        }
        expect(c.nodeConfig.workloadMetadataConfig).toEqual({ mode: "GKE_METADATA" });
        const system = poolByName("system");
        expect(system.nodeConfig.sandboxConfig).toBeUndefined();
        expect(system.autoscaling.totalMinNodeCount).toBe(cfg("systemPool").minNodes);
        expect(system.autoscaling.totalMaxNodeCount).toBe(cfg("systemPool").maxNodes);
        for (const pool of allPools) {
            const a = poolByName(pool.name);
            expect(a.autoscaling.totalMinNodeCount).toBe(pool.minNodes);
            expect(a.autoscaling.totalMaxNodeCount).toBe(pool.maxNodes);
            expect(a.nodeConfig.spot ?? false).toBe(pool.spot ?? false);
            expect(a.nodeConfig.machineType).toBe(pool.machineType);
            expect(a.nodeConfig.labels).toMatchObject({ "cloister.dev/pool": pool.name, "cloister.dev/isolation": pool.isolation });
        }
    });

    it("makes every gvisor pool (GPU included) a GKE Sandbox pool, tainted only by GKE itself", () => {
        const gvisor = allPools.filter((x) => x.isolation === "gvisor");
        expect(gvisor.length).toBeGreaterThanOrEqual(2);
        for (const pool of gvisor) {
            const nc = poolByName(pool.name).nodeConfig;
            expect(nc.sandboxConfig).toEqual({ type: "GVISOR" });
            expect(nc.imageType).toBe("COS_CONTAINERD");
            // GKE's managed "gvisor" RuntimeClass tolerates only GKE's sandbox taint: no other taint
            // may stand in the way, except the GPU one that GPU templates tolerate.
            for (const t of nc.taints ?? []) expect(t.key).toBe("nvidia.com/gpu");
        }
        // Cloister uses GKE's RuntimeClass instead of creating one.
        const classes = ofType(p, "kubernetes:node.k8s.io/v1:RuntimeClass").map(inputs);
        expect(classes.map((rc) => rc.metadata.labels["cloister.dev/isolation"])).not.toContain("gvisor");
        const templates = ofType(p, "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate").map(inputs);
        for (const t of templates.filter((t) => cfg("templates").find((x: any) => x.name === t.metadata.name).isolation === "gvisor")) {
            expect(t.spec.podTemplate.spec.runtimeClassName).toBe("gvisor");
        }
    });

    it("makes kata pools Ubuntu nodes with nested virtualization, labelled and tainted for kata only", () => {
        const kata = sandboxPools.filter((x) => x.isolation === "kata");
        expect(kata.length).toBeGreaterThanOrEqual(1);
        const runtimeClass = inputs(ofType(p, "kubernetes:node.k8s.io/v1:RuntimeClass").find((r) => inputs(r).metadata.labels["cloister.dev/isolation"] === "kata")!);
        const chart = inputs(one(p, "kubernetes:helm.sh/v4:Chart"));
        for (const pool of kata) {
            const nc = poolByName(pool.name).nodeConfig;
            expect(nc.imageType).toBe("UBUNTU_CONTAINERD");
            expect(nc.advancedMachineFeatures.enableNestedVirtualization).toBe(true);
            expect(nc.sandboxConfig).toBeUndefined();
            expect(nc.taints).toContainEqual({ key: "cloister.dev/isolation", value: "kata", effect: "NO_SCHEDULE" });
            // kata-deploy selects these nodes; the kata RuntimeClass selects them once kata-deploy has marked
            // them ready, so no kata pod lands before the runtime is installed.
            const { [KATA_READY_LABEL]: ready, ...poolLabels } = runtimeClass.scheduling.nodeSelector;
            expect(ready).toBe("true");
            expect(nc.labels).toMatchObject(poolLabels);
            expect(nc.labels).toMatchObject(chart.values.nodeSelector);
            expect(chart.values.nodeSelector).not.toHaveProperty(KATA_READY_LABEL);
            expect(runtimeClass.scheduling.tolerations).toContainEqual({ key: "cloister.dev/isolation", operator: "Equal", value: "kata", effect: "NoSchedule" });
        }
        expect(runtimeClass.handler).toBe(KATA_DEPLOY_HANDLER);
        expect(chart.chart).toMatch(/^oci:\/\/ghcr\.io\/kata-containers\//);
        expect(chart.version).toBe(KATA_DEPLOY_VERSION);
        // Only the shim behind Cloister's handler is installed.
        const enabled = Object.entries(chart.values.shims).filter(([, v]: [string, any]) => v.enabled).map(([k]) => k);
        expect(enabled).toEqual(["qemu-runtime-rs"]);
        // No other pool is tainted for kata, and only kata pools get nested virtualization.
        for (const r of pools.filter((r) => !kata.some((k) => k.name === inputs(r).name))) {
            expect(inputs(r).nodeConfig.advancedMachineFeatures).toBeUndefined();
        }
    });

    it("gives GPU pools their accelerators with GKE's driver installation and an explicit nvidia.com/gpu taint", () => {
        expect(gpuPools.length).toBeGreaterThanOrEqual(1);
        for (const pool of gpuPools) {
            const nc = poolByName(pool.name).nodeConfig;
            expect(nc.guestAccelerators).toHaveLength(1);
            const acc = nc.guestAccelerators[0];
            expect(acc.type).toBe(pool.acceleratorType);
            expect(acc.count).toBe(pool.acceleratorCount);
            expect(["DEFAULT", "LATEST"]).toContain(acc.gpuDriverInstallationConfig.gpuDriverVersion);
            expect(nc.taints).toContainEqual({ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" });
            expect(nc.labels["cloister.dev/accelerator"]).toBe(pool.acceleratorType);
        }
        for (const r of pools.filter((r) => !gpuPools.some((g) => g.name === inputs(r).name))) {
            expect(inputs(r).nodeConfig.guestAccelerators).toBeUndefined();
        }
    });

    it("creates a private, versioned snapshot bucket with lifecycle rules from the retention and soft delete", () => {
        const bucketRes = one(p, T.bucket);
        const b = inputs(bucketRes);
        expect(b.uniformBucketLevelAccess).toBe(true);
        expect(b.publicAccessPrevention).toBe("enforced");
        expect(b.versioning).toEqual({ enabled: true });
        expect(b.location.toLowerCase()).toBe(REGION);
        const days = cfg("snapshotBucket").retentionDays;
        const deletes = b.lifecycleRules.filter((r: any) => r.action.type === "Delete").map((r: any) => r.condition);
        expect(deletes).toContainEqual(expect.objectContaining({ age: days, withState: "LIVE" }));
        expect(deletes).toContainEqual(expect.objectContaining({ daysSinceNoncurrentTime: days, withState: "ARCHIVED" }));
        expect(b.softDeletePolicy.retentionDurationSeconds).toBe(cfg("gcp").softDeleteDays * 24 * 3600);
        expect(b.labels["cloister-platform"]).toBe(NAME);
        // Data: kept on delete and replace, protected, never force-destroyed.
        expect(bucketRes.options).toEqual({ protect: true, retainOnDelete: true });
        expect(b.forceDestroy).toBe(false);
    });

    it("grants the bucket to nobody who does not write to it: the control plane gets no cloud identity", () => {
        expect(ofType(p, T.bucketMember)).toEqual([]);
        // One Google service account (the nodes'); no key, no Workload Identity annotation on the controller.
        expect(ofType(p, T.account)).toHaveLength(1);
        const ksa = inputs(ofType(p, "kubernetes:core/v1:ServiceAccount").find((r) => r.name.endsWith("-runtime-controller"))!);
        expect(Object.keys(ksa.metadata.annotations ?? {}).filter((k) => k.startsWith("iam.gke.io/"))).toEqual([]);
    });

    it("builds the runtime's provider from the cluster (secret kubeconfig) and gives it GKE storage", () => {
        const provider = one(p, "pulumi:providers:kubernetes");
        expect(inputs(provider).kubeconfig).toBe("[secret]");
        expect(String(inputs(provider).enableServerSideApply)).toBe("true");
        // In-cluster objects wait for the cluster and all its pools (they all use this provider).
        expect(provider.dependsOn).toContain(id(one(p, T.cluster)));
        for (const r of pools) expect(provider.dependsOn).toContain(id(r));
        const sc = inputs(one(p, "kubernetes:storage.k8s.io/v1:StorageClass"));
        expect(sc.provisioner).toBe("pd.csi.storage.gke.io");
        expect(sc.parameters.type).toBe(cfg("storage").tier === "performance" ? "hyperdisk-balanced" : "pd-balanced");
        expect(inputs(one(p, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass")).driver).toBe("pd.csi.storage.gke.io");
        // Sandboxes must not reach the control-plane range.
        const egress = inputs(ofType(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((r) => inputs(r).metadata.name === "allow-internet-egress")!);
        expect(JSON.stringify(egress)).toContain(cfg("gcp").masterCidr);
    });
});

// ---------------------------------------------------------------------------------------------------
// GcpSandboxCluster in-process, for outputs and the modes gcp-dev does not use.
const base = (over: Partial<PlatformSpec> = {}): PlatformSpec => ({
    target: "gcp",
    name: "unit",
    region: "europe-west4",
    gcp: { project: "unit-project" },
    sandboxPools: [{ name: "gv", isolation: "gvisor" }],
    templates: [{ name: "py", image: "python:3.12-slim", isolation: "gvisor" }],
    ...over,
});

describe("GcpSandboxCluster under mocks", () => {
    let resources: PlannedResource[] = [];
    let kubeconfig = "";
    let kubeconfigSecret = false;
    const of = (component: string, type: string) => resources.filter((r) => r.type === type && r.parent === `${T.component}::${component}`);

    beforeAll(async () => {
        const recorder = await PlanRecorder.install("cloister", "unit");
        pulumi.runtime.setAllConfig({ "gcp:project": "from-config" });
        const retain = new GcpSandboxCluster("keep", { spec: base() });
        new GcpSandboxCluster("throwaway", { spec: base({ dataProtection: "destroy" }) });
        const key = (name: string) => `projects/keys-project/locations/europe-west4/keyRings/ring/cryptoKeys/${name}`;
        new GcpSandboxCluster("cmek", {
            spec: base({ snapshotBucket: { kmsKeyId: key("bucket") }, gcp: { project: "unit-project", secretsKmsKeyId: key("secrets") } }),
        });
        new GcpSandboxCluster("byo", {
            spec: base({
                gcp: {
                    project: "unit-project",
                    existingNetwork: "projects/host/global/networks/shared",
                    existingSubnetwork: "projects/host/regions/europe-west4/subnetworks/gke",
                    existingPodRangeName: "gke-pods",
                    existingServiceRangeName: "gke-services",
                },
            }),
        });
        new GcpSandboxCluster("configured", { spec: base({ gcp: {} }) });
        // Values the program computes elsewhere (another resource's outputs, a secret).
        new GcpSandboxCluster("computed", {
            spec: base({
                gcp: { project: pulumi.output("computed-project"), secretsKmsKeyId: pulumi.secret(key("computed-secrets")) },
                snapshotBucket: { kmsKeyId: pulumi.output(key("computed-bucket")) },
                templates: [{ name: "py", image: pulumi.output("registry.example.com/py@sha256:0123"), isolation: "gvisor" }],
            }),
        });
        kubeconfigSecret = await pulumi.isSecret(retain.kubeconfig);
        kubeconfig = await new Promise<string>((resolve) => retain.kubeconfig.apply(resolve));
        await new Promise((r) => setTimeout(r, 300));
        resources = recorder.resources();
    });

    it("outputs a secret kubeconfig that authenticates with gke-gcloud-auth-plugin against the cluster", () => {
        expect(kubeconfigSecret).toBe(true);
        const doc = yaml.load(kubeconfig) as any;
        const ctx = doc.contexts.find((x: any) => x.name === doc["current-context"]).context;
        const server = doc.clusters.find((x: any) => x.name === ctx.cluster).cluster;
        const cluster = of("keep", T.cluster)[0];
        expect(server.server).toMatch(/^https:\/\/.*keep-cluster endpoint/);
        expect(server["certificate-authority-data"]).toMatch(/keep-cluster CA certificate/);
        const exec = doc.users.find((x: any) => x.name === ctx.user).user.exec;
        expect(exec.command).toBe("gke-gcloud-auth-plugin");
        expect(exec.apiVersion).toBe("client.authentication.k8s.io/v1beta1");
        expect(JSON.stringify(doc.users)).not.toMatch(/token|password|client-key/i);
        expect(doc["current-context"]).toContain((cluster.inputs as any).name);
    });

    it("drops the guards in destroy mode: bucket not protected or retained, cluster deletable", () => {
        const bucket = of("throwaway", T.bucket)[0];
        expect(bucket.options).toEqual({ protect: false, retainOnDelete: false });
        expect((bucket.inputs as any).forceDestroy).toBe(true);
        expect((of("throwaway", T.cluster)[0].inputs as any).deletionProtection).toBe(false);
        expect((of("keep", T.cluster)[0].inputs as any).deletionProtection).toBe(true);
    });

    it("grants the service agents their customer keys before the bucket and the cluster use them", () => {
        const grants = of("cmek", T.kmsMember);
        const bucketKey = "projects/keys-project/locations/europe-west4/keyRings/ring/cryptoKeys/bucket";
        const secretsKey = "projects/keys-project/locations/europe-west4/keyRings/ring/cryptoKeys/secrets";
        const forBucket = grants.find((g) => (g.inputs as any).cryptoKeyId === bucketKey)!;
        const forSecrets = grants.find((g) => (g.inputs as any).cryptoKeyId === secretsKey)!;
        expect((forBucket.inputs as any).role).toBe("roles/cloudkms.cryptoKeyEncrypterDecrypter");
        expect((forBucket.inputs as any).member).toMatch(/^serviceAccount:.*Cloud Storage service agent/);
        expect((forSecrets.inputs as any).member).toMatch(/^serviceAccount:service-.*@container-engine-robot\.iam\.gserviceaccount\.com$/);
        for (const g of grants) expect(g.options).toEqual({ protect: true, retainOnDelete: true });
        const bucket = of("cmek", T.bucket)[0];
        expect((bucket.inputs as any).encryption).toEqual({ defaultKmsKeyName: bucketKey });
        expect(bucket.dependsOn).toContain(id(forBucket));
        const cluster = of("cmek", T.cluster)[0];
        expect((cluster.inputs as any).databaseEncryption).toEqual({ state: "ENCRYPTED", keyName: secretsKey });
        expect(cluster.dependsOn).toContain(id(forSecrets));
    });

    it("uses an existing VPC and its ranges without creating network resources", () => {
        for (const type of [T.network, T.subnet, T.router, T.nat]) expect(of("byo", type)).toEqual([]);
        const c = of("byo", T.cluster)[0].inputs as any;
        expect(c.network).toBe("projects/host/global/networks/shared");
        expect(c.subnetwork).toBe("projects/host/regions/europe-west4/subnetworks/gke");
        expect(c.ipAllocationPolicy).toEqual({ clusterSecondaryRangeName: "gke-pods", servicesSecondaryRangeName: "gke-services" });
    });

    it("takes computed project, keys and images, in every place a plain string would go", () => {
        const cluster = of("computed", T.cluster)[0].inputs as any;
        expect(cluster.project).toBe("computed-project");
        expect(cluster.workloadIdentityConfig.workloadPool).toBe("computed-project.svc.id.goog");
        // A secret stays secret on its way into the cluster.
        expect(cluster.databaseEncryption.keyName).toBe("[secret]");
        const bucket = of("computed", T.bucket)[0].inputs as any;
        expect(bucket.name).toBe("computed-project-unit-snapshots");
        expect(bucket.encryption.defaultKmsKeyName).toMatch(/cryptoKeys\/computed-bucket$/);
    });

    it("still refuses a malformed literal where a computed value would be accepted", () => {
        expect(() => new GcpSandboxCluster("literal", { spec: base({ snapshotBucket: { kmsKeyId: "my-key" } }) })).toThrow(/spec\.snapshotBucket\.kmsKeyId: "my-key" is not a Cloud KMS key ID/);
    });

    it("takes the project from gcp:project config when the spec names none", () => {
        const c = of("configured", T.cluster)[0].inputs as any;
        expect(c.project).toBe("from-config");
        expect(c.workloadIdentityConfig.workloadPool).toBe("from-config.svc.id.goog");
        expect((of("keep", T.cluster)[0].inputs as any).project).toBe("unit-project");
    });
});

// ---------------------------------------------------------------------------------------------------
// The pure validator.
describe("validateGcpSpec", () => {
    const problemsFor = (spec: PlatformSpec) => validateGcpSpec(spec);
    const expectProblem = (spec: PlatformSpec, path: string, reason: RegExp) => {
        const problems = problemsFor(spec);
        expect(problems).toContainEqual({ path, reason: expect.stringMatching(reason) });
    };

    it("accepts a minimal spec, and the default kata machine type", () => {
        expect(problemsFor(base())).toEqual([]);
        expect(problemsFor(base({ sandboxPools: [{ name: "vm", isolation: "kata" }] }))).toEqual([]);
        expect(validatePlatformSpec(base())).toEqual([]);
    });

    it.each([
        ["e2-standard-8", "E2"],
        ["n2d-standard-8", "N2D"],
        ["t2a-standard-8", "T2A"],
        ["c3d-standard-8", "C3D"],
    ])("rejects kata on %s (no nested virtualization)", (machineType, family) => {
        expectProblem(
            base({ sandboxPools: [{ name: "gv", isolation: "gvisor" }, { name: "vm", isolation: "kata", machineType }] }),
            "sandboxPools[1].machineType",
            new RegExp(`"${machineType}" \\(${family}\\) has no nested virtualization.*Intel`),
        );
    });

    it("rejects a GPU pool with kata isolation", () => {
        expectProblem(
            base({ gpuPools: [{ name: "l4", isolation: "kata", acceleratorType: "nvidia-l4" }] }),
            "gpuPools[0].isolation",
            /GPU pools on GKE must use "gvisor"/,
        );
        expect(problemsFor(base({ gpuPools: [{ name: "l4", isolation: "gvisor", acceleratorType: "nvidia-l4", zones: ["europe-west4-a"] }] }))).toEqual([]);
    });

    it("asks GPU pools for their zones, within the region", () => {
        expectProblem(base({ gpuPools: [{ name: "l4", isolation: "gvisor", acceleratorType: "nvidia-l4" }] }), "gpuPools[0].zones", /GPU pools need explicit zones/);
        expectProblem(base({ gpuPools: [{ name: "l4", isolation: "gvisor", acceleratorType: "nvidia-l4", zones: ["us-east1-b"] }] }), "gpuPools[0].zones[0]", /not a zone of region/);
    });

    it("checks the Binary Authorization mode and the access-log bucket name", () => {
        expectProblem(base({ gcp: { project: "acme-sandbox", binaryAuthorization: "ON" } }), "gcp.binaryAuthorization", /PROJECT_SINGLETON_POLICY_ENFORCE/);
        expectProblem(base({ gcp: { project: "acme-sandbox", accessLogBucket: "Bad Bucket" } }), "gcp.accessLogBucket", /not a bucket name/);
    });

    it("rejects a pod range too small for every pool at its max size", () => {
        // A /22 holds 1024 addresses; with 110 pods per node GKE gives each node a /24 (256), so 4 nodes fit.
        // The system pool (max 3) and one sandbox pool (max 3) may grow to 6.
        const spec = base({ network: { podCidr: "10.8.0.0/22" }, systemPool: { maxNodes: 3 }, sandboxPools: [{ name: "gv", isolation: "gvisor", maxNodes: 3 }] });
        expectProblem(spec, "network.podCidr", /holds 4 node\(s\), but the pools may grow to 6 nodes.*use a \/21 or larger/);
        // Fewer pods per node shrink each node's range enough to fit.
        expect(problemsFor({ ...spec, network: { podCidr: "10.8.0.0/22", maxPodsPerNode: 64 } })).toEqual([]);
    });

    it("sizes each node's pod range as 2 × maxPodsPerNode rounded up to a power of two", () => {
        for (const maxPods of [8, 32, 64, 110, 128, 256]) {
            const range = perNodePodRange(maxPods);
            expect(Math.log2(range) % 1).toBe(0);
            expect(range).toBeGreaterThanOrEqual(2 * maxPods);
            expect(range / 2).toBeLessThan(2 * maxPods);
        }
    });

    it.each(["us-central1-a", "uscentral1", "US-CENTRAL1", "us-central"])("rejects region %s", (region) => {
        expectProblem(base({ region }), "region", /is not a GCP region name such as "us-central1"/);
    });

    it("requires a project, and takes gcp:project config when the spec has none", () => {
        const spec = base({ gcp: {} });
        expectProblem(spec, "gcp.project", /needs a project: set gcp\.project .* or the provider config gcp:project/);
        expect(problemsFor(withGcpProject(spec, "from-config"))).toEqual([]);
        expect(withGcpProject(base(), "from-config").gcp?.project).toBe("unit-project");
        expectProblem(base({ gcp: { project: "Bad_Project" } }), "gcp.project", /is not a GCP project ID/);
    });

    it("rejects extra taints on gvisor pools (GKE's managed RuntimeClass cannot tolerate them)", () => {
        expectProblem(
            base({ sandboxPools: [{ name: "gv", isolation: "gvisor", taints: [{ key: "team", value: "a", effect: "NoSchedule" }] }] }),
            "sandboxPools[0].taints",
            /tolerates only that taint/,
        );
    });

    it("rejects zones outside the region, keys in another location, and Pod Snapshots without gvisor", () => {
        expectProblem(base({ sandboxPools: [{ name: "gv", isolation: "gvisor", zones: ["us-east1-b"] }] }), "sandboxPools[0].zones[0]", /not a zone of region "europe-west4"/);
        expectProblem(
            base({ snapshotBucket: { kmsKeyId: "projects/p/locations/us/keyRings/r/cryptoKeys/k" } }),
            "snapshotBucket.kmsKeyId",
            /key is in "us" but the snapshot bucket is in "europe-west4"/,
        );
        expectProblem(
            base({ sandboxPools: [{ name: "vm", isolation: "kata" }], templates: [], gcp: { project: "unit-project", podSnapshots: true } }),
            "gcp.podSnapshots",
            /needs a gvisor pool/,
        );
    });

    it("is part of validatePlatformSpec for target gcp only", () => {
        const bad = base({ region: "us-central1-a" });
        expect(validatePlatformSpec(bad).map((p) => p.path)).toContain("region");
        expect(validatePlatformSpec({ ...bad, target: "kubernetes", cluster: { storageProvisioner: "x" } }).map((p) => p.path)).not.toContain("region");
    });

    it("stops `npm run plan` with the field path before anything is registered", () => {
        const result = runPlanWithConfig("bad-gcp", [
            "gcp:project: acme-agents-dev",
            "cloister:target: gcp",
            "cloister:name: bad",
            "cloister:region: us-central1",
            "cloister:sandboxPools: [{name: vm, isolation: kata, machineType: e2-standard-8}]",
            "cloister:gpuPools: [{name: l4, isolation: kata, acceleratorType: nvidia-l4}]",
        ]);
        expect(result.status).not.toBe(0);
        expect(result.stdout).toBe("");
        expect(result.stderr).toMatch(/sandboxPools\[0\]\.machineType: "e2-standard-8" \(E2\) has no nested virtualization/);
        expect(result.stderr).toMatch(/gpuPools\[0\]\.isolation: GPU pools on GKE must use "gvisor"/);
    });
});
