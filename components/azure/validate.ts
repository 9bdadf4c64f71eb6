// AKS's own rules for a platform spec. Pure: no Pulumi calls, no config reads. `validatePlatformSpec`
// concatenates these with the cloud-neutral checks when the target is "azure".
import { createHash } from "crypto";
import { RUNTIME_OVERHEAD } from "../kubernetes/facts";
import { CapacityFacts } from "../spec/capacity";
import { aksAllocatable, AZURE_ACCELERATORS, AZURE_GPU_SIZES, AZURE_NESTED_VIRTUALIZATION_SERIES, azureSizeSeries, azureSizeShape } from "../spec/cloudFacts";
import { AZURE_GPU_SIZE_DEFAULTS, azureVmSize, resolveSpec, ResolvedSpec } from "../spec/defaults";
import { suggestKey } from "../spec/schema";
import { Isolation, PlatformSpec } from "../spec/types";
import { gvisorReleaseProblems, SpecProblem } from "../spec/validate";

/** Azure locations: `westeurope`, `eastus2`, `swedencentral`. */
export const AZURE_LOCATION = /^[a-z]+[0-9]?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBNET_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const VAULT_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i;
const KEY_ID = /^https:\/\/[a-z0-9-]{3,24}\.vault\.azure\.net\/keys\/[A-Za-z0-9-]+\/[0-9a-f]{32}$/;
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;
/** Linux agent pools: 1-12 lowercase letters and digits, starting with a letter. */
const AGENT_POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
export const UPGRADE_CHANNELS = ["patch", "stable", "rapid", "node-image"];
export const NODE_OS_UPGRADE_CHANNELS = ["NodeImage", "SecurityPatch", "Unmanaged"];
export const AZURE_RESERVED_POOL_NAMES = ["system"];

/** What an AKS node offers sandboxes; AKS's kata class charges its documented 600Mi overhead. */
export const aksCapacityFacts: CapacityFacts = {
    allocatable: (pool) => {
        const size = azureVmSize(pool);
        const shape = size ? azureSizeShape(size) : undefined;
        return shape ? aksAllocatable(shape, 110) : undefined;
    },
    overhead: { gvisor: RUNTIME_OVERHEAD.gvisor, kata: { cpu: "0", memory: "600Mi" } },
};

export const canRunPodSandboxing = (size: string) => AZURE_NESTED_VIRTUALIZATION_SERIES.includes(azureSizeSeries(size)?.series ?? "");

/**
 * A globally unique name (storage accounts, key vaults: at most 24 letters and digits) for one platform in
 * one subscription: `<name without dashes, at most 12><role><8 hex of a hash of subscription and full name>`,
 * so two platforms whose names share a prefix still get different names.
 */
export const globalName = (spec: Pick<ResolvedSpec, "name">, role: string, subscriptionId: string) =>
    `${spec.name.replace(/-/g, "").slice(0, 12)}${role}${createHash("sha256").update(`${subscriptionId}/${spec.name}`).digest("hex").slice(0, 8)}`;

/** The snapshot storage account's name: the spec's, or the platform's global name with role `snap`. */
export function storageAccountName(spec: Pick<ResolvedSpec, "name" | "azure">, subscriptionId: string): string {
    return spec.azure.storageAccountName || globalName(spec, "snap", subscriptionId);
}

function poolPaths(spec: PlatformSpec): string[] {
    return [...(spec.sandboxPools ?? []).map((_, i) => `sandboxPools[${i}]`), ...(spec.gpuPools ?? []).map((_, i) => `gpuPools[${i}]`)];
}

/** Every AKS-specific problem with a spec whose target is "azure"; an empty list means valid. */
export function validateAzureSpec(spec: PlatformSpec): SpecProblem[] {
    const problems: SpecProblem[] = [];
    if (typeof spec !== "object" || spec === null) return problems;
    const az = spec.azure ?? {};
    if (spec.region !== undefined && !AZURE_LOCATION.test(spec.region)) {
        problems.push({ path: "region", reason: `${JSON.stringify(spec.region)} is not an Azure location name such as "westeurope" or "eastus2"` });
    }
    if (az.subscriptionId && !GUID.test(az.subscriptionId)) problems.push({ path: "azure.subscriptionId", reason: `${JSON.stringify(az.subscriptionId)} is not a subscription ID (a GUID)` });
    if (typeof az.existingSubnetId === "string" && az.existingSubnetId && !SUBNET_ID.test(az.existingSubnetId)) {
        problems.push({ path: "azure.existingSubnetId", reason: `${JSON.stringify(az.existingSubnetId)} is not a subnet resource ID (/subscriptions/…/virtualNetworks/<vnet>/subnets/<subnet>)` });
    }
    if (Boolean(az.keyVaultKeyId) !== Boolean(az.keyVaultResourceId)) {
        problems.push({ path: "azure.keyVaultKeyId", reason: "a given etcd key needs both keyVaultKeyId and keyVaultResourceId (or neither, and Cloister creates the vault and key)" });
    }
    if (typeof az.keyVaultKeyId === "string" && az.keyVaultKeyId && !KEY_ID.test(az.keyVaultKeyId)) problems.push({ path: "azure.keyVaultKeyId", reason: `${JSON.stringify(az.keyVaultKeyId)} is not a versioned Key Vault key ID (https://<vault>.vault.azure.net/keys/<name>/<version>)` });
    if (typeof az.keyVaultResourceId === "string" && az.keyVaultResourceId && !VAULT_ID.test(az.keyVaultResourceId)) problems.push({ path: "azure.keyVaultResourceId", reason: `${JSON.stringify(az.keyVaultResourceId)} is not a Key Vault resource ID` });
    (az.adminGroupObjectIds ?? []).forEach((id, i) => {
        if (!GUID.test(id)) problems.push({ path: `azure.adminGroupObjectIds[${i}]`, reason: `${JSON.stringify(id)} is not an Entra group object ID (a GUID)` });
    });
    if (az.upgradeChannel !== undefined && !UPGRADE_CHANNELS.includes(az.upgradeChannel)) {
        problems.push({ path: "azure.upgradeChannel", reason: `${JSON.stringify(az.upgradeChannel)} is not one of ${UPGRADE_CHANNELS.map((c) => `"${c}"`).join(", ")}` });
    }
    if (az.nodeOsUpgradeChannel !== undefined && !NODE_OS_UPGRADE_CHANNELS.includes(az.nodeOsUpgradeChannel)) {
        problems.push({ path: "azure.nodeOsUpgradeChannel", reason: `${JSON.stringify(az.nodeOsUpgradeChannel)} is not one of ${NODE_OS_UPGRADE_CHANNELS.map((c) => `"${c}"`).join(", ")}` });
    }
    if (az.storageAccountName !== undefined && !STORAGE_ACCOUNT.test(az.storageAccountName)) {
        problems.push({ path: "azure.storageAccountName", reason: `${JSON.stringify(az.storageAccountName)} must be 3-24 lowercase letters and digits (globally unique)` });
    }
    problems.push(...gvisorReleaseProblems("azure.gvisorRelease", az.gvisorRelease));
    const resolved = resolveSpec(spec);
    if (!resolved.network.privateEndpoint && resolved.network.authorizedNetworks.length === 0) {
        problems.push({ path: "network.authorizedNetworks", reason: "a public AKS API server needs the networks allowed to reach it: list them, or keep network.privateEndpoint true" });
    }
    const paths = poolPaths(spec);
    resolved.pools.forEach((pool, i) => {
        const path = paths[i];
        if (!AGENT_POOL_NAME.test(pool.name) || AZURE_RESERVED_POOL_NAMES.includes(pool.name)) {
            problems.push({ path: `${path}.name`, reason: `"${pool.name}" is not an AKS pool name: 1-12 lowercase letters and digits, starting with a letter, not "system"` });
        }
        const size = azureVmSize(pool);
        if (pool.gpu) {
            if (pool.isolation === Isolation.Kata) {
                problems.push({ path: `${path}.isolation`, reason: 'AKS Pod Sandboxing (kata) has no GPU support: GPU pools must use "gvisor"' });
            }
            const model = pool.gpu.acceleratorType;
            if (!AZURE_ACCELERATORS.includes(model)) {
                const near = suggestKey(model, AZURE_ACCELERATORS);
                problems.push({ path: `${path}.acceleratorType`, reason: `"${model}" is not an Azure NVIDIA GPU model${near ? `; did you mean "${near}"?` : ""} (known: ${AZURE_ACCELERATORS.join(", ")})` });
                return;
            }
            const carriers = Object.entries(AZURE_GPU_SIZES).filter(([, m]) => m.accelerator === model);
            const fixed = size ? AZURE_GPU_SIZES[size] : undefined;
            if (!size) {
                problems.push({ path: `${path}.machineType`, reason: `no default size for ${pool.gpu.acceleratorCount} × ${model} (defaults exist for ${Object.keys(AZURE_GPU_SIZE_DEFAULTS[model] ?? {}).join(", ")}); set machineType to one of ${carriers.map(([t]) => t).join(", ")}` });
            } else if (!fixed || fixed.accelerator !== model) {
                problems.push({ path: `${path}.machineType`, reason: `"${size}" does not carry ${model}; it comes on ${carriers.map(([t]) => t).join(", ")}` });
            } else if (fixed.gpus !== pool.gpu.acceleratorCount) {
                problems.push({ path: `${path}.acceleratorCount`, reason: `"${size}" carries exactly ${fixed.gpus} × ${model}; set acceleratorCount to ${fixed.gpus}` });
            }
            return;
        }
        if (pool.isolation === Isolation.Kata && size && !canRunPodSandboxing(size)) {
            problems.push({
                path: `${path}.machineType`,
                reason: `"${size}" has no nested virtualization, which AKS Pod Sandboxing needs: use a Generation 2 size of ${AZURE_NESTED_VIRTUALIZATION_SERIES.join(", ")} (e.g. "Standard_D8s_v5")`,
            });
        }
    });
    return problems;
}
