// Data rule: buckets, storage accounts and KMS / Key Vault keys are protected from deletion unless the
// stack declares data-protection mode `destroy`. A policy sees `protect` but not `retainOnDelete`, so
// `protect` is what is checked (Cloister's components set both in mode `retain`).
import { PolicyResource } from "@pulumi/policy";
import { DataProtection } from "../../components/spec/types";
import { CloisterPolicy, CloisterStackPolicy, DEFAULT_ENFORCEMENT, describe, known, ofTypes } from "./common";

export const DATA_RESOURCE_TYPES = [
    "gcp:storage/bucket:Bucket",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "azure-native:storage:StorageAccount",
    "gcp:kms/cryptoKey:CryptoKey",
    "aws:kms/key:Key",
    "azure-native:keyvault:Key",
];

export interface DataProtectionConfig {
    /** Overrides the mode the Cloister components declare; unset means "ask the components". */
    dataProtection?: DataProtection;
}

/**
 * The data-protection mode governing a resource: the policy config's override, else the nearest
 * ancestor component that declares one (SandboxPlatform and SandboxRuntime pass `dataProtection` in
 * their props), else `retain`.
 */
export function dataProtectionMode(resource: PolicyResource, config: DataProtectionConfig): DataProtection {
    if (config.dataProtection === DataProtection.Retain || config.dataProtection === DataProtection.Destroy) return config.dataProtection;
    const seen = new Set<string>();
    for (let r = resource.parent; r && !seen.has(r.urn); r = r.parent) {
        seen.add(r.urn);
        const declared = known(() => r!.props?.dataProtection, undefined);
        if (declared === DataProtection.Retain || declared === DataProtection.Destroy) return declared;
    }
    return DataProtection.Retain;
}

export const dataProtected: CloisterStackPolicy = {
    name: "cloister-data-protected",
    description: describe(
        "Buckets (GCS, S3), Azure storage accounts and KMS / Key Vault keys are protected (`protect: true`) so no update or destroy deletes snapshots or the keys that decrypt them, unless the stack declares data-protection mode \"destroy\" (test stacks). The mode comes from the Cloister component above the resource (spec.dataProtection), or from this rule's `dataProtection` config, which overrides it.",
        'pass `protect: true` (and `retainOnDelete: true`) in the resource options - Cloister components do when spec.dataProtection is "retain", the default; for a throwaway stack set cloister:dataProtection to "destroy", or this rule\'s config { "dataProtection": "destroy" }.',
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    configSchema: {
        properties: {
            dataProtection: {
                type: "string",
                enum: [DataProtection.Retain, DataProtection.Destroy],
                description: 'Overrides the components\' data-protection mode: "destroy" lets data resources go unprotected.',
            },
        },
    },
    validateStack: (args, report) => {
        const config = args.getConfig<DataProtectionConfig>();
        for (const r of ofTypes(args.resources, DATA_RESOURCE_TYPES)) {
            if (r.opts?.protect) continue;
            if (dataProtectionMode(r, config) === DataProtection.Destroy) continue;
            report(`${r.type} "${r.name}" holds data but is not protected (data-protection mode "retain").`, r.urn);
        }
    },
};

export const dataPolicies: CloisterPolicy[] = [dataProtected];
