// Identities: the nodes' own least-privilege service account (instead of the Compute Engine default
// account, which holds Editor), and the control plane's access to the snapshot bucket through direct
// Workload Identity Federation: an IAM grant to the Kubernetes ServiceAccount itself, so there is no
// Google service account, no key and no ServiceAccount annotation.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { CONTROLLER_NAME } from "../kubernetes/controlPlane";
import { ResolvedSpec } from "../spec/defaults";

/** What nodes need: write logs and metrics, report metadata, pull images from Artifact Registry. */
export const NODE_SERVICE_ACCOUNT_ROLES = [
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
];

/** The role the controller's ServiceAccount gets on the snapshot bucket: read, write, list, delete objects. */
export const SNAPSHOT_BUCKET_ROLE = "roles/storage.objectUser";

export const workloadPool = (project: string) => `${project}.svc.id.goog`;

/** The Workload Identity Federation principal of one Kubernetes ServiceAccount. */
export function workloadIdentityPrincipal(projectNumber: string, project: string, namespace: string, serviceAccount: string): string {
    return `principal://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${workloadPool(project)}/subject/ns/${namespace}/sa/${serviceAccount}`;
}

export interface NodeIdentity {
    account: gcp.serviceaccount.Account;
    email: pulumi.Output<string>;
    grants: gcp.projects.IAMMember[];
}

export function createNodeIdentity(name: string, spec: ResolvedSpec, project: string, opts: pulumi.CustomResourceOptions): NodeIdentity {
    const account = new gcp.serviceaccount.Account(
        `${name}-node-sa`,
        {
            project,
            accountId: `${spec.name}-nodes`,
            displayName: `Cloister ${spec.name} GKE nodes`,
            description: "Least-privilege node identity: logging, monitoring, Artifact Registry read.",
        },
        opts,
    );
    const grants = NODE_SERVICE_ACCOUNT_ROLES.map(
        (role) =>
            new gcp.projects.IAMMember(
                `${name}-node-sa-${role.replace(/^roles\//, "").replace(/\./g, "-")}`,
                { project, role, member: pulumi.interpolate`serviceAccount:${account.email}` },
                opts,
            ),
    );
    return { account, email: account.email, grants };
}

/**
 * `roles/storage.objectUser` on the bucket for the controller's KSA. The workload pool exists only once a
 * cluster with Workload Identity does, so the grant waits for the cluster.
 */
export function grantControllerBucketAccess(
    name: string,
    spec: ResolvedSpec,
    project: string,
    projectNumber: pulumi.Input<string>,
    bucket: pulumi.Input<string>,
    cluster: pulumi.Resource,
    opts: pulumi.CustomResourceOptions,
): gcp.storage.BucketIAMMember {
    return new gcp.storage.BucketIAMMember(
        `${name}-snapshots-controller`,
        {
            bucket,
            role: SNAPSHOT_BUCKET_ROLE,
            member: pulumi
                .output(projectNumber)
                .apply((number) => workloadIdentityPrincipal(number, project, spec.controlPlane.namespace, CONTROLLER_NAME)),
        },
        { ...opts, dependsOn: [cluster] },
    );
}
