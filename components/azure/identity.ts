// Identities and keys: the cluster's user-assigned identity (AKS KMS needs its key grant before the
// cluster exists), the Key Vault and key that encrypt etcd (or the spec's), and the role assignments
// that give that identity exactly the key operations KMS uses. No in-cluster component calls Azure
// today, so no workload identity is created; ClusterFacts carries the wiring when one does.
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import { dataOptions, ResolvedSpec } from "../spec/defaults";
import { platformTags } from "./network";
import { globalName } from "./validate";

/** Built-in role: Key Vault Crypto User (wrap and unwrap with keys, nothing else). */
export const KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424";
/** A built-in role definition's full ID. */
export const roleDefinitionId = (subscriptionId: pulumi.Input<string>, role: string) =>
    pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`;

export interface AksIdentity {
    identity: managedidentity.UserAssignedIdentity;
    /** The versioned key ID etcd encryption uses, and its vault. */
    keyId: pulumi.Input<string>;
    vaultId: pulumi.Input<string>;
    grants: pulumi.Resource[];
}

export function createIdentity(
    name: string,
    spec: ResolvedSpec,
    resourceGroupName: pulumi.Input<string>,
    client: { tenantId: pulumi.Input<string>; subscriptionId: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): AksIdentity {
    const identity = new managedidentity.UserAssignedIdentity(`${name}-cluster-identity`, { resourceGroupName, location: spec.region, tags: platformTags(spec) }, opts);
    let keyId: pulumi.Input<string> = spec.azure.keyVaultKeyId;
    let vaultId: pulumi.Input<string> = spec.azure.keyVaultResourceId;
    if (!spec.azure.keyVaultKeyId) {
        const keep = { ...opts, ...dataOptions(spec) };
        const vault = new keyvault.Vault(
            `${name}-vault`,
            {
                resourceGroupName,
                // Vault names are global DNS names of at most 24 characters.
                vaultName: pulumi.output(client.subscriptionId).apply((id) => globalName(spec, "etcd", id)),
                location: spec.region,
                properties: {
                    tenantId: client.tenantId,
                    sku: { family: "A", name: "standard" },
                    enableRbacAuthorization: true,
                    enableSoftDelete: true,
                    softDeleteRetentionInDays: 90,
                    enablePurgeProtection: true,
                },
                tags: platformTags(spec),
            },
            keep,
        );
        const key = new keyvault.Key(
            `${name}-etcd-key`,
            { resourceGroupName, vaultName: vault.name, properties: { kty: "RSA", keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] }, tags: platformTags(spec) },
            keep,
        );
        keyId = key.keyUriWithVersion;
        vaultId = vault.id;
    }
    const grant = new authorization.RoleAssignment(
        `${name}-cluster-key-user`,
        {
            scope: vaultId,
            principalId: identity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(client.subscriptionId, KEY_VAULT_CRYPTO_USER),
        },
        opts,
    );
    return { identity, keyId, vaultId, grants: [grant] };
}
