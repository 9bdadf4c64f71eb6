// SandboxPlatform: the front door. Spec in; the target's cluster layer and the in-cluster runtime out.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { existingClusterFacts } from "./kubernetes/facts";
import { SandboxRuntime } from "./kubernetes/sandboxRuntime";
import { resolveSpec } from "./spec/defaults";
import { PlatformSpec, Target } from "./spec/types";
import { throwIfInvalid } from "./spec/validate";
import { validatePlatformSpec } from "./validation";

export interface SandboxPlatformArgs {
    spec: PlatformSpec;
    /**
     * Target `kubernetes`: the existing cluster's kubeconfig (file contents; pass it as a secret).
     * Default - the ambient kubeconfig of the Kubernetes provider
     */
    kubeconfig?: pulumi.Input<string | undefined>;
    /** Target `kubernetes`: the kubeconfig context to use. Default - the current context */
    kubeconfigContext?: pulumi.Input<string>;
}

export class SandboxPlatform extends pulumi.ComponentResource {
    public readonly controlPlaneNamespace: pulumi.Output<string>;
    public readonly sandboxNamespace: pulumi.Output<string>;
    public readonly runtimeClassNames: pulumi.Output<{ [isolation: string]: string }>;
    public readonly templateNames: pulumi.Output<string[]>;
    /** Cloud targets: the cluster's kubeconfig (secret). Empty for target `kubernetes`. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The snapshot bucket's URL (`gs://…`), empty where the platform has none. */
    public readonly snapshotBucketUrl: pulumi.Output<string>;

    constructor(name: string, args: SandboxPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        throwIfInvalid(validatePlatformSpec(args.spec), "SandboxPlatform");
        const spec = resolveSpec(args.spec);
        super("cloister:index:SandboxPlatform", name, {}, opts);

        if (spec.target !== Target.Kubernetes) {
            throw new pulumi.ResourceError(`target "${spec.target}" is not available`, this);
        }
        const provider = new k8s.Provider(
            `${name}-cluster`,
            { kubeconfig: args.kubeconfig, context: args.kubeconfigContext, enableServerSideApply: true },
            { parent: this },
        );
        const facts = existingClusterFacts(spec);
        const runtime = new SandboxRuntime(`${name}-runtime`, { spec: args.spec, facts }, { parent: this, provider });

        this.controlPlaneNamespace = runtime.controlPlaneNamespace;
        this.sandboxNamespace = runtime.sandboxNamespace;
        this.runtimeClassNames = runtime.runtimeClassNames;
        this.templateNames = runtime.templateNames;
        this.kubeconfig = pulumi.secret("");
        this.snapshotBucketUrl = pulumi.output(facts.snapshotBucketUrl ?? "");
        this.registerOutputs({
            controlPlaneNamespace: this.controlPlaneNamespace,
            sandboxNamespace: this.sandboxNamespace,
            runtimeClassNames: this.runtimeClassNames,
            templateNames: this.templateNames,
            kubeconfig: this.kubeconfig,
            snapshotBucketUrl: this.snapshotBucketUrl,
        });
    }
}
