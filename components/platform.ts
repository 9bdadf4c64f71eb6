// SandboxPlatform: the front door. Spec in; the target's cluster layer and the in-cluster runtime out.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterFacts, existingClusterFacts } from "./kubernetes/facts";
import { SandboxRuntime } from "./kubernetes/sandboxRuntime";
import { PlatformSpec, Target } from "./spec/types";
import { prepareSpec } from "./validation";

/** Arguments of SandboxPlatform. */
export interface SandboxPlatformArgs {
    /** The platform spec. Target "gcp": `gcp.project` defaults to the `gcp:project` provider config. */
    spec: PlatformSpec;
    /**
     * Target `kubernetes`: the existing cluster's kubeconfig (file contents; pass it as a secret).
     * Default - the ambient kubeconfig of the Kubernetes provider
     */
    kubeconfig?: pulumi.Input<string | undefined>;
    /** Target `kubernetes`: the kubeconfig context to use. Default - the current context */
    kubeconfigContext?: pulumi.Input<string>;
}

/**
 * A complete AI-agent sandbox platform from one spec: the target's cluster layer (GKE, EKS or AKS, or an
 * existing cluster) and the in-cluster runtime (runtime classes, storage, the agent-sandbox control plane,
 * the sandbox namespace, templates and warm pools).
 */
export class SandboxPlatform extends pulumi.ComponentResource {
    /** Namespace of the agent-sandbox controller and router. */
    public readonly controlPlaneNamespace: pulumi.Output<string>;
    /** Namespace sandboxes, templates and claims live in. */
    public readonly sandboxNamespace: pulumi.Output<string>;
    /** RuntimeClass name per isolation, e.g. `{ gvisor: "agents-gvisor" }`. */
    public readonly runtimeClassNames: pulumi.Output<{ [isolation: string]: string }>;
    /** Names of the SandboxTemplates (each has a warm pool `<template>-warm`). */
    public readonly templateNames: pulumi.Output<string[]>;
    /** The router's in-cluster URL, the SDKs' data path into sandboxes. */
    public readonly routerUrl: pulumi.Output<string>;
    /** Role in the sandbox namespace an SDK host's identity is bound to. */
    public readonly sandboxClientRole: pulumi.Output<string>;
    /** Cloud targets: the cluster's kubeconfig (secret). Empty for target `kubernetes`. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The snapshot bucket's URL (`gs://…`), empty where the platform has none. */
    public readonly snapshotBucketUrl: pulumi.Output<string>;
    /** The computed capacity, one line per pool and template ("pool gvisor holds at most 70 sandboxes of template python (…)"). */
    public readonly capacity: pulumi.Output<string[]>;

    constructor(name: string, args: SandboxPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        const { spec: specIn, resolved: spec, capacity } = prepareSpec(args.spec, "SandboxPlatform");
        super("cloister:index:SandboxPlatform", name, { dataProtection: spec.dataProtection }, opts);

        let provider: k8s.Provider;
        let facts: ClusterFacts;
        let kubeconfig: pulumi.Output<string>;
        if (spec.target === Target.Kubernetes) {
            provider = new k8s.Provider(
                `${name}-cluster`,
                { kubeconfig: args.kubeconfig, context: args.kubeconfigContext, enableServerSideApply: true },
                { parent: this },
            );
            facts = existingClusterFacts(spec);
            kubeconfig = pulumi.secret("");
        } else {
            const CloudCluster = cloudCluster(spec.target);
            const cloud = new CloudCluster(`${name}-${spec.target}`, { spec: specIn }, { parent: this });
            // The cloud's kubeconfig resolves once every node pool exists, so in-cluster objects (which all
            // use this provider) wait for nodes to schedule on.
            provider = new k8s.Provider(`${name}-cluster`, { kubeconfig: cloud.kubeconfig, enableServerSideApply: true }, { parent: this });
            facts = cloud.facts;
            kubeconfig = cloud.kubeconfig;
        }
        const runtime = new SandboxRuntime(`${name}-runtime`, { spec: specIn, facts }, { parent: this, provider });

        this.controlPlaneNamespace = runtime.controlPlaneNamespace;
        this.sandboxNamespace = runtime.sandboxNamespace;
        this.runtimeClassNames = runtime.runtimeClassNames;
        this.templateNames = runtime.templateNames;
        this.routerUrl = runtime.routerUrl;
        this.sandboxClientRole = runtime.sandboxClientRole;
        this.kubeconfig = pulumi.secret(kubeconfig);
        this.snapshotBucketUrl = pulumi.output(facts.snapshotBucketUrl ?? "");
        this.capacity = pulumi.output(capacity);
        this.registerOutputs({
            controlPlaneNamespace: this.controlPlaneNamespace,
            sandboxNamespace: this.sandboxNamespace,
            runtimeClassNames: this.runtimeClassNames,
            templateNames: this.templateNames,
            routerUrl: this.routerUrl,
            sandboxClientRole: this.sandboxClientRole,
            kubeconfig: this.kubeconfig,
            snapshotBucketUrl: this.snapshotBucketUrl,
            capacity: this.capacity,
        });
    }
}

/** What SandboxPlatform needs of a cloud layer. */
type CloudClusterClass = new (
    name: string,
    args: { spec: PlatformSpec },
    opts?: pulumi.ComponentResourceOptions,
) => pulumi.ComponentResource & { kubeconfig: pulumi.Output<string>; facts: ClusterFacts };

/**
 * The cloud layer of a target, loaded only when a platform uses it: a GCP customer installs @pulumi/gcp
 * but not the AWS or Azure SDKs (optional peer dependencies).
 */
function cloudCluster(target: Target): CloudClusterClass {
    switch (target) {
        case Target.Gcp:
            return (require("./gcp") as typeof import("./gcp")).GcpSandboxCluster;
        case Target.Aws:
            return (require("./aws") as typeof import("./aws")).AwsSandboxCluster;
        case Target.Azure:
            return (require("./azure") as typeof import("./azure")).AzureSandboxCluster;
        default:
            throw new Error(`target "${target}" has no cloud layer`);
    }
}
