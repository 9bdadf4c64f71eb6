// The GKE Standard cluster: regional, on a release channel, Dataplane V2 (NetworkPolicy enforcement),
// Workload Identity, private nodes, an API endpoint limited to the spec's authorized networks (or private
// only), shielded nodes, optional secrets encryption with a customer key, the default node pool removed,
// and deletion protection following the data-protection mode.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { dataOptions, GCP_DEFAULT_MACHINE_TYPES, ResolvedSpec } from "../spec/defaults";
import { DataProtection } from "../spec/types";
import { LABEL_PLATFORM } from "./bucket";
import { workloadPool } from "./identity";
import { GkeNetwork } from "./network";

export const NODE_OAUTH_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];
/** The exec credential plugin GKE kubeconfigs use (`gcloud components install gke-gcloud-auth-plugin`). */
export const GKE_AUTH_PLUGIN = "gke-gcloud-auth-plugin";

export function clusterArgs(
    spec: ResolvedSpec,
    project: pulumi.Input<string>,
    network: GkeNetwork,
    nodeServiceAccount: pulumi.Input<string>,
): gcp.container.ClusterArgs {
    const authorized = spec.network.authorizedNetworks;
    return {
        project,
        name: spec.name,
        location: spec.region,
        description: `Cloister sandbox platform ${spec.name}`,
        releaseChannel: { channel: spec.gcp.releaseChannel },
        minMasterVersion: spec.kubernetesVersion,
        network: network.network,
        subnetwork: network.subnetwork,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: {
            clusterSecondaryRangeName: network.podRangeName,
            servicesSecondaryRangeName: network.serviceRangeName,
        },
        defaultMaxPodsPerNode: spec.network.maxPodsPerNode,
        // Dataplane V2 (Cilium) enforces NetworkPolicy; Calico's networkPolicy must stay off with it.
        datapathProvider: "ADVANCED_DATAPATH",
        workloadIdentityConfig: { workloadPool: workloadPool(project) },
        privateClusterConfig: {
            enablePrivateNodes: true,
            enablePrivateEndpoint: spec.network.privateEndpoint,
            masterIpv4CidrBlock: spec.gcp.masterCidr,
        },
        masterAuthorizedNetworksConfig: {
            cidrBlocks: authorized.map((cidrBlock, i) => ({ cidrBlock, displayName: `authorized-${i}` })),
            gcpPublicCidrsAccessEnabled: false,
        },
        masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
        enableLegacyAbac: false,
        enableShieldedNodes: true,
        databaseEncryption: spec.gcp.secretsKmsKeyId
            ? { state: "ENCRYPTED", keyName: spec.gcp.secretsKmsKeyId }
            : { state: "DECRYPTED" },
        addonsConfig: {
            gcePersistentDiskCsiDriverConfig: { enabled: true },
            httpLoadBalancing: { disabled: false },
            horizontalPodAutoscaling: { disabled: false },
            podSnapshotConfig: spec.gcp.podSnapshots ? { enabled: true } : undefined,
        },
        // GKE needs an initial pool to create a cluster; it is removed at once. Even that short-lived
        // pool runs as the dedicated node account with the metadata server, never the default account.
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        nodeConfig: {
            machineType: GCP_DEFAULT_MACHINE_TYPES.system,
            serviceAccount: nodeServiceAccount,
            oauthScopes: NODE_OAUTH_SCOPES,
            workloadMetadataConfig: { mode: "GKE_METADATA" },
            shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            metadata: { "disable-legacy-endpoints": "true" },
        },
        deletionProtection: spec.dataProtection !== DataProtection.Destroy,
        resourceLabels: { [LABEL_PLATFORM]: spec.name },
        binaryAuthorization: { evaluationMode: spec.gcp.binaryAuthorization },
    };
}

export function createCluster(
    name: string,
    spec: ResolvedSpec,
    project: pulumi.Input<string>,
    projectNumber: pulumi.Input<string>,
    network: GkeNetwork,
    nodeServiceAccount: pulumi.Input<string>,
    dependsOn: pulumi.Resource[],
    opts: pulumi.CustomResourceOptions,
): gcp.container.Cluster {
    const deps = [...dependsOn, ...network.resources];
    if (spec.gcp.secretsKmsKeyId) {
        // GKE's service agent must be able to use the key before the cluster is created with it.
        deps.push(
            new gcp.kms.CryptoKeyIAMMember(
                `${name}-secrets-kms`,
                {
                    cryptoKeyId: spec.gcp.secretsKmsKeyId,
                    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    member: pulumi.interpolate`serviceAccount:service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`,
                },
                { ...opts, ...dataOptions(spec) },
            ),
        );
    }
    return new gcp.container.Cluster(`${name}-cluster`, clusterArgs(spec, project, network, nodeServiceAccount), {
        ...opts,
        dependsOn: deps,
        // The temporary default pool's settings only matter at creation.
        ignoreChanges: ["nodeConfig", "initialNodeCount"],
    });
}

/**
 * A kubeconfig with no credential in it: `gke-gcloud-auth-plugin` gets a token from the user's gcloud
 * login at each call. Stable (no timestamps or tokens), so the Kubernetes provider is not replaced.
 */
export function gkeKubeconfig(args: { project: string; region: string; clusterName: string; endpoint: string; caCertificate: string }): string {
    const context = `gke_${args.project}_${args.region}_${args.clusterName}`;
    return JSON.stringify(
        {
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: context, cluster: { server: `https://${args.endpoint}`, "certificate-authority-data": args.caCertificate } }],
            contexts: [{ name: context, context: { cluster: context, user: context } }],
            "current-context": context,
            preferences: {},
            users: [
                {
                    name: context,
                    user: {
                        exec: {
                            apiVersion: "client.authentication.k8s.io/v1beta1",
                            command: GKE_AUTH_PLUGIN,
                            installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin (https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl)",
                            provideClusterInfo: true,
                            interactiveMode: "IfAvailable",
                        },
                    },
                },
            ],
        },
        null,
        2,
    );
}
