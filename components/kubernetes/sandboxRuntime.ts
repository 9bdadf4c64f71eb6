// SandboxRuntime: everything Cloister puts inside a cluster. It never asks which cloud it runs on; it
// reads the spec and ClusterFacts. Give it the cluster's Kubernetes provider through `opts.provider` or
// `opts.providers`.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dataOptions, ResolvedSpec } from "../spec/defaults";
import { Isolation, PlatformSpec } from "../spec/types";
import { placementProblems, SpecProblem } from "../spec/validate";
import { prepareSpec, SpecError } from "../validation";
import {
    AGENT_SANDBOX_CRD_FILES,
    awaitAnnotations,
    bindingArgs,
    CONTROLLER_LABELS,
    CONTROLLER_NAME,
    CONTROLLER_RULES,
    controllerDeploymentArgs,
    controlPlanePolicies,
    ownerAnnotation,
    PSA_RESTRICTED,
    sourceFile,
} from "./controlPlane";
import {
    ROUTER_LABELS,
    ROUTER_METRICS_PORT,
    ROUTER_NAME,
    ROUTER_POD_RULES,
    ROUTER_PORT,
    ROUTER_TOKENREVIEW_RULES,
    routerDeploymentArgs,
    routerServiceArgs,
    SANDBOX_CLIENT_ROLE,
    SANDBOX_CLIENT_RULES,
} from "./router";
import { RouterAuth } from "../spec/types";
import { admissionBindingArgs, admissionPolicyArgs, SANDBOX_ADMISSIONS } from "./admission";
import { ClusterFacts } from "./facts";
import { createGvisorInstaller } from "./gvisorInstaller";
import { kataDeployArgs, nvidiaDevicePluginArgs, runtimeClassArgs } from "./runtimeClasses";
import {
    allowDnsArgs,
    allowRouterArgs,
    denyAllArgs,
    internetEgressArgs,
    limitRangeArgs,
    resourceQuotaArgs,
} from "./sandboxNamespace";
import { SNAPSHOT_CRD_FILES, storageClassArgs, volumeSnapshotClassArgs } from "./storage";
import { sandboxTemplateArgs, warmPoolArgs } from "./templates";

/** Arguments of SandboxRuntime; the Kubernetes provider comes in `opts.provider`. */
export interface SandboxRuntimeArgs {
    /** The platform spec; only its in-cluster parts are used here. */
    spec: PlatformSpec;
    /** What the cluster offers: pools, runtime classes, storage driver, control-plane identity. */
    facts: ClusterFacts;
}

/**
 * Problems the facts reveal: a template must land on one of the facts' pools (its isolation, its GPUs)
 * and have a RuntimeClass; volumes need a provisioner.
 */
export function validateFacts(spec: ResolvedSpec, facts: ClusterFacts): SpecProblem[] {
    const templates = placementProblems(
        spec.templates,
        facts.pools.map((p) => ({ isolation: p.isolation, gpus: p.acceleratorCount })),
        "facts.pools",
    );
    spec.templates.forEach((t, i) => {
        if (!facts.runtimeClasses.some((rc) => rc.isolation === t.isolation)) {
            templates.push({ path: `templates[${i}].isolation`, reason: `the cluster offers no "${t.isolation}" RuntimeClass` });
        }
    });
    // Paths relative to the args: the spec's templates, the facts' fields.
    const problems = templates.map((p) => ({ ...p, path: `spec.${p.path}` }));
    if (!facts.storage.provisioner) {
        problems.push({ path: "facts.storage.provisioner", reason: "the cluster's CSI provisioner is required for sandbox volumes" });
    }
    return problems;
}

/** The in-cluster layer on any cluster: runtime classes, storage and snapshot classes, the agent-sandbox control plane and router, the sandbox namespace and its guard rails, templates and warm pools. It reads ClusterFacts and never asks which cloud it is on. */
export class SandboxRuntime extends pulumi.ComponentResource {
    /** Namespace of the agent-sandbox controller. */
    public readonly controlPlaneNamespace: pulumi.Output<string>;
    /** Namespace sandboxes, templates and claims live in. */
    public readonly sandboxNamespace: pulumi.Output<string>;
    /** RuntimeClass name per isolation, e.g. `{ gvisor: "gvisor" }`. */
    public readonly runtimeClassNames: pulumi.Output<{ [isolation: string]: string }>;
    /** StorageClass of sandbox volumes. */
    public readonly storageClassName: pulumi.Output<string>;
    /** Empty when snapshot classes are off. */
    public readonly volumeSnapshotClassName: pulumi.Output<string>;
    /** Names of the SandboxTemplates, as claims name them. */
    public readonly templateNames: pulumi.Output<string[]>;
    /** Names of the SandboxWarmPools (templates with a warm pool). */
    public readonly warmPoolNames: pulumi.Output<string[]>;
    /** The router's in-cluster URL, e.g. `http://sandbox-router-svc.agent-sandbox-system.svc:8080`. */
    public readonly routerUrl: pulumi.Output<string>;
    /** Role in the sandbox namespace with what an SDK host needs (claims); bind your agents' identity to it. */
    public readonly sandboxClientRole: pulumi.Output<string>;

    constructor(name: string, args: SandboxRuntimeArgs, opts?: pulumi.ComponentResourceOptions) {
        // Where templates land is checked against the facts, which may describe pools the spec does not repeat.
        const { resolved: spec } = prepareSpec(args.spec, "SandboxRuntime", "spec.", [], true);
        const factProblems = validateFacts(spec, args.facts);
        if (factProblems.length > 0) throw new SpecError("SandboxRuntime", factProblems, "");
        super("cloister:index:SandboxRuntime", name, { dataProtection: spec.dataProtection }, opts);
        const facts = args.facts;
        const parent = { parent: this };
        const waits = awaitAnnotations(spec);

        // Runtime classes: one per isolation the pools provide, unless the cloud already has it.
        const runtimeClasses = facts.runtimeClasses
            .filter((rc) => !rc.provided)
            .map((rc) => new k8s.node.v1.RuntimeClass(`${name}-runtime-${rc.isolation}`, runtimeClassArgs(rc), parent));
        const kata = facts.runtimeClasses.find((rc) => rc.isolation === "kata");
        if (facts.installKataDeploy && kata) {
            new k8s.helm.v4.Chart(`${name}-kata-deploy`, kataDeployArgs(kata), parent);
        }
        if (facts.gvisorInstaller) {
            createGvisorInstaller(name, facts.gvisorInstaller, facts.pools.filter((p) => p.isolation === Isolation.Gvisor), parent);
        }
        const gpuPools = facts.pools.filter((p) => p.acceleratorCount > 0);
        if (facts.installNvidiaDevicePlugin && gpuPools.length > 0) {
            new k8s.helm.v4.Chart(`${name}-nvidia-device-plugin`, nvidiaDevicePluginArgs(gpuPools), parent);
        }

        // Storage.
        const storageClass = new k8s.storage.v1.StorageClass(`${name}-volumes`, storageClassArgs(spec, facts.storage), parent);
        const snapshotCrds = spec.storage.snapshotCrdSource
            ? SNAPSHOT_CRD_FILES.map(
                  (file) =>
                      new k8s.yaml.v2.ConfigFile(
                          `${name}-crd-${file.split("_")[1].replace(".yaml", "")}`,
                          { file: sourceFile(spec.storage.snapshotCrdSource!, file) },
                          parent,
                      ),
              )
            : [];
        const snapshotClass = spec.storage.snapshotClass
            ? new k8s.apiextensions.CustomResource(`${name}-snapshots`, volumeSnapshotClassArgs(spec, facts.storage), {
                  ...parent,
                  dependsOn: snapshotCrds,
              })
            : undefined;

        // Control plane. CRDs are applied server-side (the provider's default): they exceed the
        // client-side annotation limit.
        const controlNs = new k8s.core.v1.Namespace(
            `${name}-control-plane`,
            { metadata: { name: spec.controlPlane.namespace, labels: PSA_RESTRICTED, annotations: { ...waits, ...ownerAnnotation() } } },
            parent,
        );
        // Deleting a CRD deletes every object of its kind: in retain mode the CRDs (and with them every
        // sandbox, claim and template) outlive the stack, like the sandbox namespace.
        const keep = dataOptions(spec).retainOnDelete;
        const retained: pulumi.ResourceTransform = (args) => ({ props: args.props, opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true }) });
        const crds = AGENT_SANDBOX_CRD_FILES.map(
            (file) =>
                new k8s.yaml.v2.ConfigFile(
                    `${name}-crd-${file.split("_")[1].replace(".yaml", "")}`,
                    { file: sourceFile(spec.controlPlane.crdSource, file) },
                    // After the control namespace: a second platform on this cluster stops there, before it
                    // could adopt (and on destroy delete) the CRDs every sandbox depends on.
                    { ...parent, dependsOn: [controlNs], retainOnDelete: keep, transforms: keep ? [retained] : [] },
                ),
        );
        const controlNamespace = controlNs.metadata.name;
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-controller`,
            {
                metadata: {
                    name: CONTROLLER_NAME,
                    namespace: controlNamespace,
                    labels: CONTROLLER_LABELS,
                    annotations: facts.controllerServiceAccountAnnotations,
                },
            },
            parent,
        );
        const clusterRole = new k8s.rbac.v1.ClusterRole(
            `${name}-controller`,
            { metadata: { name: `${spec.name}-${CONTROLLER_NAME}`, labels: CONTROLLER_LABELS }, rules: CONTROLLER_RULES },
            parent,
        );
        new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-controller`,
            bindingArgs(`${spec.name}-${CONTROLLER_NAME}`, CONTROLLER_LABELS, { kind: "ClusterRole", name: clusterRole.metadata.name }, {
                name: serviceAccount.metadata.name,
                namespace: controlNamespace,
            }),
            parent,
        );
        new k8s.apps.v1.Deployment(
            `${name}-controller`,
            controllerDeploymentArgs(spec, facts, controlNamespace, serviceAccount.metadata.name),
            { ...parent, dependsOn: crds },
        );
        new k8s.core.v1.Service(
            `${name}-controller-metrics`,
            {
                metadata: { name: `${CONTROLLER_NAME}-metrics`, namespace: controlNamespace, labels: CONTROLLER_LABELS, annotations: waits },
                spec: { selector: CONTROLLER_LABELS, ports: [{ name: "metrics", port: 8080, targetPort: "metrics", protocol: "TCP" }] },
            },
            parent,
        );
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-controller`,
            {
                metadata: { name: CONTROLLER_NAME, namespace: controlNamespace, labels: CONTROLLER_LABELS },
                spec: { minAvailable: 1, selector: { matchLabels: CONTROLLER_LABELS } },
            },
            parent,
        );

        // The sandbox namespace and its guard rails.
        // Deleting the namespace would delete every sandbox volume claim in it.
        const sandboxNs = new k8s.core.v1.Namespace(
            `${name}-sandboxes`,
            { metadata: { name: spec.sandboxNamespace.name, labels: PSA_RESTRICTED, annotations: { ...waits, ...ownerAnnotation() } } },
            { ...parent, dependsOn: [controlNs], retainOnDelete: keep },
        );
        const sandboxNamespace = sandboxNs.metadata.name;
        new k8s.core.v1.ResourceQuota(`${name}-sandbox-quota`, resourceQuotaArgs(spec, sandboxNamespace, waits), parent);
        new k8s.core.v1.LimitRange(`${name}-sandbox-limits`, limitRangeArgs(sandboxNamespace), parent);
        new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, denyAllArgs(sandboxNamespace), parent);
        new k8s.networking.v1.NetworkPolicy(`${name}-allow-dns`, allowDnsArgs(sandboxNamespace), parent);
        new k8s.networking.v1.NetworkPolicy(
            `${name}-allow-router`,
            allowRouterArgs(sandboxNamespace, controlNamespace, spec.templates.map((t) => t.port)),
            parent,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-allow-internet-egress`,
            internetEgressArgs(sandboxNamespace, facts.privateCidrs),
            parent,
        );

        // Admission by the API server: no sandbox outside Cloister's runtime classes or with host access.
        const runtimeClassNames = facts.runtimeClasses.map((rc) => rc.name);
        for (const admission of SANDBOX_ADMISSIONS) {
            const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
                `${name}-admission-${admission.suffix}`,
                admissionPolicyArgs(spec.name, admission, runtimeClassNames),
                { ...parent, dependsOn: crds },
            );
            new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
                `${name}-admission-${admission.suffix}`,
                admissionBindingArgs(policy.metadata.name, spec.name, admission, sandboxNamespace),
                parent,
            );
        }

        // The router: the SDKs' data path into sandboxes.
        const routerAccount = new k8s.core.v1.ServiceAccount(
            `${name}-router`,
            { metadata: { name: ROUTER_NAME, namespace: controlNamespace, labels: ROUTER_LABELS }, automountServiceAccountToken: true },
            parent,
        );
        const routerPods = new k8s.rbac.v1.Role(
            `${name}-router-pods`,
            { metadata: { name: ROUTER_NAME, namespace: sandboxNamespace, labels: ROUTER_LABELS }, rules: ROUTER_POD_RULES },
            parent,
        );
        const routerIdentity = { name: routerAccount.metadata.name, namespace: controlNamespace };
        new k8s.rbac.v1.RoleBinding(
            `${name}-router-pods`,
            bindingArgs(ROUTER_NAME, ROUTER_LABELS, { kind: "Role", name: routerPods.metadata.name }, routerIdentity, sandboxNamespace),
            parent,
        );
        if (spec.controlPlane.routerAuth === RouterAuth.TokenReview) {
            const tokenReviews = new k8s.rbac.v1.ClusterRole(
                `${name}-router-tokenreview`,
                { metadata: { name: `${spec.name}-${ROUTER_NAME}-tokenreview`, labels: ROUTER_LABELS }, rules: ROUTER_TOKENREVIEW_RULES },
                parent,
            );
            new k8s.rbac.v1.ClusterRoleBinding(
                `${name}-router-tokenreview`,
                bindingArgs(`${spec.name}-${ROUTER_NAME}-tokenreview`, ROUTER_LABELS, { kind: "ClusterRole", name: tokenReviews.metadata.name }, routerIdentity),
                parent,
            );
        }
        new k8s.apps.v1.Deployment(
            `${name}-router`,
            routerDeploymentArgs(spec, controlNamespace, sandboxNamespace, routerAccount.metadata.name),
            parent,
        );
        const routerService = new k8s.core.v1.Service(`${name}-router`, routerServiceArgs(spec, controlNamespace), parent);
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-router`,
            {
                metadata: { name: ROUTER_NAME, namespace: controlNamespace, labels: ROUTER_LABELS },
                spec: { minAvailable: 1, selector: { matchLabels: ROUTER_LABELS } },
            },
            parent,
        );
        for (const p of controlPlanePolicies(spec, controlNamespace, sandboxNamespace, facts.apiServerCidrs, {
            labels: ROUTER_LABELS,
            port: ROUTER_PORT,
            metricsPort: ROUTER_METRICS_PORT,
        })) {
            new k8s.networking.v1.NetworkPolicy(`${name}-control-${p.name}`, p.args, parent);
        }
        const clientRole = new k8s.rbac.v1.Role(
            `${name}-sandbox-client`,
            { metadata: { name: SANDBOX_CLIENT_ROLE, namespace: sandboxNamespace, labels: { "app.kubernetes.io/part-of": "cloister" } }, rules: SANDBOX_CLIENT_RULES },
            { ...parent, dependsOn: crds },
        );

        // Templates and warm pools, once their CRDs exist.
        const templates = spec.templates.map(
            (t) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-template-${t.name}`,
                    sandboxTemplateArgs(t, facts, sandboxNamespace, storageClass.metadata.name),
                    { ...parent, dependsOn: [...crds, ...runtimeClasses] },
                ),
        );
        const warmPools = spec.templates.map(
            (t, i) =>
                new k8s.apiextensions.CustomResource(`${name}-warmpool-${t.name}`, warmPoolArgs(t, sandboxNamespace), {
                    ...parent,
                    dependsOn: [templates[i]],
                }),
        );

        this.controlPlaneNamespace = controlNamespace;
        this.sandboxNamespace = sandboxNamespace;
        this.runtimeClassNames = pulumi.output(Object.fromEntries(facts.runtimeClasses.map((rc) => [rc.isolation, rc.name])));
        this.storageClassName = storageClass.metadata.name;
        this.volumeSnapshotClassName = snapshotClass ? snapshotClass.metadata.name : pulumi.output("");
        this.templateNames = pulumi.all(templates.map((t) => t.metadata.name));
        this.warmPoolNames = pulumi.all(warmPools.map((w) => w.metadata.name));
        this.routerUrl = pulumi.interpolate`http://${routerService.metadata.name}.${controlNamespace}.svc:${ROUTER_PORT}`;
        this.sandboxClientRole = clientRole.metadata.name;
        this.registerOutputs({
            controlPlaneNamespace: this.controlPlaneNamespace,
            sandboxNamespace: this.sandboxNamespace,
            runtimeClassNames: this.runtimeClassNames,
            storageClassName: this.storageClassName,
            volumeSnapshotClassName: this.volumeSnapshotClassName,
            templateNames: this.templateNames,
            warmPoolNames: this.warmPoolNames,
            routerUrl: this.routerUrl,
            sandboxClientRole: this.sandboxClientRole,
        });
    }
}
