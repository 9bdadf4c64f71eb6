// The snapshot store: a StorageV2 account (zone-redundant) reachable with Entra ID only — no shared keys,
// no public blob access, TLS 1.2+, HTTPS only — with versioning, soft delete, a private container and a
// lifecycle policy from `snapshotBucket.retentionDays`. It is data: protected and retained on delete
// unless the stack's data protection is "destroy".
import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import { dataOptions, ResolvedSpec } from "../spec/defaults";
import { platformTags } from "./network";

export const SNAPSHOT_CONTAINER = "snapshots";

export interface SnapshotStore {
    account: storage.StorageAccount;
    container: storage.BlobContainer;
    /** `https://<account>.blob.core.windows.net/snapshots` */
    url: pulumi.Output<string>;
}

export function createSnapshotStore(
    name: string,
    spec: ResolvedSpec,
    resourceGroupName: pulumi.Input<string>,
    accountName: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): SnapshotStore {
    const keep = { ...opts, ...dataOptions(spec) };
    const account = new storage.StorageAccount(
        `${name}-snapshots`,
        {
            resourceGroupName,
            accountName,
            location: spec.region,
            kind: "StorageV2",
            sku: { name: "Standard_ZRS" },
            allowBlobPublicAccess: false,
            allowSharedKeyAccess: false,
            defaultToOAuthAuthentication: true,
            minimumTlsVersion: "TLS1_2",
            enableHttpsTrafficOnly: true,
            allowCrossTenantReplication: false,
            tags: { ...platformTags(spec), "cloister-role": "snapshots" },
        },
        keep,
    );
    const days = spec.snapshotBucket.retentionDays;
    new storage.BlobServiceProperties(
        `${name}-snapshots-blob`,
        {
            resourceGroupName,
            accountName: account.name,
            blobServicesName: "default",
            isVersioningEnabled: spec.snapshotBucket.versioning,
            deleteRetentionPolicy: { enabled: true, days: 7 },
            containerDeleteRetentionPolicy: { enabled: true, days: 7 },
        },
        keep,
    );
    const container = new storage.BlobContainer(`${name}-snapshots-container`, { resourceGroupName, accountName: account.name, containerName: SNAPSHOT_CONTAINER, publicAccess: "None" }, keep);
    new storage.ManagementPolicy(
        `${name}-snapshots-lifecycle`,
        {
            resourceGroupName,
            accountName: account.name,
            managementPolicyName: "default",
            policy: {
                rules: [
                    {
                        name: "retention",
                        enabled: true,
                        type: "Lifecycle",
                        definition: {
                            filters: { blobTypes: ["blockBlob"] },
                            actions: {
                                baseBlob: { delete: { daysAfterModificationGreaterThan: days } },
                                version: { delete: { daysAfterCreationGreaterThan: days } },
                            },
                        },
                    },
                ],
            },
        },
        keep,
    );
    return { account, container, url: pulumi.interpolate`https://${account.name}.blob.core.windows.net/${SNAPSHOT_CONTAINER}` };
}
