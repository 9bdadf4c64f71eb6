// The snapshot bucket: S3 with every companion the policy pack requires — all four public access blocks,
// SSE-KMS with bucket keys, a TLS-only policy, versioning, ownership enforced (no ACLs) and lifecycle
// rules from `snapshotBucket.retentionDays`. A unique name from a prefix. It is data: protected and
// retained on delete unless the stack's data protection is "destroy".
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataOptions, ResolvedSpec } from "../spec/defaults";
import { DataProtection } from "../spec/types";
import { snapshotBucketPrefix } from "./validate";

export interface SnapshotBucket {
    bucket: aws.s3.Bucket;
    name: pulumi.Output<string>;
    url: pulumi.Output<string>;
    companions: pulumi.Resource[];
}

/** Deny every request over plain HTTP, for everyone. */
export function tlsOnlyPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });
}

export function createSnapshotBucket(name: string, spec: ResolvedSpec, keyArn: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): SnapshotBucket {
    const keep = { ...opts, ...dataOptions(spec) };
    const bucket = new aws.s3.Bucket(
        `${name}-snapshots`,
        {
            bucketPrefix: snapshotBucketPrefix(spec),
            // Only a "destroy" stack may delete a bucket that still holds snapshots.
            forceDestroy: spec.dataProtection === DataProtection.Destroy,
            tags: { "cloister.dev/platform": spec.name, "cloister.dev/role": "snapshots" },
        },
        keep,
    );
    const of = { bucket: bucket.id };
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        `${name}-snapshots-public-access`,
        { ...of, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        keep,
    );
    const ownership = new aws.s3.BucketOwnershipControls(`${name}-snapshots-ownership`, { ...of, rule: { objectOwnership: "BucketOwnerEnforced" } }, keep);
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-snapshots-encryption`,
        { ...of, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: spec.snapshotBucket.kmsKeyId ?? keyArn }, bucketKeyEnabled: true }] },
        keep,
    );
    const versioning = new aws.s3.BucketVersioning(
        `${name}-snapshots-versioning`,
        { ...of, versioningConfiguration: { status: spec.snapshotBucket.versioning ? "Enabled" : "Suspended" } },
        keep,
    );
    const days = spec.snapshotBucket.retentionDays;
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(
        `${name}-snapshots-lifecycle`,
        {
            ...of,
            rules: [
                {
                    id: "retention",
                    status: "Enabled",
                    filter: { prefix: "" },
                    expiration: { days },
                    noncurrentVersionExpiration: { noncurrentDays: days },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                },
            ],
        },
        { ...keep, dependsOn: [versioning] },
    );
    const policy = new aws.s3.BucketPolicy(`${name}-snapshots-tls-only`, { ...of, policy: bucket.arn.apply(tlsOnlyPolicy) }, { ...keep, dependsOn: [publicAccess] });
    return {
        bucket,
        name: bucket.bucket,
        url: pulumi.interpolate`s3://${bucket.bucket}`,
        companions: [publicAccess, ownership, encryption, versioning, lifecycle, policy],
    };
}
