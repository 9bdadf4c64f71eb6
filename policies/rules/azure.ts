// Azure rules (azure-native v3 tokens): the snapshot storage account, the AKS cluster and its pools, and
// the key vault that holds the etcd key.
import {
    asArray,
    CloisterPolicy,
    CloisterResourcePolicy,
    DEFAULT_ENFORCEMENT,
    describe,
    forTypes,
    get,
    isFalse,
    isTrue,
    nonEmptyString,
    opensToInternet,
} from "./common";

export const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
export const AKS_CLUSTER = "azure-native:containerservice:ManagedCluster";
export const AKS_POOL = "azure-native:containerservice:AgentPool";
export const KEY_VAULT = "azure-native:keyvault:Vault";

/** Minimum TLS versions accepted for a storage account. */
export const ACCEPTED_TLS = ["TLS1_2", "TLS1_3"];

export const storageAccountHardened: CloisterResourcePolicy = {
    name: "azure-storage-account-hardened",
    description: describe(
        "An Azure storage account allows no anonymous blob access and no shared-key (account key, SAS) access, and requires TLS 1.2 or later.",
        'set allowBlobPublicAccess: false, allowSharedKeyAccess: false (grant Storage Blob Data roles to identities instead) and minimumTlsVersion: "TLS1_2".',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateResource: forTypes([STORAGE_ACCOUNT], (props, _args, report) => {
        if (!isFalse(props.allowBlobPublicAccess)) report("allowBlobPublicAccess is not false: containers could be made public.");
        if (!isFalse(props.allowSharedKeyAccess)) report("allowSharedKeyAccess is not false: account keys and SAS tokens bypass Entra ID.");
        if (!ACCEPTED_TLS.includes(props.minimumTlsVersion)) {
            report(`minimumTlsVersion is ${JSON.stringify(props.minimumTlsVersion ?? "unset")}, not "TLS1_2" or later.`);
        }
    }),
};

export const aksWorkloadIdentity: CloisterResourcePolicy = {
    name: "azure-aks-workload-identity",
    description: describe(
        "An AKS cluster issues OIDC tokens and runs Workload Identity, so the control plane gets Azure access through a federated identity instead of stored secrets.",
        "set oidcIssuerProfile: { enabled: true } and securityProfile: { workloadIdentity: { enabled: true } }.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([AKS_CLUSTER], (props, _args, report) => {
        if (!isTrue(get(props, "oidcIssuerProfile.enabled"))) report("oidcIssuerProfile.enabled is not true.");
        if (!isTrue(get(props, "securityProfile.workloadIdentity.enabled"))) report("securityProfile.workloadIdentity.enabled is not true.");
    }),
};

export const aksNetworkPolicy: CloisterResourcePolicy = {
    name: "azure-aks-network-policy",
    description: describe(
        "An AKS cluster enforces NetworkPolicies, which keep sandboxes away from IMDS, WireServer (168.63.129.16) and private ranges.",
        'set networkProfile.networkPolicy (Cloister uses "cilium" with networkDataplane: "cilium").',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateResource: forTypes([AKS_CLUSTER], (props, _args, report) => {
        const policy = get(props, "networkProfile.networkPolicy");
        if (!nonEmptyString(policy) || policy.toLowerCase() === "none") {
            report(`networkProfile.networkPolicy is ${JSON.stringify(policy ?? "unset")}: NetworkPolicies would not be enforced.`);
        }
    }),
};

export const aksLocalAccountsDisabled: CloisterResourcePolicy = {
    name: "azure-aks-local-accounts-disabled",
    description: describe(
        "An AKS cluster has no local (certificate) admin account: all API access goes through Entra ID and is attributable.",
        "set disableLocalAccounts: true with aadProfile: { managed: true, enableAzureRBAC: true }.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([AKS_CLUSTER], (props, _args, report) => {
        if (!isTrue(props.disableLocalAccounts)) report("disableLocalAccounts is not true.");
    }),
};

export const aksApiNotPublic: CloisterResourcePolicy = {
    name: "azure-aks-api-not-public",
    description: describe(
        "An AKS API server is private, or public only to authorized IP ranges that exclude 0.0.0.0/0.",
        "set apiServerAccessProfile: { enablePrivateCluster: true }, or list the administrators' networks in apiServerAccessProfile.authorizedIPRanges.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateResource: forTypes([AKS_CLUSTER], (props, _args, report) => {
        if (isTrue(get(props, "apiServerAccessProfile.enablePrivateCluster"))) return;
        const ranges = asArray(get(props, "apiServerAccessProfile.authorizedIPRanges"));
        if (ranges.length === 0) report("the API server is public with no apiServerAccessProfile.authorizedIPRanges, so it is open to the internet.");
        ranges.forEach((range, i) => {
            if (opensToInternet(range)) report(`apiServerAccessProfile.authorizedIPRanges[${i}] ${range} opens the Kubernetes API to the internet.`);
        });
    }),
};

export const aksEtcdKms: CloisterResourcePolicy = {
    name: "azure-aks-etcd-kms",
    description: describe(
        "An AKS cluster encrypts etcd (Secrets) with a Key Vault key it can be cut off from (KMS).",
        "set securityProfile.azureKeyVaultKms: { enabled: true, keyId, keyVaultResourceId }.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([AKS_CLUSTER], (props, _args, report) => {
        if (!isTrue(get(props, "securityProfile.azureKeyVaultKms.enabled"))) report("securityProfile.azureKeyVaultKms.enabled is not true.");
        if (!nonEmptyString(get(props, "securityProfile.azureKeyVaultKms.keyId"))) report("securityProfile.azureKeyVaultKms.keyId is not set.");
    }),
};

/** What every AKS node carries: no SSH, host-encrypted disks and caches. */
function nodeProblems(pool: Record<string, any>, where: string): string[] {
    const problems: string[] = [];
    if (get(pool, "securityProfile.sshAccess") !== "Disabled") problems.push(`${where}securityProfile.sshAccess is ${JSON.stringify(get(pool, "securityProfile.sshAccess") ?? "unset")}, not "Disabled".`);
    if (!isTrue(pool.enableEncryptionAtHost)) problems.push(`${where}enableEncryptionAtHost is not true: temp disks and caches are not encrypted.`);
    return problems;
}

export const aksNodesHardened: CloisterResourcePolicy = {
    name: "azure-aks-nodes-hardened",
    description: describe(
        "Every AKS node pool (the cluster's agentPoolProfiles and each AgentPool) disables SSH and encrypts at host.",
        'set securityProfile: { sshAccess: "Disabled" } and enableEncryptionAtHost: true (subscription feature Microsoft.Compute/EncryptionAtHost).',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([AKS_CLUSTER, AKS_POOL], (props, args, report) => {
        const pools = args.type === AKS_POOL ? [{ pool: props, where: "" }] : asArray(props.agentPoolProfiles).map((pool, i) => ({ pool, where: `agentPoolProfiles[${i}].` }));
        for (const { pool, where } of pools) nodeProblems(pool as Record<string, any>, where).forEach((problem) => report(problem));
    }),
};

export const keyVaultProtected: CloisterResourcePolicy = {
    name: "azure-key-vault-protected",
    description: describe(
        "A key vault authorizes with Azure RBAC and cannot lose its keys at once: soft delete and purge protection are on.",
        "set properties: { enableRbacAuthorization: true, enableSoftDelete: true, enablePurgeProtection: true }.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([KEY_VAULT], (props, _args, report) => {
        for (const flag of ["enableRbacAuthorization", "enableSoftDelete", "enablePurgeProtection"]) {
            if (!isTrue(get(props, `properties.${flag}`))) report(`properties.${flag} is not true.`);
        }
    }),
};

export const azurePolicies: CloisterPolicy[] = [
    storageAccountHardened,
    aksWorkloadIdentity,
    aksNetworkPolicy,
    aksLocalAccountsDisabled,
    aksApiNotPublic,
    aksEtcdKms,
    aksNodesHardened,
    keyVaultProtected,
];
