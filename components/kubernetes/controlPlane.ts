// The agent-sandbox control plane: upstream's CRDs from the pinned release, and a controller authored
// here (upstream's raw manifests set no security context, resources or probes).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedSpec } from "../spec/defaults";
import { ClusterFacts } from "./facts";

export const CONTROLLER_NAME = "agent-sandbox-controller";
export const CONTROLLER_LABELS = { "app.kubernetes.io/name": CONTROLLER_NAME, "app.kubernetes.io/part-of": "cloister" };
const CONTROLLER_LABELS_PART_OF = { "app.kubernetes.io/part-of": "cloister" };
/** Cluster DNS as NetworkPolicy peer: the kube-dns pods in kube-system, as on every managed cluster. */
export const KUBE_DNS_PEER = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

/** The four CRD files of a release's `k8s/crds` directory. */
export const AGENT_SANDBOX_CRD_FILES = [
    "agents.x-k8s.io_sandboxes.yaml",
    "extensions.agents.x-k8s.io_sandboxtemplates.yaml",
    "extensions.agents.x-k8s.io_sandboxclaims.yaml",
    "extensions.agents.x-k8s.io_sandboxwarmpools.yaml",
];

/** Joins a URL prefix or a directory with a file name. */
export function sourceFile(source: string, file: string): string {
    return `${source.replace(/\/+$/, "")}/${file}`;
}

/**
 * Without nodes nothing becomes ready; only a test stack turns waiting off. `skipAwait` also lets a
 * namespace be deleted without a namespace controller.
 */
export function awaitAnnotations(spec: ResolvedSpec): Record<string, string> {
    return spec.controlPlane.awaitReadiness ? {} : { "pulumi.com/skipAwait": "true" };
}

/**
 * Marks the namespaces a platform owns with its stack. Kubernetes objects are applied server-side, so a
 * second platform on the same cluster fails on this field (a conflict with the first stack's field
 * manager) instead of silently co-owning — and later deleting — the first one's control plane.
 */
export const OWNER_ANNOTATION = "cloister.dev/owned-by-stack";
export const ownerAnnotation = () => ({ [OWNER_ANNOTATION]: `${pulumi.getProject()}/${pulumi.getStack()}` });

/** Pod Security Admission `restricted`, enforced, audited and warned. */
export const PSA_RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
};

/** An upstream agent-sandbox image of the pinned release, from the configured registry or mirror. */
export function imageRef(spec: ResolvedSpec, image: string, digest: string): string {
    return `${spec.controlPlane.imageRegistry}/agent-sandbox/${image}:${spec.controlPlane.version}${digest ? `@${digest}` : ""}`;
}

/** The pod and container security context of every control-plane pod (Pod Security `restricted`). */
export const hardenedPodSecurity = {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    seccompProfile: { type: "RuntimeDefault" },
};
export const hardenedContainerSecurity = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

const ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"];

/** The union of upstream's generated core and extensions ClusterRoles (k8s/*rbac.generated.yaml). */
export const CONTROLLER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: [""], resources: ["persistentvolumeclaims", "pods", "services"], verbs: ALL_VERBS },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
    { apiGroups: ["agents.x-k8s.io"], resources: ["sandboxes"], verbs: ALL_VERBS },
    { apiGroups: ["agents.x-k8s.io"], resources: ["sandboxes/finalizers", "sandboxes/status"], verbs: ["get", "patch", "update"] },
    {
        apiGroups: ["extensions.agents.x-k8s.io"],
        resources: ["sandboxclaims", "sandboxtemplates", "sandboxwarmpools"],
        verbs: ALL_VERBS,
    },
    {
        apiGroups: ["extensions.agents.x-k8s.io"],
        resources: [
            "sandboxclaims/finalizers",
            "sandboxclaims/status",
            "sandboxtemplates/finalizers",
            "sandboxwarmpools/finalizers",
            "sandboxwarmpools/status",
        ],
        verbs: ["get", "patch", "update"],
    },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ALL_VERBS },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ALL_VERBS },
];

/**
 * A control-plane Deployment: replicas spread over nodes (one node's loss does not stop the component),
 * rolled without a gap, restricted pod security; the caller gives the containers and volumes.
 */
export function hardenedDeploymentArgs(
    spec: ResolvedSpec,
    component: { name: string; labels: Record<string, string>; podLabels?: Record<string, string>; replicas: number },
    namespace: pulumi.Input<string>,
    serviceAccount: pulumi.Input<string>,
    pod: Pick<k8s.types.input.core.v1.PodSpec, "containers" | "volumes" | "terminationGracePeriodSeconds">,
): k8s.apps.v1.DeploymentArgs {
    return {
        metadata: { name: component.name, namespace, labels: component.labels, annotations: awaitAnnotations(spec) },
        spec: {
            replicas: component.replicas,
            selector: { matchLabels: component.labels },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels: { ...component.labels, ...component.podLabels } },
                spec: {
                    serviceAccountName: serviceAccount,
                    securityContext: hardenedPodSecurity,
                    topologySpreadConstraints: [
                        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: component.labels } },
                    ],
                    ...pod,
                },
            },
        },
    };
}

/** Binds a ServiceAccount of the control plane to a Role or ClusterRole (a RoleBinding when `namespace` is set). */
export function bindingArgs(
    name: string,
    labels: Record<string, string>,
    role: { kind: "Role" | "ClusterRole"; name: pulumi.Input<string> },
    serviceAccount: { name: pulumi.Input<string>; namespace: pulumi.Input<string> },
    namespace?: pulumi.Input<string>,
): Omit<k8s.rbac.v1.RoleBindingArgs, "kind" | "apiVersion"> {
    return {
        metadata: { name, namespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: role.kind, name: role.name },
        subjects: [{ kind: "ServiceAccount", ...serviceAccount }],
    };
}

export function controllerDeploymentArgs(
    spec: ResolvedSpec,
    facts: ClusterFacts,
    namespace: pulumi.Input<string>,
    serviceAccount: pulumi.Input<string>,
): k8s.apps.v1.DeploymentArgs {
    const controller = { name: CONTROLLER_NAME, labels: CONTROLLER_LABELS, podLabels: facts.controllerPodLabels, replicas: spec.controlPlane.replicas };
    return hardenedDeploymentArgs(spec, controller, namespace, serviceAccount, {
        containers: [
            {
                name: CONTROLLER_NAME,
                image: imageRef(spec, CONTROLLER_NAME, spec.controlPlane.controllerImageDigest),
                args: [
                    "--leader-elect=true",
                    pulumi.interpolate`--leader-election-namespace=${namespace}`,
                    "--extensions",
                    "--metrics-bind-address=:8080",
                    "--health-probe-bind-address=:8081",
                ],
                ports: [
                    { name: "metrics", containerPort: 8080, protocol: "TCP" },
                    { name: "healthz", containerPort: 8081, protocol: "TCP" },
                ],
                livenessProbe: { httpGet: { path: "/healthz", port: "healthz" }, initialDelaySeconds: 15, periodSeconds: 20 },
                readinessProbe: { httpGet: { path: "/readyz", port: "healthz" }, initialDelaySeconds: 5, periodSeconds: 10 },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                securityContext: hardenedContainerSecurity,
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
        ],
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
    });
}

type Policy = { name: string; args: k8s.networking.v1.NetworkPolicyArgs };

/**
 * The control-plane namespace's NetworkPolicies: nothing in or out but the API server and DNS for both
 * components, clients to the router's proxy port, the router to the sandboxes' ports, and metrics from the
 * monitoring namespace when one is configured.
 */
export function controlPlanePolicies(
    spec: ResolvedSpec,
    namespace: pulumi.Input<string>,
    sandboxNamespace: pulumi.Input<string>,
    apiServerCidrs: pulumi.Input<pulumi.Input<string>[]>,
    router: { labels: Record<string, string>; port: number; metricsPort: number },
): Policy[] {
    const policy = (name: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec): Policy => ({
        name,
        args: { metadata: { name, namespace, labels: CONTROLLER_LABELS_PART_OF }, spec },
    });
    const apiServer = pulumi.output(apiServerCidrs).apply((cidrs) => (cidrs.length ? cidrs : ["0.0.0.0/0"]).map((cidr) => ({ ipBlock: { cidr } })));
    const sandboxPorts = [...new Set(spec.templates.map((t) => t.port))].sort((a, b) => a - b);
    const policies: Policy[] = [
        policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
        policy("allow-dns", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: [KUBE_DNS_PEER], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
        }),
        // The API server's address is the cluster's (or any, where the cluster does not say): on 443/6443 only.
        policy("allow-api-server", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: apiServer, ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }] }],
        }),
        policy("allow-router-clients", {
            podSelector: { matchLabels: router.labels },
            policyTypes: ["Ingress"],
            ingress: [{ ports: [{ protocol: "TCP", port: router.port }] }],
        }),
        policy("allow-router-to-sandboxes", {
            podSelector: { matchLabels: router.labels },
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": sandboxNamespace } }, podSelector: {} }],
                    ports: sandboxPorts.map((port) => ({ protocol: "TCP", port })),
                },
            ],
        }),
    ];
    const monitoring = spec.controlPlane.monitoringNamespace;
    if (monitoring) {
        const from = [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": monitoring } } }];
        policies.push(
            policy("allow-controller-metrics", {
                podSelector: { matchLabels: CONTROLLER_LABELS },
                policyTypes: ["Ingress"],
                ingress: [{ from, ports: [{ protocol: "TCP", port: 8080 }] }],
            }),
            policy("allow-router-metrics", {
                podSelector: { matchLabels: router.labels },
                policyTypes: ["Ingress"],
                ingress: [{ from, ports: [{ protocol: "TCP", port: router.metricsPort }] }],
            }),
        );
    }
    return policies;
}
