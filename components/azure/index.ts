// AzureSandboxCluster: the Azure layer of a Cloister platform. Resource group, network, AKS cluster and
// pools, the snapshot storage account and the cluster identity with its etcd key; it hands the in-cluster
// layer its ClusterFacts and a kubeconfig (secret), as the GCP and AWS layers do.
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { GVISOR_STARTUP_TAINT } from "../kubernetes/gvisorInstaller";
import { ClusterFacts, poolFacts, runtimeClassFor, RUNTIME_OVERHEAD, RuntimeClassFacts } from "../kubernetes/facts";
import { DEFAULT_RUNTIME_HANDLER, ResolvedSpec } from "../spec/defaults";
import { Isolation, PlatformSpec, StorageTier, Target } from "../spec/types";
import { prepareTargetSpec } from "../validation";
import { createSnapshotStore } from "./bucket";
import { aksKubeconfig, createCluster } from "./cluster";
import { createIdentity } from "./identity";
import { createNetwork, platformTags } from "./network";
import { createUserPools } from "./nodePools";
import { storageAccountName } from "./validate";

// The public surface of `cloister/azure`: the component, its facts and its validator; the helpers stay internal.
export { validateAzureSpec } from "./validate";

/** The Azure Disk CSI driver AKS runs; it also takes VolumeSnapshots (AKS runs the snapshot controller). */
export const AZURE_DISK_CSI = "disk.csi.azure.com";
/** AKS Pod Sandboxing's RuntimeClass: AKS creates it, Cloister uses it. */
export const AKS_KATA_RUNTIME_CLASS = "kata-vm-isolation";

/** Arguments of AzureSandboxCluster. */
export interface AzureSandboxClusterArgs {
    /** The platform spec (target "azure"). */
    spec: PlatformSpec;
}

/** StorageClass parameters per tier: Premium SSD v2 (no caching, as it requires) or Premium SSD. @internal */
export function azureDiskParameters(tier: StorageTier): { [key: string]: string } {
    return tier === StorageTier.Performance
        ? { skuName: "PremiumV2_LRS", cachingMode: "None", DiskIOPSReadWrite: "16000", DiskMBpsReadWrite: "500" }
        : { skuName: "Premium_ZRS", cachingMode: "ReadOnly" };
}

/** ClusterFacts for AKS: what the runtime layer needs to know about this cluster. */
export function aksClusterFacts(spec: ResolvedSpec, snapshotBucketUrl: pulumi.Input<string>): ClusterFacts {
    const runtimeClasses: RuntimeClassFacts[] = [];
    if (spec.pools.some((p) => p.isolation === Isolation.Gvisor)) {
        runtimeClasses.push(runtimeClassFor(spec.name, Isolation.Gvisor, spec.pools, DEFAULT_RUNTIME_HANDLER.gvisor, RUNTIME_OVERHEAD.gvisor));
    }
    if (spec.pools.some((p) => p.isolation === Isolation.Kata)) {
        const kata = runtimeClassFor(spec.name, Isolation.Kata, spec.pools, "kata", {});
        runtimeClasses.push({ ...kata, name: AKS_KATA_RUNTIME_CLASS, provided: true });
    }
    return {
        // gVisor nodes start tainted until the installer has registered runsc.
        pools: spec.pools.map((pool) => {
            const facts = poolFacts(pool);
            return pool.isolation === Isolation.Gvisor ? { ...facts, taints: [...facts.taints, GVISOR_STARTUP_TAINT] } : facts;
        }),
        runtimeClasses,
        installKataDeploy: false,
        gvisorInstaller: spec.pools.some((p) => p.isolation === Isolation.Gvisor) ? { release: spec.azure.gvisorRelease, startupTaint: GVISOR_STARTUP_TAINT } : undefined,
        // AKS installs the NVIDIA driver (gpuProfile), not the device plugin.
        installNvidiaDevicePlugin: spec.pools.some((p) => p.gpu !== undefined),
        storage: { provisioner: AZURE_DISK_CSI, parameters: azureDiskParameters(spec.storage.tier), snapshotDriver: AZURE_DISK_CSI, snapshotParameters: { incremental: "true" } },
        snapshotBucketUrl,
        // No in-cluster component calls Azure: no workload identity annotation or pod label.
        controllerServiceAccountAnnotations: {},
        controllerPodLabels: {},
        privateCidrs: [spec.network.vpcCidr, spec.network.podCidr, spec.network.serviceCidr],
        // The private API server's endpoint lives in the node subnet.
        apiServerCidrs: [spec.network.vpcCidr],
    };
}

/** The Azure layer of a platform: VNet, AKS cluster, node pools, snapshot storage account, Key Vault key and identities. */
export class AzureSandboxCluster extends pulumi.ComponentResource {
    /** The resource group everything lives in (created, or `azure.resourceGroupName`). */
    public readonly resourceGroupName: pulumi.Output<string>;
    /** Name of the AKS cluster. */
    public readonly clusterName: pulumi.Output<string>;
    /** Kubeconfig using `kubelogin` (Entra ID; secret); resolves only once every pool exists. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The cluster's OIDC issuer (workload identity federation). */
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    /** Name of the snapshot storage account. */
    public readonly storageAccountName: pulumi.Output<string>;
    /** `https://<account>.blob.core.windows.net/snapshots` */
    public readonly snapshotBucketUrl: pulumi.Output<string>;
    /** What SandboxRuntime needs to know about this cluster (not a registered output: it holds Inputs). */
    public readonly facts: ClusterFacts;

    constructor(name: string, args: AzureSandboxClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const { resolved: spec } = prepareTargetSpec(args.spec, "AzureSandboxCluster", Target.Azure);
        super("cloister:index:AzureSandboxCluster", name, { dataProtection: spec.dataProtection }, opts);
        const parent = { parent: this };

        const client = authorization.getClientConfigOutput(parent);
        // Credentials for another subscription stop the deploy at its first preview (where it is known).
        const subscriptionId = client.subscriptionId.apply((id) => {
            if (spec.azure.subscriptionId && /^[0-9a-f-]{36}$/i.test(id) && id.toLowerCase() !== spec.azure.subscriptionId.toLowerCase()) {
                throw new pulumi.ResourceError(`azure.subscriptionId is ${spec.azure.subscriptionId}, but the credentials are for subscription ${id}`, this, true);
            }
            return id;
        });
        const resourceGroupName: pulumi.Input<string> = spec.azure.resourceGroupName
            ? spec.azure.resourceGroupName
            : new resources.ResourceGroup(`${name}-rg`, { resourceGroupName: `${spec.name}-rg`, location: spec.region, tags: platformTags(spec) }, parent).name;
        const network = createNetwork(name, spec, resourceGroupName, parent);
        const identity = createIdentity(name, spec, resourceGroupName, { tenantId: client.tenantId, subscriptionId }, parent);
        const cluster = createCluster(name, spec, resourceGroupName, network, identity, parent);
        const pools = createUserPools(name, spec, resourceGroupName, cluster.name, network.subnetId, parent);
        const store = createSnapshotStore(name, spec, resourceGroupName, subscriptionId.apply((id) => storageAccountName(spec, id)), parent);

        this.resourceGroupName = pulumi.output(resourceGroupName);
        this.clusterName = cluster.name;
        // The kubeconfig resolves once every pool exists, so in-cluster objects wait for nodes.
        this.kubeconfig = pulumi.secret(pulumi.all([aksKubeconfig(resourceGroupName, cluster.name, this), ...pools.map((p) => p.id)]).apply(([k]) => k));
        this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
        this.storageAccountName = store.account.name;
        this.snapshotBucketUrl = store.url;
        this.facts = aksClusterFacts(spec, store.url);
        this.registerOutputs({
            resourceGroupName: this.resourceGroupName,
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            oidcIssuerUrl: this.oidcIssuerUrl,
            storageAccountName: this.storageAccountName,
            snapshotBucketUrl: this.snapshotBucketUrl,
        });
    }
}
