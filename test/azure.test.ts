// Azure: the offline plan of the azure-dev stack (run as a user runs it), the modes it does not use, and
// the pure AKS validator. Expected values come from the stack file, from AKS's and Azure's documented
// settings (../shared/reference/clouds.md §2), or from the requirements, not from the implementation.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { validateAzureSpec } from "../components/azure";
import { globalName } from "../components/azure/validate";
import { PlatformSpec } from "../components/spec/types";
import { PlannedResource } from "../scripts/mocks";
import { criticalPath, TYPICAL_SECONDS } from "../scripts/criticalPath";
import { ofType, one, plan, Plan, ROOT, runPlanWithConfig } from "./plan";

const stackFile = yaml.load(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.azure-dev.yaml"), "utf8")) as { config: Record<string, any> };
const cfg = (key: string) => stackFile.config[`cloister:${key}`];
const NAME: string = cfg("name");
const sandboxPools: any[] = cfg("sandboxPools");
const gpuPools: any[] = cfg("gpuPools");

const T = {
    group: "azure-native:resources:ResourceGroup",
    vnet: "azure-native:network:VirtualNetwork",
    subnet: "azure-native:network:Subnet",
    nat: "azure-native:network:NatGateway",
    nsg: "azure-native:network:NetworkSecurityGroup",
    cluster: "azure-native:containerservice:ManagedCluster",
    pool: "azure-native:containerservice:AgentPool",
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    vault: "azure-native:keyvault:Vault",
    key: "azure-native:keyvault:Key",
    grant: "azure-native:authorization:RoleAssignment",
    feature: "azure-native:features:SubscriptionFeatureRegistration",
    account: "azure-native:storage:StorageAccount",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
};
const inputs = (r: PlannedResource) => r.inputs as any;
const id = (r: PlannedResource) => `${r.type}::${r.name}`;
/** The ID a resource gets (the mocks give `<name>-id`), as other resources' inputs carry it. */
const cloudId = (r: PlannedResource) => `${r.name}-id`;
/** Key Vault Crypto User and the documented AKS settings. */
const KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424";
const STARTUP_TAINT = "cloister.dev/runtime-pending=gvisor:NoSchedule";

describe("plan of azure-dev", () => {
    const p = plan("azure-dev");
    const cluster = inputs(one(p, T.cluster));
    const pools = ofType(p, T.pool);
    const pool = (name: string) => inputs(pools.find((g) => g.name.endsWith(`-pool-${name}`))!);
    const templates = ofType(p, "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate").map(inputs);
    const template = (name: string) => templates.find((t) => t.metadata.name === name)!.spec.podTemplate.spec;

    it("uses @pulumi/azure-native resources directly under one AzureSandboxCluster, all in the platform's resource group", () => {
        const cloud = p.resources.filter((r) => r.type.startsWith("azure"));
        expect(cloud.length).toBeGreaterThan(15);
        for (const r of cloud) {
            expect(r.type.startsWith("azure-native:"), r.type).toBe(true);
            expect(r.parent).toBe(`cloister:index:AzureSandboxCluster::${NAME}-azure`);
        }
        expect(inputs(one(p, T.group))).toMatchObject({ resourceGroupName: `${NAME}-rg`, location: cfg("region") });
        const grouped = cloud.filter((r) => "resourceGroupName" in inputs(r) && r.type !== T.group);
        expect(grouped.length).toBeGreaterThan(10);
        for (const r of grouped) expect(inputs(r).resourceGroupName, id(r)).toBe(`${NAME}-rg`);
    });

    it("tags every taggable resource with the platform", () => {
        const tagged = p.resources.filter((r) => r.type.startsWith("azure-native:") && inputs(r).tags !== undefined);
        expect(tagged.map((r) => r.type)).toEqual(expect.arrayContaining([T.group, T.vnet, T.nat, T.nsg, T.cluster, T.pool, T.identity, T.vault, T.account]));
        for (const r of tagged) expect(inputs(r).tags["cloister-platform"], id(r)).toBe(NAME);
    });

    it("registers encryption at host for the subscription before any node, and never unregisters it", () => {
        const feature = one(p, T.feature);
        expect(inputs(feature)).toMatchObject({ providerNamespace: "Microsoft.Compute", featureName: "EncryptionAtHost", properties: { state: "Registered" } });
        expect(feature.options.retainOnDelete).toBe(true);
        expect(one(p, T.cluster).dependsOn).toContain(id(feature));
    });

    it("puts nodes in the VNet's subnet behind the NAT gateway and the NSG, with no implicit outbound", () => {
        expect(inputs(one(p, T.vnet)).addressSpace.addressPrefixes).toEqual([cfg("network").vpcCidr]);
        const subnet = one(p, T.subnet);
        expect(inputs(subnet)).toMatchObject({ natGateway: { id: cloudId(one(p, T.nat)) }, networkSecurityGroup: { id: cloudId(one(p, T.nsg)) }, defaultOutboundAccess: false });
        expect(cluster.networkProfile.outboundType).toBe("userAssignedNATGateway");
        expect(cluster.agentPoolProfiles[0].vnetSubnetID).toBe(cloudId(subnet));
        for (const g of pools) expect(inputs(g).vnetSubnetID).toBe(cloudId(subnet));
    });

    it("runs Azure CNI overlay with the Cilium dataplane and Cilium network policy, DNS inside the Service range", () => {
        const net = cfg("network");
        expect(cluster.networkProfile).toMatchObject({ networkPlugin: "azure", networkPluginMode: "overlay", networkDataplane: "cilium", networkPolicy: "cilium", podCidr: net.podCidr, serviceCidr: net.serviceCidr });
        expect(cluster.networkProfile.dnsServiceIP).toBe("10.96.0.10");
    });

    it("authenticates with Entra ID and Azure RBAC only, and opens the public API server to the stack's networks only", () => {
        expect(cluster.aadProfile).toMatchObject({ managed: true, enableAzureRBAC: true });
        expect(cluster.disableLocalAccounts).toBe(true);
        expect(cluster.apiServerAccessProfile).toEqual({ enablePrivateCluster: false, authorizedIPRanges: cfg("network").authorizedNetworks });
    });

    it("turns on the OIDC issuer, workload identity, image cleaner, automatic and node-OS upgrades, disk CSI and snapshots", () => {
        expect(cluster.oidcIssuerProfile).toEqual({ enabled: true });
        expect(cluster.securityProfile.workloadIdentity).toEqual({ enabled: true });
        expect(cluster.securityProfile.imageCleaner.enabled).toBe(true);
        expect(cluster.autoUpgradeProfile).toEqual({ upgradeChannel: "stable", nodeOSUpgradeChannel: "NodeImage" });
        expect(cluster.storageProfile).toEqual({ diskCSIDriver: { enabled: true }, snapshotController: { enabled: true } });
    });

    it("encrypts etcd with a key in a purge-protected RBAC vault that only the cluster's identity may use, granted before the cluster exists", () => {
        const vault = one(p, T.vault);
        const key = one(p, T.key);
        expect(inputs(vault).properties).toMatchObject({ enableRbacAuthorization: true, enableSoftDelete: true, enablePurgeProtection: true });
        expect(inputs(vault).vaultName.startsWith(`${NAME.replace(/-/g, "")}etcd`)).toBe(true);
        expect(inputs(key).properties).toMatchObject({ kty: "RSA", keyOps: ["wrapKey", "unwrapKey"] });
        // retain: the vault and key outlive the stack (etcd cannot be read without them).
        for (const r of [vault, key]) expect(r.options).toEqual({ protect: true, retainOnDelete: true });
        expect(cluster.securityProfile.azureKeyVaultKms).toMatchObject({ enabled: true, keyVaultResourceId: cloudId(vault) });
        expect(cluster.securityProfile.azureKeyVaultKms.keyId).toMatch(/^https:\/\/.*\.vault\.azure\.net\/keys\//);
        const identity = one(p, T.identity);
        expect(cluster.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [cloudId(identity)] });
        const grants = ofType(p, T.grant).map(inputs);
        expect(grants).toHaveLength(1);
        expect(grants[0]).toMatchObject({ scope: cloudId(vault), principalType: "ServicePrincipal" });
        expect(grants[0].roleDefinitionId).toMatch(new RegExp(`/roleDefinitions/${KEY_VAULT_CRYPTO_USER}$`));
        expect(one(p, T.cluster).dependsOn).toContain(id(ofType(p, T.grant)[0]));
    });

    it("runs a System pool for the platform's pods and a user pool per spec pool, labelled, tainted, scaled from the spec, spot where asked", () => {
        const system = cluster.agentPoolProfiles[0];
        expect(system).toMatchObject({ mode: "System", osSKU: "AzureLinux", vmSize: cfg("systemPool").machineType, enableAutoScaling: true, minCount: 2, maxCount: 3 });
        // Untainted: the controller and router run there without tolerations.
        expect(system.nodeTaints).toBeUndefined();
        expect(pools).toHaveLength(sandboxPools.length + gpuPools.length);
        for (const spec of [...sandboxPools, ...gpuPools]) {
            const g = pool(spec.name);
            expect(g).toMatchObject({ mode: "User", osType: "Linux", vmSize: spec.machineType, enableAutoScaling: true, minCount: spec.minNodes, maxCount: spec.maxNodes });
            expect(g.nodeLabels).toMatchObject({ "cloister.dev/pool": spec.name, "cloister.dev/isolation": spec.isolation });
            expect(g.nodeTaints).toContain(`cloister.dev/isolation=${spec.isolation}:NoSchedule`);
            expect(g.scaleSetPriority).toBe(spec.spot ? "Spot" : "Regular");
        }
        expect(pool("gvisor").minCount).toBe(1);
        expect(pool("kata").minCount).toBe(0);
    });

    it("hardens every node: no SSH, encryption at host, Trusted Launch (Secure Boot off where AKS installs the NVIDIA driver)", () => {
        for (const g of [cluster.agentPoolProfiles[0], ...pools.map(inputs)]) {
            expect(g.securityProfile.sshAccess).toBe("Disabled");
            expect(g.securityProfile.enableVTPM).toBe(true);
            expect(g.enableEncryptionAtHost).toBe(true);
        }
        expect(pool("gvisor").securityProfile.enableSecureBoot).toBe(true);
        expect(pool("t4").securityProfile.enableSecureBoot).toBe(false);
    });

    it("makes kata pools AKS Pod Sandboxing on Azure Linux and GPU pools NVIDIA with the AKS driver, under gVisor", () => {
        expect(pool("kata")).toMatchObject({ workloadRuntime: "KataVmIsolation", osSKU: "AzureLinux" });
        expect(pool("gvisor").workloadRuntime).toBe("OCIContainer");
        expect(pool("t4")).toMatchObject({ gpuProfile: { driver: "Install" }, workloadRuntime: "OCIContainer" });
        expect(pool("t4").nodeTaints).toContain("nvidia.com/gpu=present:NoSchedule");
    });

    it("starts gVisor nodes with the installer's taint, which no sandbox tolerates", () => {
        expect(pool("gvisor").nodeTaints).toContain(STARTUP_TAINT);
        expect(pool("t4").nodeTaints).toContain(STARTUP_TAINT);
        expect(pool("kata").nodeTaints).not.toContain(STARTUP_TAINT);
        const gvisorClass = ofType(p, "kubernetes:node.k8s.io/v1:RuntimeClass").map(inputs).find((c) => c.metadata.labels["cloister.dev/isolation"] === "gvisor");
        expect(gvisorClass.handler).toBe("runsc");
        const tolerated = [...gvisorClass.scheduling.tolerations, ...(template("python").tolerations ?? []), ...(template("cuda").tolerations ?? [])];
        expect(tolerated.filter((t: any) => t.key === "cloister.dev/runtime-pending" || (t.operator === "Exists" && !t.key))).toEqual([]);
    });

    it("installs gVisor with a privileged DaemonSet on the gVisor pools only, from the pinned release, checksummed, lifting the taint", () => {
        const ds = inputs(one(p, T.daemonSet));
        const podSpec = ds.spec.template.spec;
        const gvisorPools = [...sandboxPools, ...gpuPools].filter((x) => x.isolation === "gvisor").map((x) => x.name);
        expect(podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
            { matchExpressions: [{ key: "cloister.dev/pool", operator: "In", values: gvisorPools }] },
        ]);
        expect(podSpec.containers[0].securityContext.privileged).toBe(true);
        expect(podSpec.tolerations).toEqual([{ operator: "Exists" }]);
        expect(podSpec.containers[0].command.join(" ")).toMatch(/kubectl taint node "\$NODE_NAME" cloister\.dev\/runtime-pending:NoSchedule-/);
        const script = inputs(one(p, "kubernetes:core/v1:ConfigMap", `${NAME}-runtime-gvisor-installer`)).data["install-runsc.sh"];
        expect(script).toContain("https://storage.googleapis.com/gvisor/releases/release}/$release");
        expect(script).toContain("release=20260921.0");
        expect(script).toContain('sha512sum -c "$f.sha512"');
        // Both containerd config schemas: version 3 (containerd 2) and version 2.
        expect(script).toContain("io.containerd.cri.v1.runtime");
        expect(script).toContain("io.containerd.grpc.v1.cri");
        const role = inputs(one(p, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", `${NAME}-runtime-gvisor-installer`));
        expect(role.rules).toEqual([{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }]);
    });

    it("uses AKS's kata-vm-isolation class, creating none, and the kata template carries the kata pools' scheduling and CPU limits", () => {
        const classes = ofType(p, "kubernetes:node.k8s.io/v1:RuntimeClass").map(inputs);
        expect(classes.map((c) => c.metadata.labels["cloister.dev/isolation"])).toEqual(["gvisor"]);
        const kata = template("isolated-vm");
        expect(kata.runtimeClassName).toBe("kata-vm-isolation");
        expect(kata.nodeSelector).toMatchObject({ "cloister.dev/isolation": "kata" });
        expect(kata.tolerations).toEqual([{ key: "cloister.dev/isolation", operator: "Equal", value: "kata", effect: "NoSchedule" }]);
        // Pod Sandboxing sizes the VM from limits: every sandbox has a CPU limit.
        for (const t of templates) expect(t.spec.podTemplate.spec.containers[0].resources.limits.cpu, t.metadata.name).toBeTruthy();
    });

    it("runs NVIDIA's device plugin on the GPU pool, tolerating its startup taint", () => {
        const chart = ofType(p, "kubernetes:helm.sh/v4:Chart").map(inputs);
        expect(chart.map((c) => c.chart)).toEqual(["nvidia-device-plugin"]);
        expect(chart[0].values.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: "cloister.dev/runtime-pending", effect: "NoSchedule" })]));
    });

    it("stores snapshots in a zone-redundant StorageV2 account reachable with Entra ID only, versioned, soft-deleted, private and kept", () => {
        const account = one(p, T.account);
        expect(inputs(account)).toMatchObject({
            kind: "StorageV2",
            sku: { name: "Standard_ZRS" },
            allowBlobPublicAccess: false,
            allowSharedKeyAccess: false,
            minimumTlsVersion: "TLS1_2",
            enableHttpsTrafficOnly: true,
        });
        expect(inputs(account).accountName.startsWith(`${NAME.replace(/-/g, "")}snap`)).toBe(true);
        expect(account.options).toEqual({ protect: true, retainOnDelete: true });
        const blob = inputs(one(p, "azure-native:storage:BlobServiceProperties"));
        expect(blob).toMatchObject({ isVersioningEnabled: true, deleteRetentionPolicy: { enabled: true }, containerDeleteRetentionPolicy: { enabled: true } });
        expect(inputs(one(p, "azure-native:storage:BlobContainer")).publicAccess).toBe("None");
        const rule = inputs(one(p, "azure-native:storage:ManagementPolicy")).policy.rules[0];
        expect(rule.definition.actions.baseBlob.delete.daysAfterModificationGreaterThan).toBe(cfg("snapshotBucket").retentionDays);
    });

    it("hands SandboxRuntime an Azure Disk StorageClass, its incremental VolumeSnapshotClass, and blocks IMDS and WireServer for sandboxes", () => {
        const sc = inputs(one(p, "kubernetes:storage.k8s.io/v1:StorageClass"));
        expect(sc.provisioner).toBe("disk.csi.azure.com");
        expect(sc.parameters).toMatchObject({ skuName: "Premium_ZRS" });
        expect(inputs(one(p, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass"))).toMatchObject({ driver: "disk.csi.azure.com", parameters: { incremental: "true" } });
        const policies = ofType(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(inputs);
        const excepted = policies.flatMap((np) => (np.spec.egress ?? []).flatMap((e: any) => (e.to ?? []).flatMap((t: any) => t.ipBlock?.except ?? [])));
        expect(excepted).toEqual(expect.arrayContaining(["169.254.0.0/16", "168.63.129.16/32"]));
    });

    it("keeps the kubeconfig secret and makes in-cluster objects wait for every pool", () => {
        const provider = one(p, "pulumi:providers:kubernetes");
        for (const g of pools) expect(provider.dependsOn).toContain(id(g));
    });

    it("creates pools side by side, and models the critical path as NAT → cluster → one pool → in-cluster add-ons", () => {
        const poolIds = pools.map(id);
        for (const g of pools) expect(g.dependsOn.filter((d) => poolIds.includes(d))).toEqual([]);
        const path = criticalPath(p.resources);
        const slow = path.chain.filter((k) => TYPICAL_SECONDS[k.split("::")[0]] !== undefined).map((k) => k.split("::")[0]);
        expect(slow.slice(0, 3)).toEqual(["azure-native:network:NatGateway", "azure-native:containerservice:ManagedCluster", "azure-native:containerservice:AgentPool"]);
        const sum = (types: string[]) => types.reduce((s, t) => s + TYPICAL_SECONDS[t], 0);
        expect(path.seconds).toBeLessThan(sum(["azure-native:network:NatGateway", "azure-native:containerservice:ManagedCluster", "azure-native:containerservice:AgentPool", "azure-native:containerservice:AgentPool", "kubernetes:helm.sh/v4:Chart"]));
    });
});

describe("the modes azure-dev does not use", () => {
    const variant = (lines: string[]): Plan => {
        const run = runPlanWithConfig("azure-variant", [
            "azure-native:location: westeurope",
            "cloister:target: azure",
            "cloister:name: variant",
            "cloister:region: westeurope",
            "cloister:sandboxPools: [{name: gv, isolation: gvisor}]",
            "cloister:templates: [{name: py, image: img, isolation: gvisor}]",
            ...lines,
        ]);
        expect(run.stderr).toBe("");
        return JSON.parse(run.stdout) as Plan;
    };
    const SUB = "00000000-1111-2222-3333-444444444444";
    const SUBNET = `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub/subnets/aks`;
    const VAULT = `/subscriptions/${SUB}/resourceGroups/sec/providers/Microsoft.KeyVault/vaults/platform-kv`;
    const KEY = "https://platform-kv.vault.azure.net/keys/etcd/0123456789abcdef0123456789abcdef";

    it("defaults to a private API server with AKS's private DNS zone, and a Premium SSD v2 class for the performance tier", () => {
        const p = variant(["cloister:storage: {tier: performance}"]);
        expect(inputs(one(p, T.cluster)).apiServerAccessProfile).toEqual({ enablePrivateCluster: true, privateDNSZone: "system", enablePrivateClusterPublicFQDN: false });
        expect(inputs(one(p, "kubernetes:storage.k8s.io/v1:StorageClass")).parameters).toMatchObject({ skuName: "PremiumV2_LRS", cachingMode: "None" });
    });

    it("uses an existing resource group, subnet and key, and lets a destroy stack go", () => {
        const p = variant([
            `cloister:azure: {resourceGroupName: platform, existingSubnetId: "${SUBNET}", keyVaultKeyId: "${KEY}", keyVaultResourceId: "${VAULT}", adminGroupObjectIds: ["${SUB}"]}`,
            "cloister:dataProtection: destroy",
        ]);
        for (const type of [T.group, T.vnet, T.subnet, T.nat, T.nsg, T.vault, T.key]) expect(ofType(p, type), type).toEqual([]);
        const cluster = inputs(one(p, T.cluster));
        expect(cluster.resourceGroupName).toBe("platform");
        expect(cluster.agentPoolProfiles[0].vnetSubnetID).toBe(SUBNET);
        expect(cluster.securityProfile.azureKeyVaultKms).toMatchObject({ keyId: KEY, keyVaultResourceId: VAULT });
        expect(cluster.aadProfile.adminGroupObjectIDs).toEqual([SUB]);
        expect(inputs(one(p, T.grant)).scope).toBe(VAULT);
        expect(one(p, T.account).options).toEqual({ protect: false, retainOnDelete: false });
    });
});

describe("validateAzureSpec", () => {
    const base = (): PlatformSpec => ({
        target: "azure",
        name: "v",
        region: "westeurope",
        sandboxPools: [{ name: "gv", isolation: "gvisor" }],
        templates: [{ name: "py", image: "img", isolation: "gvisor" }],
    });
    const paths = (spec: PlatformSpec) => validateAzureSpec(spec).map((p) => `${p.path}: ${p.reason}`);

    it("accepts the smallest spec", () => expect(paths(base())).toEqual([]));

    it("names the vault and the storage account validly (at most 24 letters and digits) for the longest platform name", () => {
        const longest = { name: "a-platform-name-of20" };
        expect(longest.name).toHaveLength(20);
        const subscription = "0123abcd-0000-1111-2222-333344445555";
        for (const role of ["etcd", "snap"]) expect(globalName(longest, role, subscription)).toMatch(/^[a-z][a-z0-9]{2,23}$/);
        // Names that share their first characters still get names of their own.
        expect(globalName({ name: "agents-dev-eu-west" }, "snap", subscription)).not.toBe(globalName({ name: "agents-dev-eu-west2" }, "snap", subscription));
    });

    it("refuses kata on a size without nested virtualization, and kata with GPUs", () => {
        expect(paths({ ...base(), sandboxPools: [{ name: "k", isolation: "kata", machineType: "Standard_D8as_v5" }] })).toEqual([
            expect.stringMatching(/^sandboxPools\[0\]\.machineType: "Standard_D8as_v5" has no nested virtualization.*Dsv5/),
        ]);
        expect(paths({ ...base(), sandboxPools: [{ name: "k", isolation: "kata", machineType: "Standard_D8s_v5" }] })).toEqual([]);
        expect(paths({ ...base(), gpuPools: [{ name: "g", isolation: "kata", acceleratorType: "nvidia-t4" }] })).toEqual([
            expect.stringMatching(/^gpuPools\[0\]\.isolation: AKS Pod Sandboxing \(kata\) has no GPU support/),
        ]);
    });

    it("checks GPU sizes against the model and count", () => {
        const gpu = (extra: object) => ({ ...base(), gpuPools: [{ name: "g", isolation: "gvisor" as const, acceleratorType: "nvidia-t4", ...extra }] });
        expect(paths(gpu({}))).toEqual([]);
        expect(paths(gpu({ machineType: "Standard_NC24ads_A100_v4" }))).toEqual([expect.stringMatching(/^gpuPools\[0\]\.machineType: "Standard_NC24ads_A100_v4" does not carry nvidia-t4/)]);
        expect(paths(gpu({ machineType: "Standard_NC64as_T4_v3", acceleratorCount: 2 }))).toEqual([expect.stringMatching(/^gpuPools\[0\]\.acceleratorCount: "Standard_NC64as_T4_v3" carries exactly 4/)]);
        expect(paths(gpu({ acceleratorType: "nvidia-t5" }))).toEqual([expect.stringMatching(/^gpuPools\[0\]\.acceleratorType: "nvidia-t5" is not an Azure NVIDIA GPU model; did you mean "nvidia-t4"\?/)]);
    });

    it("refuses a public API server open to everyone, bad pool names and malformed IDs, naming the field", () => {
        expect(paths({ ...base(), network: { privateEndpoint: false } })).toEqual([expect.stringMatching(/^network\.authorizedNetworks: a public AKS API server needs/)]);
        expect(paths({ ...base(), sandboxPools: [{ name: "system", isolation: "gvisor" }] })).toEqual([expect.stringMatching(/^sandboxPools\[0\]\.name: "system" is not an AKS pool name/)]);
        expect(paths({ ...base(), sandboxPools: [{ name: "gvisor-pool", isolation: "gvisor" }] })).toEqual([expect.stringMatching(/^sandboxPools\[0\]\.name: "gvisor-pool" is not an AKS pool name/)]);
        expect(paths({ ...base(), azure: { subscriptionId: "prod" } })).toEqual([expect.stringMatching(/^azure\.subscriptionId: "prod" is not a subscription ID/)]);
        expect(paths({ ...base(), azure: { existingSubnetId: "aks-subnet" } })).toEqual([expect.stringMatching(/^azure\.existingSubnetId: "aks-subnet" is not a subnet resource ID/)]);
        expect(paths({ ...base(), azure: { keyVaultKeyId: "https://platform-kv.vault.azure.net/keys/etcd/0123456789abcdef0123456789abcdef" } })).toEqual([expect.stringMatching(/^azure\.keyVaultKeyId: a given etcd key needs both/)]);
        expect(paths({ ...base(), azure: { keyVaultKeyId: "https://platform-kv.vault.azure.net/keys/etcd", keyVaultResourceId: "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/sec/providers/Microsoft.KeyVault/vaults/platform-kv" } })).toEqual([
            expect.stringMatching(/^azure\.keyVaultKeyId: .* is not a versioned Key Vault key ID/),
        ]);
        expect(paths({ ...base(), azure: { adminGroupObjectIds: ["admins"] } })).toEqual([expect.stringMatching(/^azure\.adminGroupObjectIds\[0\]: "admins" is not an Entra group object ID/)]);
        expect(paths({ ...base(), azure: { upgradeChannel: "fast" } })).toEqual([expect.stringMatching(/^azure\.upgradeChannel: "fast" is not one of "patch", "stable", "rapid", "node-image"/)]);
        expect(paths({ ...base(), azure: { storageAccountName: "Snapshots-1" } })).toEqual([expect.stringMatching(/^azure\.storageAccountName: "Snapshots-1" must be 3-24 lowercase letters and digits/)]);
        expect(paths({ ...base(), azure: { gvisorRelease: "latest" } })).toEqual([expect.stringMatching(/^azure\.gvisorRelease: "latest" must be a dated gVisor release/)]);
        expect(paths({ ...base(), region: "West Europe" })).toEqual([expect.stringMatching(/^region: "West Europe" is not an Azure location name/)]);
    });
});
