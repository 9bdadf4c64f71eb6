// Identities: the nodes' own least-privilege service account (instead of the Compute Engine default
// account, which holds Editor). The snapshot bucket is granted only to identities that write to it; the
// agent-sandbox control plane never does, so it gets none.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedSpec } from "../spec/defaults";

/** What nodes need: write logs and metrics, report metadata, pull images from Artifact Registry. */
export const NODE_SERVICE_ACCOUNT_ROLES = [
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
];

export const workloadPool = (project: pulumi.Input<string>) => pulumi.interpolate`${project}.svc.id.goog`;

export interface NodeIdentity {
    account: gcp.serviceaccount.Account;
    email: pulumi.Output<string>;
    grants: gcp.projects.IAMMember[];
}

export function createNodeIdentity(name: string, spec: ResolvedSpec, project: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): NodeIdentity {
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
