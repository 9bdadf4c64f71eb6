// The snapshot bucket: private by construction (uniform bucket-level access, public access prevention
// enforced), versioned, expired by lifecycle rules from `snapshotBucket.retentionDays`, soft delete on,
// optionally encrypted with a customer key (the Cloud Storage service agent's grant comes first). It is
// data: protected and retained on delete unless the stack's data protection is "destroy".
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { dataOptions, ResolvedSpec } from "../spec/defaults";
import { DataProtection } from "../spec/types";
import { snapshotBucketName } from "./validate";

export const LABEL_PLATFORM = "cloister-platform";
const DAY = 86_400;

export function bucketLifecycleRules(spec: ResolvedSpec): gcp.types.input.storage.BucketLifecycleRule[] {
    const days = spec.snapshotBucket.retentionDays;
    const rules: gcp.types.input.storage.BucketLifecycleRule[] = [
        // Current snapshots older than the retention become noncurrent (versioned) or go (unversioned).
        { action: { type: "Delete" }, condition: { age: days, withState: "LIVE" } },
        { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 1 } },
    ];
    if (spec.snapshotBucket.versioning) {
        // Overwritten or deleted snapshots are kept as noncurrent versions for the same retention.
        rules.push({ action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: days, withState: "ARCHIVED" } });
    }
    return rules;
}

export interface SnapshotBucket {
    bucket: gcp.storage.Bucket;
    name: pulumi.Output<string>;
    url: pulumi.Output<string>;
}

export function createSnapshotBucket(
    name: string,
    spec: ResolvedSpec,
    project: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): SnapshotBucket {
    const keep = dataOptions(spec);
    const kmsKey = spec.snapshotBucket.kmsKeyId;
    const dependsOn: pulumi.Resource[] = [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? [])];
    if (kmsKey) {
        const agent = gcp.storage.getProjectServiceAccountOutput({ project }, { parent: opts.parent });
        dependsOn.push(
            new gcp.kms.CryptoKeyIAMMember(
                `${name}-snapshots-kms`,
                {
                    cryptoKeyId: kmsKey,
                    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    member: pulumi.interpolate`serviceAccount:${agent.emailAddress}`,
                },
                { ...opts, ...keep },
            ),
        );
    }
    const bucket = new gcp.storage.Bucket(
        `${name}-snapshots`,
        {
            project,
            name: snapshotBucketName(spec),
            location: spec.region!.toUpperCase(),
            storageClass: "STANDARD",
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            versioning: { enabled: spec.snapshotBucket.versioning },
            lifecycleRules: bucketLifecycleRules(spec),
            softDeletePolicy: { retentionDurationSeconds: spec.gcp.softDeleteDays * DAY },
            encryption: kmsKey ? { defaultKmsKeyName: kmsKey } : undefined,
            // Only a "destroy" stack may delete a bucket that still holds snapshots.
            forceDestroy: spec.dataProtection === DataProtection.Destroy,
            labels: { [LABEL_PLATFORM]: spec.name, "cloister-role": "snapshots" },
            logging: spec.gcp.accessLogBucket ? { logBucket: spec.gcp.accessLogBucket, logObjectPrefix: snapshotBucketName(spec) } : undefined,
        },
        { ...opts, ...keep, dependsOn },
    );
    return { bucket, name: bucket.name, url: pulumi.interpolate`gs://${bucket.name}` };
}
