// Azure rules (azure-native v3 tokens): the snapshot storage account and the AKS cluster.
import {
    CloisterPolicy,
    CloisterResourcePolicy,
    DEFAULT_ENFORCEMENT,
    describe,
    forTypes,
    get,
    isFalse,
    isTrue,
    nonEmptyString,
} from "./common";

export const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
export const AKS_CLUSTER = "azure-native:containerservice:ManagedCluster";

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

export const azurePolicies: CloisterPolicy[] = [storageAccountHardened, aksWorkloadIdentity, aksNetworkPolicy, aksLocalAccountsDisabled];
