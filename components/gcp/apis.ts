// The Google APIs a platform uses, enabled by the deploy itself so a project needs only credentials.
// Never disabled on destroy: other workloads in the project may use them too.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedSpec } from "../spec/defaults";

/** Always needed: GKE, its network and nodes, IAM, the project lookup, the bucket, logs, metrics, images. */
export const GCP_APIS = [
    "container.googleapis.com",
    "compute.googleapis.com",
    "iam.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "storage.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "artifactregistry.googleapis.com",
];

/** The APIs this spec needs: the common ones, Cloud KMS with customer-managed keys, Binary Authorization when enforced. */
export function gcpApis(spec: ResolvedSpec): string[] {
    const apis = [...GCP_APIS];
    if (spec.snapshotBucket.kmsKeyId || spec.gcp.secretsKmsKeyId) apis.push("cloudkms.googleapis.com");
    if (spec.gcp.binaryAuthorization !== "DISABLED") apis.push("binaryauthorization.googleapis.com");
    return apis;
}

export function enableApis(name: string, spec: ResolvedSpec, project: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): gcp.projects.Service[] {
    if (!spec.gcp.enableApis) return [];
    return gcpApis(spec).map(
        (service) =>
            new gcp.projects.Service(
                `${name}-api-${service.split(".")[0]}`,
                { project, service, disableOnDestroy: false, disableDependentServices: false },
                opts,
            ),
    );
}
