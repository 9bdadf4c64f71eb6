// The AKS cluster: Azure CNI overlay with the Cilium dataplane and Cilium network policy (the sandbox
// namespaces' policies are enforced), Entra ID with Azure RBAC and local accounts off, a private API
// server (authorized IP ranges as the explicit alternative), OIDC issuer and workload identity, etcd
// encrypted with a Key Vault key, image cleaner, automatic and node-OS upgrades, disk CSI and snapshots.
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as features from "@pulumi/azure-native/features";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedSpec } from "../spec/defaults";
import { AksIdentity } from "./identity";
import { AksNetwork, platformTags } from "./network";
import { systemPoolProfile } from "./nodePools";

/** The cluster DNS address: the tenth address of the Service range, as AKS expects it inside that range. */
export function dnsServiceIp(serviceCidr: string): string {
    const [base] = serviceCidr.split("/");
    const octets = base.split(".").map(Number);
    octets[3] += 10;
    return octets.join(".");
}

export function clusterArgs(spec: ResolvedSpec, resourceGroupName: pulumi.Input<string>, network: AksNetwork, identity: AksIdentity): containerservice.ManagedClusterArgs {
    const ownNetwork = network.resources.length > 0;
    return {
        resourceGroupName,
        resourceName: spec.name,
        location: spec.region,
        dnsPrefix: spec.name,
        kubernetesVersion: spec.kubernetesVersion,
        sku: { name: "Base", tier: "Standard" },
        identity: { type: "UserAssigned", userAssignedIdentities: [identity.identity.id] },
        agentPoolProfiles: [systemPoolProfile(spec, network.subnetId)],
        networkProfile: {
            networkPlugin: "azure",
            networkPluginMode: "overlay",
            networkDataplane: "cilium",
            networkPolicy: "cilium",
            podCidr: spec.network.podCidr,
            serviceCidr: spec.network.serviceCidr,
            dnsServiceIP: dnsServiceIp(spec.network.serviceCidr),
            outboundType: ownNetwork ? "userAssignedNATGateway" : "loadBalancer",
        },
        enableRBAC: true,
        aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: spec.azure.adminGroupObjectIds },
        disableLocalAccounts: true,
        apiServerAccessProfile: spec.network.privateEndpoint
            ? { enablePrivateCluster: true, privateDNSZone: "system", enablePrivateClusterPublicFQDN: false }
            : { enablePrivateCluster: false, authorizedIPRanges: spec.network.authorizedNetworks },
        oidcIssuerProfile: { enabled: true },
        securityProfile: {
            workloadIdentity: { enabled: true },
            imageCleaner: { enabled: true, intervalHours: 48 },
            azureKeyVaultKms: { enabled: true, keyId: identity.keyId, keyVaultNetworkAccess: "Public", keyVaultResourceId: identity.vaultId },
        },
        autoUpgradeProfile: { upgradeChannel: spec.azure.upgradeChannel, nodeOSUpgradeChannel: spec.azure.nodeOsUpgradeChannel },
        storageProfile: { diskCSIDriver: { enabled: true }, snapshotController: { enabled: true } },
        tags: platformTags(spec),
    };
}

/**
 * Subscription features the nodes need: encryption at host. (Resource providers need no step: the
 * azure-native provider registers a namespace the first time a request finds it unregistered.)
 * Retained on delete: unregistering would take the feature from every VM in the subscription.
 */
export const AKS_FEATURES = [{ providerNamespace: "Microsoft.Compute", featureName: "EncryptionAtHost" }];

export function registerFeatures(name: string, opts: pulumi.CustomResourceOptions): features.SubscriptionFeatureRegistration[] {
    return AKS_FEATURES.map(
        (f) =>
            new features.SubscriptionFeatureRegistration(`${name}-feature-${f.featureName}`, { ...f, properties: { state: "Registered" } }, { ...opts, retainOnDelete: true }),
    );
}

export function createCluster(
    name: string,
    spec: ResolvedSpec,
    resourceGroupName: pulumi.Input<string>,
    network: AksNetwork,
    identity: AksIdentity,
    opts: pulumi.CustomResourceOptions,
): containerservice.ManagedCluster {
    return new containerservice.ManagedCluster(`${name}-cluster`, clusterArgs(spec, resourceGroupName, network, identity), {
        ...opts,
        // The key grant must exist before AKS first reads the key, and encryption at host before the
        // first node; the system pool's size is the autoscaler's.
        dependsOn: [...identity.grants, ...network.resources, ...registerFeatures(name, opts)],
        ignoreChanges: ["agentPoolProfiles[0].count"],
    });
}

/** The cluster's Entra kubeconfig (exec plugin `kubelogin`; no credential in the file). */
export function aksKubeconfig(resourceGroupName: pulumi.Input<string>, clusterName: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Output<string> {
    const credentials = containerservice.listManagedClusterUserCredentialsOutput({ resourceGroupName, resourceName: clusterName, format: "exec" }, { parent });
    return pulumi.secret(credentials.kubeconfigs.apply((k) => Buffer.from(k[0].value, "base64").toString()));
}
